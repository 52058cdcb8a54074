// A downwardAPI volume for tests: the kubelet's files for a described pod, written by the kubelet's atomic writer
// into a real directory (for watching tests) or an in-memory file system (for reading tests).

import { join, nodeFs, tmpdir } from '../builtins.js';
import { defaultSpec, defineSpec, type DownwardVolumeItem } from '../spec/spec.js';
import { printableTable, type UnicodeVersion } from '../format/unicode.js';
import { errorCode } from '../errors.js';
import { asText } from '../format/utf8.js';
import { AtomicWriter, readlinkIfExists, renamesSymlinks, type VolumeWriterFileSystem } from './atomic-writer.js';
import { configSeenOf, kubeletCopy, type KubeletAnnotationOptions } from './kubelet-annotations.js';
import { volumePayload } from './kubelet-files.js';
import { resolvePod, type PodDescription, type ResolvedPod } from './pod-description.js';

/**
 * Options of {@link createDownwardVolume}.
 *
 * @example
 * ```ts
 * import type { CreateDownwardVolumeOptions } from 'kube-downward/testing';
 *
 * const options: CreateDownwardVolumeOptions = {
 *   pod: { name: 'web-0', labels: { app: 'web' } },
 *   items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }],
 *   clock: () => new Date('2026-11-26T09:21:53Z'),
 * };
 * ```
 * @public
 */
export interface CreateDownwardVolumeOptions extends KubeletAnnotationOptions {
  /** The pod; what it leaves out comes from {@link seedPod} (labels and annotations default to empty). */
  readonly pod?: PodDescription;
  /** The volume's `items`. Default: the default spec's volume (`podName`, `podNamespace`, `labels`, ...). */
  readonly items?: readonly DownwardVolumeItem[];
  /** The volume's `defaultMode`, for items without a `mode`. Default `0o644`. */
  readonly defaultMode?: number;
  /**
   * The volume directory: created if missing, else it must be empty. `remove()` deletes it only if it was created
   * here; in a directory that existed, it deletes only what it wrote. Default: a new temp directory.
   */
  readonly directory?: string;
  /** The file system to write to. Default `node:fs`; pass memfs's `fs` for an in-memory volume. */
  readonly fs?: VolumeWriterFileSystem;
  /** The time that names each generation's directory (and, by default, `config.seen`). Default: the current time. */
  readonly clock?: () => Date;
  /** An integer from 0 to 2^32 - 1, the decimal suffix of each generation's directory. Default: a random one. */
  readonly random?: () => number;
  /**
   * The Unicode version of the kubelet's Go, which decides which runes the labels and annotations files escape:
   * `'15.0'` (default) for kubelets built with Go 1.21 to 1.26, `'17.0'` for Go 1.27 and later.
   */
  readonly unicodeVersion?: UnicodeVersion;
}

/**
 * Options of {@link DownwardVolume.update}.
 *
 * @example
 * ```ts
 * import type { UpdateDownwardVolumeOptions } from 'kube-downward/testing';
 *
 * const options: UpdateDownwardVolumeOptions = { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] };
 * ```
 * @public
 */
export interface UpdateDownwardVolumeOptions {
  /** New volume items, as after a change of the pod template; the current ones when omitted. */
  readonly items?: readonly DownwardVolumeItem[];
}

/**
 * A downwardAPI volume written as the kubelet writes it, returned by {@link createDownwardVolume}.
 *
 * @example
 * ```ts
 * import { createDownwardVolume, type DownwardVolume } from 'kube-downward/testing';
 *
 * const volume: DownwardVolume = createDownwardVolume();
 * console.log(volume.directory, volume.generation);
 * volume.remove();
 * ```
 * @public
 */
export interface DownwardVolume {
  /** The volume directory: what a container would mount. */
  readonly directory: string;
  /** The current generation: the name of the timestamped directory `..data` points to. */
  readonly generation: string;
  /** The pod description the files were last computed from. */
  readonly pod: PodDescription;
  /** The volume items. */
  readonly items: readonly DownwardVolumeItem[];
  /**
   * Changes the pod and rewrites the volume as the kubelet's next sync would: a new generation when any file's
   * bytes (or the set of files) change, nothing at all otherwise.
   *
   * @remarks
   * An object is merged field by field into the current description (`{ labels }` replaces all labels); a function
   * gets the current description and returns the next one. `kubernetes.io/config.seen` keeps its first value.
   *
   * @param pod - The changes, or a function from the current description to the next.
   * @param options - New items, if they change too.
   * @returns Whether a new generation was written.
   * @throws RangeError when the name, namespace or uid changes (a kubelet never sees that for one pod), and as
   * {@link createDownwardVolume} does for a bad description or item.
   */
  update(pod: PodDescription | ((current: PodDescription) => PodDescription), options?: UpdateDownwardVolumeOptions): boolean;
  /**
   * Deletes the volume: its directory with everything in it when `createDownwardVolume` created the directory;
   * otherwise only the generation, `..data` and the links it wrote, leaving the directory.
   */
  remove(): void;
}

const DEFAULT_MODE = 0o644;
const IMMUTABLE = ['name', 'namespace', 'uid'] as const;

function volumeItems(items: unknown): readonly DownwardVolumeItem[] {
  if (items === undefined) return defaultSpec.volume?.items ?? [];
  // The API server's validation of a downwardAPI volume, done where the spec is validated; the mount path is moot.
  return defineSpec({ env: [], volume: { mountPath: '/', items } }).volume?.items ?? [];
}

/** A frozen copy, so that later changes to the caller's object do not rewrite history; merged over `base`. */
function podDescription(value: unknown, base: PodDescription = {}): PodDescription {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('a pod description must be an object');
  }
  return Object.freeze({ ...base, ...value });
}

function fileMode(mode: unknown): number {
  if (mode === undefined) return DEFAULT_MODE;
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    throw new RangeError(`defaultMode must be an integer from 0 to 0o777, such as 0o644, not ${String(mode)}`);
  }
  return mode;
}

function callable<T>(name: string, value: T | undefined, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') throw new TypeError(`options.${name} must be a function`);
  return value;
}

/** The directory to write to, and whether it was created here: only then may `remove()` delete it whole. */
function volumeDirectory(fs: VolumeWriterFileSystem, directory: string | undefined): { readonly path: string; readonly created: boolean } {
  if (directory === undefined) {
    fs.mkdirSync(tmpdir(), { recursive: true });
    return { path: asText(fs.mkdtempSync(join(tmpdir(), 'kube-downward-'))), created: true };
  }
  if (typeof directory !== 'string' || directory === '') throw new TypeError('options.directory must be a non-empty string');
  let created: boolean;
  let empty: boolean;
  try {
    created = fs.mkdirSync(directory, { recursive: true }) !== undefined;
    empty = created || fs.readdirSync(directory).length === 0;
  } catch (error) {
    throw new Error(`cannot use ${directory} as a volume directory: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (!empty) {
    const volume = readlinkIfExists(fs, join(directory, '..data')) !== undefined;
    throw new RangeError(
      `${directory} ${volume ? 'holds a volume already' : 'is not empty'}: pass a new or empty directory (remove() deletes what it wrote, and a directory only if it created it)`,
    );
  }
  return { path: directory, created };
}

/** What the volume was last written from. */
interface VolumeState {
  readonly description: PodDescription;
  readonly pod: ResolvedPod;
  readonly items: readonly DownwardVolumeItem[];
}

class AtomicDownwardVolume implements DownwardVolume {
  private removed = false;

  constructor(
    readonly directory: string,
    /** Whether the directory was created for this volume; a caller's own directory is never deleted. */
    private readonly created: boolean,
    private readonly fs: VolumeWriterFileSystem,
    private readonly writer: AtomicWriter,
    private readonly kubeletView: (pod: ResolvedPod) => ResolvedPod,
    private readonly defaultMode: number,
    private readonly unicodeVersion: UnicodeVersion | undefined,
    private state: VolumeState,
  ) {}

  get generation(): string {
    return this.writer.generation ?? '';
  }

  get pod(): PodDescription {
    return this.state.description;
  }

  get items(): readonly DownwardVolumeItem[] {
    return this.state.items;
  }

  update(next: PodDescription | ((current: PodDescription) => PodDescription), options: UpdateDownwardVolumeOptions = {}): boolean {
    if (this.removed) throw new Error(`the volume in ${this.directory} was removed`);
    const current = this.state;
    const description = typeof next === 'function' ? podDescription(next(current.description)) : podDescription(next, current.description);
    const pod = resolvePod(description);
    for (const field of IMMUTABLE) {
      if (pod[field] !== current.pod[field]) {
        const change = `from ${JSON.stringify(current.pod[field])} to ${JSON.stringify(pod[field])}`;
        throw new RangeError(`the pod's ${field} cannot change ${change}: create a new volume for another pod`);
      }
    }
    const items = options.items === undefined ? current.items : volumeItems(options.items);
    const payload = volumePayload(this.kubeletView(pod), items, this.defaultMode, this.unicodeVersion);
    const written = writing(this.directory, () => this.writer.write(payload));
    this.state = { description, pod, items };
    return written;
  }

  remove(): void {
    this.removed = true;
    removeVolume(this.fs, this.directory, this.created, this.writer);
  }
}

/**
 * Writes a downwardAPI volume exactly as the kubelet does: the files for a pod and a list of items, in a timestamped
 * directory published through the `..data` symlink, with a visible link per top-level item.
 *
 * @remarks
 * File contents follow the kubelet: `metadata.name`, `namespace` and `uid` raw with no newline; `metadata.labels`
 * and `metadata.annotations` in the format of `formatDownwardMap`, the annotations with the kubelet's own
 * `kubernetes.io/config.seen` and `kubernetes.io/config.source`; `metadata.labels['k']` raw, or empty when the key
 * is missing; `resourceFieldRef` as `formatResourceValue` writes it, unset limits read from node allocatable.
 *
 * Each write is the atomic writer's sequence: readlink `..data`; compare the new files with that generation and
 * stop if nothing changed; create `..YYYY_MM_DD_HH_MM_SS.<digits>` (UTC), chmod it 0755, write every file (with
 * its item's mode, or `defaultMode`); symlink `..data_tmp` to it and rename that over `..data`; add missing
 * top-level links and remove those of items that went away; delete the old generation.
 *
 * Every call is synchronous, so a test can update the volume at an exact point of a reader's work. On memfs the
 * switch is not atomic (see {@link VolumeWriterFileSystem}); use a real directory to test watching.
 *
 * @param options - The pod, the items, where to write, and the clock and randomness for deterministic names.
 * @returns The volume, holding its first generation.
 * @throws `DownwardApiError` (from `kube-downward`) with code `INVALID_SPEC` for items the API server would reject;
 * RangeError for a description Kubernetes would reject, items no kubelet could write (a path naming the volume
 * itself, or a file another item needs as a directory), an item naming a container the pod lacks, or a directory
 * that is not empty; TypeError for options of the wrong type; an Error naming the directory when the file system
 * refuses a write. Everything is checked before the first write, and a write that fails leaves nothing behind.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { join } from 'node:path';
 * import { createDownwardVolume } from 'kube-downward/testing';
 *
 * const volume = createDownwardVolume({ pod: { name: 'web-0', labels: { app: 'web' } } });
 * readFileSync(join(volume.directory, 'labels'), 'utf8'); // 'app="web"'
 * volume.update({ labels: { app: 'web', tier: 'frontend' } }); // true: a new generation
 * volume.update({ labels: { app: 'web', tier: 'frontend' } }); // false: nothing changed
 * volume.remove();
 * ```
 * @public
 */
export function createDownwardVolume(options: CreateDownwardVolumeOptions = {}): DownwardVolume {
  const clock = callable('clock', options.clock, () => new Date());
  const random = callable('random', options.random, () => process.getBuiltinModule('node:crypto').randomInt(2 ** 32));
  const description = podDescription(options.pod ?? {});
  const pod = resolvePod(description);
  const items = volumeItems(options.items);
  const defaultMode = fileMode(options.defaultMode);
  const { unicodeVersion } = options;
  printableTable(unicodeVersion);
  const configSeen = configSeenOf(options, clock);
  const enabled = options.kubeletAnnotations;
  const kubeletView = (resolved: ResolvedPod): ResolvedPod => kubeletCopy(resolved, enabled, configSeen);
  // Every file is computed before the first syscall, so bad options leave no directory behind.
  const firstPayload = volumePayload(kubeletView(pod), items, defaultMode, unicodeVersion);

  const fs = options.fs ?? nodeFs;
  const { path: directory, created } = volumeDirectory(fs, options.directory);
  let writer: AtomicWriter | undefined;
  try {
    const renameSwitch = options.fs === undefined || renamesSymlinks(fs, directory);
    writer = new AtomicWriter(fs, directory, { clock, random, renameSwitch });
    const first = writer;
    writing(directory, () => first.write(firstPayload));
  } catch (error) {
    removeVolume(fs, directory, created, writer);
    throw error;
  }
  return new AtomicDownwardVolume(directory, created, fs, writer, kubeletView, defaultMode, unicodeVersion, { description, pod, items });
}

/** A write that fails on the file system says which volume it was writing; other errors pass as they are. */
function writing<T>(directory: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (errorCode(error) === undefined) throw error;
    throw new Error(`cannot write the volume in ${directory}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The directory if it was created for the volume; otherwise only what the writer wrote in it. */
function removeVolume(fs: VolumeWriterFileSystem, directory: string, created: boolean, writer: AtomicWriter | undefined): void {
  if (created) fs.rmSync(directory, { recursive: true, force: true });
  else writer?.removeWritten();
}
