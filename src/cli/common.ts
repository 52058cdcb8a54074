// What the commands share: exit codes, argument parsing, the source flags and how a snapshot is printed.

import { nodeFs } from '../builtins.js';
import { errorCode, isDownwardApiError, isNotInKubernetesError } from '../errors.js';
import type { PodMetadata, PodMetadataSource } from '../sources/pod-metadata.js';
import type { ReadPodMetadataOptions } from '../sources/read.js';
import { SCALAR_FIELDS, describeAmount } from '../live/snapshot-diff.js';
import { defineSpec } from '../spec/spec.js';
import { parseEnvFile } from './env-file.js';

export const EXIT = { ok: 0, invalid: 1, usage: 2, notInKubernetes: 3 } as const;

/** One subcommand: its name, a one-line summary for the command list, its help text, and what it does. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  run(args: string[]): Promise<number>;
}

export class UsageError extends Error {}

/** A file given on the command line that cannot be used: exit 1, with the file's name. */
export class InputError extends Error {}

export type Values = Record<string, string | boolean | undefined>;

export function parse(
  command: Pick<Command, 'name' | 'help'>,
  args: string[],
  options: Record<string, { type: 'string' | 'boolean'; short?: string }>,
): Values | undefined {
  let values: Values;
  try {
    const { parseArgs } = process.getBuiltinModule('node:util');
    ({ values } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(`${command.name}: ${error instanceof Error ? error.message : String(error)}\n\n${command.help}`);
  }
  if (values['help'] === true) {
    process.stdout.write(`${command.help}\n`);
    return undefined;
  }
  return values;
}

export const INPUT_OPTIONS = `  --env-from FILE  read env vars from FILE (NAME=value per line) instead of the process environment
  --volume DIR     the downwardAPI volume's mount path (default: KUBE_DOWNWARD_VOLUME, else the spec's mountPath)
  --spec FILE      the spec as YAML or JSON (default: the built-in default spec)`;

export const SOURCE_OPTIONS = `${INPUT_OPTIONS}
  --strict         require every entry of the spec not marked optional (default: only with --spec)`;

// --env-file was the first name of --env-from; Node.js 20 reads a flag of that name itself, even after the script.
export const SOURCE_FLAGS = {
  'env-from': { type: 'string' },
  'env-file': { type: 'string' },
  volume: { type: 'string' },
  spec: { type: 'string' },
  strict: { type: 'boolean' },
} as const;

export function readText(file: string): string {
  try {
    return nodeFs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** YAML is a superset of JSON, so one parser reads both; it is loaded only when a spec file is given. */
export async function loadSpec(file: string | undefined) {
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

/** The read options the source flags (and `--strict`, where a command has it) ask for. */
export async function readOptions(values: Values): Promise<ReadPodMetadataOptions> {
  const oldName = values['env-file'] as string | undefined;
  if (oldName !== undefined) {
    if (values['env-from'] !== undefined) throw new UsageError('give --env-from only (--env-file is its old name)');
    process.stderr.write('kube-downward: --env-file is now --env-from (Node.js 20 reads a flag named --env-file itself)\n');
  }
  const envFile = (values['env-from'] as string | undefined) ?? oldName;
  const volume = values['volume'] as string | undefined;
  const spec = await loadSpec(values['spec'] as string | undefined);
  return {
    env: envFile === undefined ? process.env : parseEnvFile(readText(envFile), envFile),
    ...(volume === undefined ? {} : { volume }),
    ...(spec === undefined ? {} : { spec }),
    ...(values['strict'] === true ? { strict: true } : {}),
  };
}

const cleanups: (() => void)[] = [];

/** Work that must be undone however the process ends, such as a temp directory; returns a function that forgets it. */
export function onExit(cleanup: () => void): () => void {
  cleanups.push(cleanup);
  return () => {
    const at = cleanups.indexOf(cleanup);
    if (at >= 0) cleanups.splice(at, 1);
  };
}

/** Runs the clean-ups, newest first, and ends the process at once. */
export function exitNow(code: number): never {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      cleanup();
    } catch {
      // Exiting anyway: one failed clean-up must not keep the others from running.
    }
  }
  process.exit(code);
}

/**
 * A reader that closes the pipe early (`kube-downward demo | head -1`) is a normal end for a Unix tool: stop
 * quietly, clean up, exit 0.
 */
export function endQuietlyOnClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: unknown) => {
      if (errorCode(error) === 'EPIPE' || errorCode(error) === 'ERR_STREAM_DESTROYED') exitNow(EXIT.ok);
      throw error;
    });
  }
}

/** A snapshot's own toJSON writes requests and limits as decimal strings, which keeps them exact. */
export function toJson(meta: PodMetadata, indent?: number): string {
  return JSON.stringify(meta, undefined, indent);
}

function describeFallback(source: PodMetadataSource | undefined): string {
  if (source?.fallback !== true) return '';
  return ` (a fallback: from ${source.kind === 'env' ? `env ${source.name}` : `file ${source.path}`})`;
}

export function table(meta: PodMetadata): string {
  const rows: [string, string][] = [];
  for (const field of SCALAR_FIELDS) {
    const value = meta[field];
    if (value !== undefined) rows.push([field, `${typeof value === 'string' ? value : value.join(', ')}${describeFallback(meta.sources[field])}`]);
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

/** The library's error speaks of options; on the command line they are flags. */
export const OUTSIDE_HINT = 'On the command line: --env-from FILE (NAME=value lines) and --volume DIR (a directory of Downward API files).\n';

export function failure(error: unknown): number {
  if (isNotInKubernetesError(error)) {
    process.stderr.write(`kube-downward: ${error.message}\n${OUTSIDE_HINT}`);
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
  // Anything else would be a bug: still one line on stderr, never a stack trace.
  process.stderr.write(`kube-downward: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.invalid;
}

