#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseEnvFile } from './env-file.js';
import { isDownwardApiError, isNotInKubernetesError } from './errors.js';
import type { PodMetadata } from './pod-metadata.js';
import { readPodMetadataSync } from './read.js';
import { defineSpec } from './spec.js';

/** Exit codes, documented in the README. */
const EXIT = { ok: 0, invalid: 1, usage: 2, notInKubernetes: 3 } as const;

const USAGE = `Usage: kube-downward <command> [options]

Commands:
  show      print the pod's Downward API snapshot

Run "kube-downward <command> --help" for a command's options.`;

const SHOW_USAGE = `Usage: kube-downward show [--env-file FILE] [--spec FILE] [--json]

Reads the Downward API env vars named by the spec and prints one validated snapshot.

Options:
  --env-file FILE  read env vars from FILE (NAME=value per line) instead of the process environment
  --spec FILE      the spec as JSON (default: the built-in default spec)
  --json           print JSON (integers of requests and limits as strings, to keep them exact)
  -h, --help       show this help

Exit codes: 0 snapshot printed, 1 invalid values, 2 bad usage, 3 not running in Kubernetes.`;

class UsageError extends Error {}

/** JSON cannot hold a bigint; decimal strings keep requests and limits exact. */
function snapshotToJson(meta: PodMetadata): string {
  return JSON.stringify(meta, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2);
}

function formatTable(meta: PodMetadata): string {
  const rows: [string, string][] = [];
  for (const field of ['name', 'namespace', 'uid', 'nodeName', 'serviceAccountName', 'podIP', 'podIPs', 'hostIP', 'hostIPs'] as const) {
    const value = meta[field];
    if (value !== undefined) rows.push([field, Array.isArray(value) ? value.join(', ') : String(value)]);
  }
  for (const [name, value] of Object.entries(meta.resources)) {
    if (value === undefined) continue;
    const amount = 'millicores' in value ? `${value.millicores} millicores` : `${value.bytes} bytes`;
    rows.push([name, `${amount} (divisor ${value.divisor})`]);
  }
  for (const [kind, map] of [['label', meta.labels], ['annotation', meta.annotations]] as const) {
    for (const [key, value] of Object.entries(map)) rows.push([`${kind} ${key}`, JSON.stringify(value)]);
  }
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n');
}

function show(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: {
      'env-file': { type: 'string' },
      spec: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${SHOW_USAGE}\n`);
    return EXIT.ok;
  }
  const envFile = values['env-file'];
  const specFile = values.spec;
  const env = envFile === undefined ? process.env : parseEnvFile(readFileSync(envFile, 'utf8'), envFile);
  const spec = specFile === undefined ? undefined : defineSpec(JSON.parse(readFileSync(specFile, 'utf8')));
  const meta = readPodMetadataSync(spec === undefined ? { env } : { env, spec });
  process.stdout.write(`${values.json ? snapshotToJson(meta) : formatTable(meta)}\n`);
  return EXIT.ok;
}

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'show':
        return show(rest);
      case undefined:
      case '-h':
      case '--help':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(`unknown command: ${command}`);
    }
  } catch (error) {
    if (isNotInKubernetesError(error)) {
      process.stderr.write(`kube-downward: ${error.message}\n`);
      return EXIT.notInKubernetes;
    }
    if (isDownwardApiError(error)) {
      process.stderr.write(`kube-downward: ${error.message}\n`);
      return EXIT.invalid;
    }
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`kube-downward: ${error.message}\n\n${USAGE}\n`);
      return EXIT.usage;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`kube-downward: ${message}\n`);
    return EXIT.invalid;
  }
}

process.exitCode = main(process.argv.slice(2));
