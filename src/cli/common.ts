// What the commands share: exit codes, argument parsing, the source flags and how a snapshot is printed.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isDownwardApiError, isNotInKubernetesError } from '../errors.js';
import type { PodMetadata } from '../sources/pod-metadata.js';
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

export const SOURCE_OPTIONS = `  --env-file FILE  read env vars from FILE (NAME=value per line) instead of the process environment
  --volume DIR     the downwardAPI volume's mount path (default: KUBE_DOWNWARD_VOLUME, else the spec's mountPath)
  --spec FILE      the spec as YAML or JSON (default: the built-in default spec)`;

export const SOURCE_FLAGS = { 'env-file': { type: 'string' }, volume: { type: 'string' }, spec: { type: 'string' } } as const;

export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
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

export async function readOptions(values: Values): Promise<ReadPodMetadataOptions> {
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
export function toJson(meta: PodMetadata, indent?: number): string {
  return JSON.stringify(meta, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), indent);
}

export function table(meta: PodMetadata): string {
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

export function failure(error: unknown): number {
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
  // Anything else would be a bug: still one line on stderr, never a stack trace.
  process.stderr.write(`kube-downward: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.invalid;
}

