// Reading a downwardAPI volume: one consistent generation through `..data` (see the kubelet's atomic writer),
// or a plain directory. The reading logic is a generator of file-system requests so that one implementation serves
// both the synchronous and the promise-based reader.

import { join } from 'node:path';
import { errorCode, problem, type DownwardApiProblem, type DownwardApiSource } from '../errors.js';
import { targetOf, type Reading } from './pod-metadata.js';
import type { DownwardVolumeItem } from '../spec/spec.js';
import { asText } from '../format/utf8.js';

/**
 * The few file-system calls the volume reader makes; `node:fs` (the default) and memfs's `fs` both fit.
 *
 * @example
 * ```ts
 * import * as fs from 'node:fs';
 * import type { VolumeFileSystem } from 'kube-downward';
 *
 * const fileSystem: VolumeFileSystem = fs;
 * ```
 * @public
 */
export interface VolumeFileSystem {
  /** `fs.readlinkSync`. */
  readlinkSync(path: string): string | Uint8Array;
  /** `fs.statSync`. */
  statSync(path: string): { readonly size: number | bigint; isFile(): boolean; isDirectory(): boolean };
  /** `fs.readFileSync`, returning the bytes. */
  readFileSync(path: string): string | Uint8Array;
  /** The promise forms of the same calls. */
  readonly promises: {
    readlink(path: string): Promise<string | Uint8Array>;
    stat(path: string): Promise<{ readonly size: number | bigint; isFile(): boolean; isDirectory(): boolean }>;
    readFile(path: string): Promise<string | Uint8Array>;
  };
}

type Request =
  | { readonly op: 'readlink'; readonly path: string }
  | { readonly op: 'stat'; readonly path: string }
  | { readonly op: 'read'; readonly path: string };

type Stat = { readonly size: number | bigint; isFile(): boolean; isDirectory(): boolean };

/** What a volume gave: nothing at all (no such directory), or the readings of one generation and its problems. */
export type VolumeRead =
  | { readonly present: false }
  | {
      readonly present: true;
      /** The timestamped directory `..data` pointed to, or undefined for a plain directory. */
      readonly generation: string | undefined;
      readonly readings: readonly Reading[];
      readonly problems: readonly DownwardApiProblem[];
    };

/** The kubelet swaps a generation every sync at most, so a handful of retries only fails on a runaway writer. */
const MAX_ATTEMPTS = 5;

function unreadable(source: DownwardApiSource, code: string | undefined, hint: string): DownwardApiProblem {
  return problem('VOLUME_UNREADABLE', source, undefined, `readable (${code ?? 'unknown error'})`, hint);
}

const PERMISSION_HINT = 'Check the volume mount and the file modes (items[].mode, defaultMode) against the user the app runs as.';

/** The link target of `..data`, or undefined when the directory has no `..data` link (a plain directory). */
function* resolveGeneration(dir: string): Generator<Request, string | undefined, unknown> {
  try {
    const link = (yield { op: 'readlink', path: join(dir, '..data') }) as string | Uint8Array;
    return asText(link);
  } catch (error) {
    // ENOENT: no `..data` at all; EINVAL: `..data` is not a link. Either way, read the files as they are.
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'EINVAL') return undefined;
    throw error;
  }
}

/** Reads one generation of the volume: every item from the directory `..data` resolved to once. */
export function* readVolume(
  dir: string,
  items: readonly DownwardVolumeItem[],
  maxFileBytes: number,
): Generator<Request, VolumeRead, unknown> {
  const root: DownwardApiSource = { kind: 'file', path: dir };
  for (let attempt = 1; ; attempt++) {
    let generation: string | undefined;
    try {
      const stat = (yield { op: 'stat', path: dir }) as Stat;
      if (!stat.isDirectory()) {
        return { present: true, generation: undefined, readings: [], problems: [unreadable(root, 'ENOTDIR', 'Point the volume option at the directory where the downwardAPI volume is mounted.')] };
      }
      generation = yield* resolveGeneration(dir);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return { present: false };
      return { present: true, generation: undefined, readings: [], problems: [unreadable(root, errorCode(error), PERMISSION_HINT)] };
    }
    const base = generation === undefined ? dir : join(dir, generation);
    const readings: Reading[] = [];
    const problems: DownwardApiProblem[] = [];
    let swapped = false;
    for (const item of items) {
      const source: DownwardApiSource = { kind: 'file', path: join(dir, item.path) };
      const path = join(base, item.path);
      try {
        const stat = (yield { op: 'stat', path }) as Stat;
        if (!stat.isFile()) {
          problems.push(unreadable(source, 'EISDIR', 'The item path names a directory; check the spec against the volume.'));
          continue;
        }
        if (Number(stat.size) > maxFileBytes) {
          problems.push(
            problem(
              'FILE_TOO_LARGE',
              source,
              undefined,
              `at most ${maxFileBytes} bytes (it has ${stat.size})`,
              'Raise maxFileBytes if the pod really carries that much metadata; annotations total at most 256 KiB in Kubernetes.',
            ),
          );
          continue;
        }
        const data = (yield { op: 'read', path }) as string | Uint8Array;
        const raw = asText(data);
        readings.push({ target: targetOf(item), raw, source });
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') {
          problems.push(unreadable(source, errorCode(error), PERMISSION_HINT));
          continue;
        }
        // The kubelet deletes the old generation right after the swap: if `..data` moved, start again.
        const now = generation === undefined ? undefined : yield* resolveGeneration(dir);
        if (now !== generation) {
          swapped = true;
          break;
        }
        problems.push(
          problem('MISSING', source, undefined, 'present in the volume', `Add an item with path ${item.path} to the pod's downwardAPI volume, or remove it from the spec.`),
        );
      }
    }
    if (!swapped) return { present: true, generation, readings, problems };
    if (attempt === MAX_ATTEMPTS) {
      return {
        present: true,
        generation: undefined,
        readings: [],
        problems: [unreadable(root, 'changing', `The volume was replaced ${MAX_ATTEMPTS} times while being read; try again.`)],
      };
    }
  }
}

/** Runs a reader generator against synchronous file-system calls. */
export function runSync<T>(reader: Generator<Request, T, unknown>, fs: VolumeFileSystem): T {
  let step = reader.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = perform(step.value, fs);
    } catch (error) {
      step = reader.throw(error);
      continue;
    }
    step = reader.next(result);
  }
  return step.value;
}

/** Runs a reader generator against promise-based file-system calls. */
export async function runAsync<T>(reader: Generator<Request, T, unknown>, fs: VolumeFileSystem): Promise<T> {
  let step = reader.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = await performAsync(step.value, fs);
    } catch (error) {
      step = reader.throw(error);
      continue;
    }
    step = reader.next(result);
  }
  return step.value;
}

function perform(request: Request, fs: VolumeFileSystem): unknown {
  switch (request.op) {
    case 'readlink':
      return fs.readlinkSync(request.path);
    case 'stat':
      return fs.statSync(request.path);
    case 'read':
      return fs.readFileSync(request.path);
  }
}

function performAsync(request: Request, fs: VolumeFileSystem): Promise<unknown> {
  switch (request.op) {
    case 'readlink':
      return fs.promises.readlink(request.path);
    case 'stat':
      return fs.promises.stat(request.path);
    case 'read':
      return fs.promises.readFile(request.path);
  }
}
