#!/usr/bin/env node
// The kube-downward command: show, watch, check, manifest, demo. Errors go to stderr; exit codes are in USAGE.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseEnvFile } from './env-file.js';
import { isDownwardApiError, isNotInKubernetesError } from '../errors.js';
import { downwardPodSpec } from '../spec/manifest.js';
import type { PodMetadata } from '../sources/pod-metadata.js';
import { readPodMetadataSync, type ReadPodMetadataOptions } from '../sources/read.js';
import { SCALAR_FIELDS, describeAmount, describeChange, diffSnapshots } from '../live/snapshot-diff.js';
import { defineSpec } from '../spec/spec.js';
import { createDownwardVolume, downwardEnv, seedPod } from '../testing/index.js';
import { watchPodMetadataEvents } from '../live/watch.js';

const EXIT = { ok: 0, invalid: 1, usage: 2, notInKubernetes: 3 } as const;

const USAGE = `Usage: kube-downward <command> [options]

Commands:
  show      print the pod's Downward API snapshot
  watch     print a new snapshot, or what changed, whenever the volume changes
  check     validate env and volume against the spec; exit 0 when everything holds
  manifest  print the pod-spec YAML (env, downwardAPI volume, volume mount) the spec needs
  demo      write a volume as the kubelet does, watch it, update it twice

Run "kube-downward <command> --help" for a command's options.

Exit codes: 0 success, 1 invalid or missing values (or input files), 2 bad usage, 3 not running in Kubernetes.`;

const SOURCE_OPTIONS = `  --env-file FILE  read env vars from FILE (NAME=value per line) instead of the process environment
  --volume DIR     the downwardAPI volume's mount path (default: KUBE_DOWNWARD_VOLUME, else the spec's mountPath)
  --spec FILE      the spec as YAML or JSON (default: the built-in default spec)`;

const HELP: Record<string, string> = {
  show: `Usage: kube-downward show [--env-file FILE] [--volume DIR] [--spec FILE] [--json]

Reads the Downward API env vars and volume named by the spec and prints one validated snapshot.

Options:
${SOURCE_OPTIONS}
  --json           print JSON (requests and limits as strings, to keep them exact)
  -h, --help       show this help`,
  watch: `Usage: kube-downward watch [--env-file FILE] [--volume DIR] [--spec FILE] [--json] [--debounce-ms N]

Prints the snapshot, then what changed (labels, annotations, resources) each time the kubelet updates the volume,
until interrupted (Ctrl-C or SIGTERM: exit 0). Problems that do not end the watch go to stderr.

Options:
${SOURCE_OPTIONS}
  --json           one JSON snapshot per line (NDJSON)
  --debounce-ms N  how long the volume must be quiet before it is read again (default 20)
  -h, --help       show this help`,
  check: `Usage: kube-downward check [--env-file FILE] [--volume DIR] [--spec FILE]

Validates the env vars and the volume against the spec and prints every problem with its hint. Exit 0 when
everything holds, 1 otherwise: usable as a start-up or init-container check.

Options:
${SOURCE_OPTIONS}
  -h, --help       show this help`,
  manifest: `Usage: kube-downward manifest [--container NAME] [--spec FILE] [--volume-name NAME] [--with-optional] [--json]

Prints the part of a pod spec that the spec needs: the container's env entries, the downwardAPI volume and its
volume mount. Merge it into your Deployment's pod template.

Options:
  --container NAME    the container that gets the env vars and the mount (default: the one the volume items read)
  --spec FILE         the spec as YAML or JSON (default: the built-in default spec)
  --volume-name NAME  the volume's name (default: downward)
  --with-optional     also print the env vars the spec marks optional
  --json              print JSON instead of YAML
  -h, --help          show this help`,
  demo: `Usage: kube-downward demo

Writes the README's pod into a temp directory exactly as the kubelet would, watches it, applies two kubelet-style
updates (a label change, then an annotation change), prints each snapshot and what changed, and exits.

Options:
  -h, --help  show this help`,
};

class UsageError extends Error {}

/** A file given on the command line that cannot be used: exit 1, with the file's name. */
class InputError extends Error {}

type Values = Record<string, string | boolean | undefined>;

function parse(command: string, args: string[], options: Record<string, { type: 'string' | 'boolean'; short?: string }>): Values | undefined {
  let values: Values;
  try {
    ({ values } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(`${command}: ${error instanceof Error ? error.message : String(error)}\n\n${HELP[command]}`);
  }
  if (values['help'] === true) {
    process.stdout.write(`${HELP[command]}\n`);
    return undefined;
  }
  return values;
}

const SOURCE_FLAGS = { 'env-file': { type: 'string' }, volume: { type: 'string' }, spec: { type: 'string' } } as const;

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** YAML is a superset of JSON, so one parser reads both; it is loaded only when a spec file is given. */
async function loadSpec(file: string | undefined) {
  if (file === undefined) return undefined;
  const { parse: parseYaml } = await import('yaml');
  let data: unknown;
  try {
    data = parseYaml(readText(file));
  } catch (error) {
    throw new InputError(`${file} is not YAML or JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return defineSpec(data);
}

async function readOptions(values: Values): Promise<ReadPodMetadataOptions> {
  const envFile = values['env-file'] as string | undefined;
  const volume = values['volume'] as string | undefined;
  const spec = await loadSpec(values['spec'] as string | undefined);
  return {
    env: envFile === undefined ? process.env : parseEnvFile(readText(envFile), envFile),
    ...(volume === undefined ? {} : { volume }),
    ...(spec === undefined ? {} : { spec }),
  };
}

/** JSON cannot hold a bigint; decimal strings keep requests and limits exact. */
function toJson(meta: PodMetadata, indent?: number): string {
  return JSON.stringify(meta, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), indent);
}

function table(meta: PodMetadata): string {
  const rows: [string, string][] = [];
  for (const field of SCALAR_FIELDS) {
    const value = meta[field];
    if (value !== undefined) rows.push([field, typeof value === 'string' ? value : value.join(', ')]);
  }
  for (const [name, value] of Object.entries(meta.resources)) {
    if (value === undefined) continue;
    rows.push([name, `${describeAmount(value)} (divisor ${value.divisor})`]);
  }
  for (const [kind, map] of [['label', meta.labels], ['annotation', meta.annotations]] as const) {
    for (const [key, value] of Object.entries(map)) rows.push([`${kind} ${key}`, JSON.stringify(value)]);
  }
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `  ${key.padEnd(width)}  ${value}`).join('\n');
}

async function show(args: string[]): Promise<number> {
  const values = parse('show', args, { ...SOURCE_FLAGS, json: { type: 'boolean' } });
  if (values === undefined) return EXIT.ok;
  const meta = readPodMetadataSync(await readOptions(values));
  process.stdout.write(`${values['json'] === true ? toJson(meta, 2) : table(meta)}\n`);
  return EXIT.ok;
}

async function check(args: string[]): Promise<number> {
  const values = parse('check', args, SOURCE_FLAGS);
  if (values === undefined) return EXIT.ok;
  try {
    readPodMetadataSync(await readOptions(values));
    process.stdout.write('ok: every value the spec names is present and valid\n');
    return EXIT.ok;
  } catch (error) {
    if (!isDownwardApiError(error)) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT.invalid;
  }
}

async function manifest(args: string[]): Promise<number> {
  const values = parse('manifest', args, {
    container: { type: 'string' },
    spec: { type: 'string' },
    'volume-name': { type: 'string' },
    'with-optional': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values === undefined) return EXIT.ok;
  const spec = await loadSpec(values['spec'] as string | undefined);
  const container = values['container'] as string | undefined;
  const volumeName = values['volume-name'] as string | undefined;
  let podSpec;
  try {
    podSpec = downwardPodSpec({
      includeOptional: values['with-optional'] === true,
      ...(spec === undefined ? {} : { spec }),
      ...(container === undefined ? {} : { container }),
      ...(volumeName === undefined ? {} : { volumeName }),
    });
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(`manifest: ${error.message}\n\n${HELP['manifest']}`);
    throw error;
  }
  if (values['json'] === true) {
    process.stdout.write(`${JSON.stringify({ spec: podSpec }, undefined, 2)}\n`);
  } else {
    const { stringify } = await import('yaml');
    process.stdout.write(`# The Downward API entries of the pod spec; merge them into your pod template.\n${stringify({ spec: podSpec }, { indentSeq: false })}`);
  }
  return EXIT.ok;
}

/** Runs until SIGINT or SIGTERM (exit 0), or until the watch ends by itself. */
async function watch(args: string[]): Promise<number> {
  const values = parse('watch', args, { ...SOURCE_FLAGS, json: { type: 'boolean' }, 'debounce-ms': { type: 'string' } });
  if (values === undefined) return EXIT.ok;
  const debounce = values['debounce-ms'] as string | undefined;
  const debounceMs = debounce === undefined ? undefined : Number(debounce);
  if (debounceMs !== undefined && !(Number.isFinite(debounceMs) && debounceMs >= 0)) {
    throw new UsageError(`watch: --debounce-ms must be a number >= 0, not ${JSON.stringify(debounce)}\n\n${HELP['watch']}`);
  }
  const options = { ...(await readOptions(values)), ...(debounceMs === undefined ? {} : { debounceMs }) };
  const json = values['json'] === true;
  return new Promise((resolve) => {
    let previous: PodMetadata | undefined;
    const subscription = watchPodMetadataEvents(options).subscribe({
      next: (event) => {
        if (event.type === 'problem') {
          process.stderr.write(`kube-downward: ${event.error.message}\n`);
          return;
        }
        const meta = event.metadata;
        if (json) process.stdout.write(`${toJson(meta)}\n`);
        else if (previous === undefined) process.stdout.write(`snapshot:\n${table(meta)}\n`);
        else process.stdout.write(`${new Date().toISOString()} ${diffSnapshots(previous, meta).map(describeChange).join('; ')}\n`);
        previous = meta;
      },
      error: (error: unknown) => resolve(failure(error)),
      complete: () => {
        if (!json) process.stdout.write('nothing to watch: no downwardAPI volume, so these values cannot change\n');
        resolve(EXIT.ok);
      },
    });
    const stop = (): void => {
      subscription.unsubscribe();
      resolve(EXIT.ok);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

async function demo(args: string[]): Promise<number> {
  if (parse('demo', args, {}) === undefined) return EXIT.ok;
  const volume = createDownwardVolume({ pod: seedPod });
  const env = downwardEnv(seedPod);
  const updates: [string, () => void][] = [
    ['label foo=baz', () => volume.update({ labels: { ...seedPod.labels, foo: 'baz' } })],
    ['annotation key1=value2', () => volume.update({ annotations: { ...seedPod.annotations, key1: 'value2' } })],
  ];
  process.stdout.write(`A downwardAPI volume for pod "downward", written as the kubelet writes it: ${volume.directory}\n`);
  try {
    return await new Promise<number>((resolve) => {
      let previous: PodMetadata | undefined;
      const timeout = setTimeout(() => {
        subscription.unsubscribe();
        process.stderr.write('kube-downward demo: no change seen within 10 s\n');
        resolve(EXIT.invalid);
      }, 10_000);
      const subscription = watchPodMetadataEvents({ env, volume: volume.directory, debounceMs: 10 }).subscribe({
        next: (event) => {
          if (event.type === 'problem') {
            process.stderr.write(`kube-downward: ${event.error.message}\n`);
            return;
          }
          const meta = event.metadata;
          if (previous === undefined) process.stdout.write(`\nsnapshot 1 (${volume.generation}):\n${table(meta)}\n`);
          else process.stdout.write(`snapshot (${volume.generation}): ${diffSnapshots(previous, meta).map(describeChange).join('; ')}\n`);
          previous = meta;
          const next = updates.shift();
          if (next === undefined) {
            clearTimeout(timeout);
            subscription.unsubscribe();
            process.stdout.write('\nTwo kubelet updates, two new snapshots: each read as one consistent generation.\n');
            resolve(EXIT.ok);
            return;
          }
          process.stdout.write(`\nkubelet update: ${next[0]}\n`);
          next[1]();
        },
        error: (error: unknown) => {
          clearTimeout(timeout);
          resolve(failure(error));
        },
      });
    });
  } finally {
    volume.remove();
  }
}

function failure(error: unknown): number {
  if (isNotInKubernetesError(error)) {
    process.stderr.write(`kube-downward: ${error.message}\n`);
    return EXIT.notInKubernetes;
  }
  if (isDownwardApiError(error) || error instanceof InputError) {
    process.stderr.write(`kube-downward: ${error.message}\n`);
    return EXIT.invalid;
  }
  if (error instanceof UsageError) {
    process.stderr.write(`kube-downward: ${error.message}\n`);
    return EXIT.usage;
  }
  throw error;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = { show, watch, check, manifest, demo };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '-h' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const run = command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (run === undefined) {
    process.stderr.write(`kube-downward: ${command === undefined ? 'a command is needed' : `unknown command: ${command}`}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  try {
    return await run(rest);
  } catch (error) {
    return failure(error);
  }
}

process.exitCode = await main(process.argv.slice(2));
