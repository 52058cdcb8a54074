// Reading a downwardAPI volume: one consistent generation through `..data` (see the kubelet's atomic writer), or a
// plain directory. The reading logic is a generator of file-system requests so that one implementation serves both
// the synchronous and the promise-based reader.
//
// The volume's directory is trusted (it is the mount path); what is inside it is not followed blindly:
// - bounded: each file is opened once, without blocking and without following a link, checked on its descriptor
//   (only a regular file is read) and read until its end or past maxFileBytes, whatever its size said;
// - confined: `..data` must name a real directory beside it, and no link is followed below that;
// - coded: every file-system error becomes a problem, never an exception;
// - consistent: while the kubelet swaps generations, the read starts again, within a time budget.

import { join, monotonicMs, nodeFs, posix } from '../builtins.js';
import { errorCode, problem, type DownwardApiProblem, type DownwardApiSource } from '../errors.js';
import { targetOf, type Reading } from './pod-metadata.js';
import type { DownwardVolumeItem } from '../spec/spec.js';
import { asText, decodeUtf8, decodeUtf8Lines } from '../format/utf8.js';

/**
 * What {@link VolumeFileSystem} returns for `stat`, `lstat` and `fstat`: `fs.Stats` of `node:fs` and memfs both fit.
 *
 * @example
 * ```ts
 * import { statSync } from 'node:fs';
 * import type { VolumeFileStat } from 'kube-downward';
 *
 * const stat: VolumeFileStat = statSync('.');
 * console.log(stat.isDirectory()); // true
 * ```
 * @public
 */
export interface VolumeFileStat {
  /** The size in bytes; a pseudo file (`/proc/...`) says 0 whatever it holds, so reads never trust it. */
  readonly size: number | bigint;
  /** A regular file: the only kind read. */
  isFile(): boolean;
  /** A directory. */
  isDirectory(): boolean;
  /** A symbolic link (from `lstat` only). */
  isSymbolicLink(): boolean;
  /** A named pipe. */
  isFIFO(): boolean;
  /** A Unix socket. */
  isSocket(): boolean;
  /** A character device, such as `/dev/zero`. */
  isCharacterDevice(): boolean;
  /** A block device. */
  isBlockDevice(): boolean;
}

/**
 * An open file of the promise API (`fs.promises.open`): `FileHandle` of `node:fs` and memfs both fit.
 *
 * @example
 * ```ts
 * import { open } from 'node:fs/promises';
 * import type { VolumeFileHandle } from 'kube-downward';
 *
 * const handle: VolumeFileHandle = await open(process.execPath);
 * console.log((await handle.stat()).isFile()); // true
 * await handle.close();
 * ```
 * @public
 */
export interface VolumeFileHandle {
  /** `filehandle.stat()`. */
  stat(): Promise<VolumeFileStat>;
  /** `filehandle.read()`. */
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ readonly bytesRead: number }>;
  /** `filehandle.close()`. */
  close(): Promise<void>;
}

/**
 * The file-system calls the readers make; `node:fs` (the default) and memfs's `fs` both fit.
 *
 * @remarks
 * Volume files are read through descriptors: opened once (with `O_NONBLOCK` and `O_NOFOLLOW`), checked with
 * `fstat`, then read with a bound. `readFileSync` serves a small file outside the volume (the watch reads
 * `/proc/self/mountinfo`).
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
  statSync(path: string): VolumeFileStat;
  /** `fs.lstatSync`. */
  lstatSync(path: string): VolumeFileStat;
  /** `fs.readFileSync`, returning the bytes. */
  readFileSync(path: string): string | Uint8Array;
  /** `fs.openSync`, with numeric flags. */
  openSync(path: string, flags: number): number;
  /** `fs.fstatSync`. */
  fstatSync(fd: number): VolumeFileStat;
  /** `fs.readSync`. */
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  /** `fs.closeSync`. */
  closeSync(fd: number): void;
  /** The promise forms of the same calls. */
  readonly promises: {
    readlink(path: string): Promise<string | Uint8Array>;
    stat(path: string): Promise<VolumeFileStat>;
    lstat(path: string): Promise<VolumeFileStat>;
    open(path: string, flags: number): Promise<VolumeFileHandle>;
  };
}

/** An open file: a descriptor for the synchronous calls, a handle for the promise ones. */
type OpenFile = number | VolumeFileHandle;

type Request =
  | { readonly op: 'readlink' | 'stat' | 'lstat' | 'open'; readonly path: string }
  | { readonly op: 'fstat' | 'close'; readonly file: OpenFile }
  | { readonly op: 'read'; readonly file: OpenFile; readonly buffer: Uint8Array }
  | { readonly op: 'sleep'; readonly ms: number }
  /** Runs readers side by side (one after the other when synchronous); gives their results in order. */
  | { readonly op: 'parallel'; readonly tasks: readonly Generator<Request, unknown, unknown>[] };

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

/** How {@link readVolume} reads. */
export interface VolumeReadOptions {
  /** Files larger than this are refused. */
  readonly maxFileBytes: number;
  /** How long to keep starting again while generations are being swapped; default {@link SWAP_BUDGET_MS}. */
  readonly swapBudgetMs?: number;
}

/**
 * The kubelet switches `..data` in microseconds and at most once per sync, so a reader that keeps meeting swaps for
 * this long is facing something else that rewrites the volume continuously, or a switch that never finished.
 */
export const SWAP_BUDGET_MS = 2000;
/** Waits between attempts while `..data` is missing (remove-then-relink switch), doubling up to the last. */
const HALF_SWITCH_WAITS_MS = [1, 2, 4, 8, 16];
/** Read size once the file turned out larger than it said. */
const CHUNK_BYTES = 64 * 1024;
/** Read size that confirms the end of a file that was shorter than its buffer. */
const END_PROBE_BYTES = 8;

const DATA_LINK = '..data';
// Read-only; a FIFO opens without waiting for a writer; a link in the last place fails with ELOOP.
const { constants } = nodeFs;
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

type Op<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: string };

/** One request whose failure is a value: no file-system error ever escapes the reader. */
function* attempt<T>(request: Request): Generator<Request, Op<T>, unknown> {
  try {
    return { ok: true, value: (yield request) as T };
  } catch (error) {
    return { ok: false, code: errorCode(error) ?? 'unknown error' };
  }
}

const PERMISSION_HINT = 'Check the volume mount and the file modes (items[].mode, defaultMode) against the user the app runs as.';
const NOT_A_FILE_HINT =
  'The kubelet writes only regular files; the volume was changed by something else, or the spec names the wrong path. Nothing was read from it.';
const LINK_HINT =
  'The kubelet writes no links inside a generation and links `..data` only to a directory beside it: this volume was not written by the kubelet, or was tampered with. Nothing was read through the link.';

function unreadable(source: DownwardApiSource, code: string): DownwardApiProblem {
  const permission = code === 'EACCES' || code === 'EPERM';
  return problem(
    'VOLUME_UNREADABLE',
    source,
    undefined,
    `readable (${code})`,
    permission ? PERMISSION_HINT : 'Check the volume mount; the file system reported this error.',
  );
}

function notAFile(source: DownwardApiSource, stat: VolumeFileStat | undefined): DownwardApiProblem {
  return problem('VOLUME_UNREADABLE', source, undefined, `a regular file (it is ${describeKind(stat)})`, NOT_A_FILE_HINT);
}

function describeKind(stat: VolumeFileStat | undefined): string {
  if (stat === undefined) return 'a socket or device that cannot be opened as a file';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSymbolicLink()) return 'a link';
  return stat.isFile() ? 'a regular file' : 'of an unknown type';
}

function unsafeLink(source: DownwardApiSource, target: string | undefined, rule: string): DownwardApiProblem {
  return problem('UNSAFE_LINK', source, target, rule, LINK_HINT);
}

/** `..data` as the kubelet makes it: the name of one entry beside it (`..2026_11_26_09_21_53.2889837243`). */
function isEntryName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\\') && !name.includes('\0');
}

/** How the items are reached: through the generation `..data` names, or directly in a plain directory. */
type Layout =
  | { readonly kind: 'generation'; readonly name: string }
  /** `..data` is absent: a plain directory, or a volume caught between removing `..data` and linking it again. */
  | { readonly kind: 'plain' }
  /** `..data` exists but is not a link (a copy of a volume, say): the files are read as they are. */
  | { readonly kind: 'copy' };

/** Why an attempt has to start again. */
type Swap = 'replaced' | 'half-switched';

type Attempt = { readonly done: VolumeRead } | { readonly swap: Swap };

type Opened = { readonly file: OpenFile } | { readonly problem: DownwardApiProblem } | { readonly swap: Swap };

const linkOf = (layout: Layout): string | undefined => (layout.kind === 'generation' ? layout.name : undefined);

/** After an ENOENT: if `..data` moved (or appeared), a swap is under way; otherwise the file is really absent. */
function* swapOrMissing(dir: string, layout: Layout, missing: () => DownwardApiProblem): Generator<Request, Opened, unknown> {
  if (layout.kind === 'copy') return { problem: missing() };
  const now = yield* attempt<string | Uint8Array>({ op: 'readlink', path: join(dir, DATA_LINK) });
  const name = now.ok ? asText(now.value) : undefined;
  if (name !== linkOf(layout)) return { swap: 'replaced' };
  if (layout.kind === 'plain') return { problem: missing() };
  // `..data` still names the generation: the item is absent from it, unless the generation itself is gone.
  const generation = yield* attempt<VolumeFileStat>({ op: 'lstat', path: join(dir, layout.name) });
  return { problem: generation.ok || generation.code !== 'ENOENT' ? missing() : danglingData(dir, layout.name) };
}

function danglingData(dir: string, name: string): DownwardApiProblem {
  const source: DownwardApiSource = { kind: 'file', path: join(dir, DATA_LINK) };
  const hint = `..data names ${name}, which does not exist: the volume is broken; the kubelet rewrites it at its next sync.`;
  return problem('MISSING', source, name, 'a link to an existing generation directory', hint);
}

/**
 * A link met on an item's path: in a plain directory whose `..data` is missing, a link into `..data` is the
 * kubelet's visible link caught mid-switch; any other link is refused, and never followed.
 */
function* linkMet(path: string, layout: Layout, source: DownwardApiSource): Generator<Request, Opened, unknown> {
  const link = yield* attempt<string | Uint8Array>({ op: 'readlink', path });
  const target = link.ok ? asText(link.value) : undefined;
  if (layout.kind === 'plain' && target !== undefined && (target === DATA_LINK || target.startsWith(`${DATA_LINK}/`))) {
    return { swap: 'half-switched' };
  }
  const inside = layout.kind === 'generation' ? `inside the generation ${layout.name}` : 'inside the volume directory';
  return { problem: unsafeLink(source, target, `a regular file ${inside}, reached without following a link`) };
}

/** Opens one item below `base`, walking its directories with lstat so that no link is followed. */
function* openItem(dir: string, base: string, layout: Layout, item: DownwardVolumeItem): Generator<Request, Opened, unknown> {
  const source: DownwardApiSource = { kind: 'file', path: join(dir, item.path) };
  const missing = (): DownwardApiProblem =>
    problem('MISSING', source, undefined, 'present in the volume', `Add an item with path ${item.path} to the pod's downwardAPI volume, or remove it from the spec.`);
  const parts = posix.normalize(item.path).split('/').filter((part) => part !== '' && part !== '.');
  let path = base;
  for (const part of parts.slice(0, -1)) {
    path = join(path, part);
    const stat = yield* attempt<VolumeFileStat>({ op: 'lstat', path });
    if (!stat.ok) return stat.code === 'ENOENT' ? yield* swapOrMissing(dir, layout, missing) : { problem: unreadable(source, stat.code) };
    if (stat.value.isSymbolicLink()) return yield* linkMet(path, layout, source);
    if (!stat.value.isDirectory()) return { problem: unreadable(source, 'ENOTDIR') };
  }
  path = parts.length === 0 ? base : join(path, parts.at(-1) ?? '');
  const file = yield* attempt<OpenFile>({ op: 'open', path });
  if (file.ok) return { file: file.value };
  switch (file.code) {
    case 'ELOOP':
      return yield* linkMet(path, layout, source);
    case 'ENOENT':
      return yield* swapOrMissing(dir, layout, missing);
    case 'ENXIO': // a socket, which open(2) refuses
      return { problem: notAFile(source, undefined) };
    default:
      return { problem: unreadable(source, file.code) };
  }
}

/**
 * The bytes of an open regular file of at most `maxFileBytes`: the bound holds whatever its size said, and no more
 * than `maxFileBytes` + 1 bytes are ever read, rounded up to a multiple of 8.
 */
function* readOpened(file: OpenFile, source: DownwardApiSource, maxFileBytes: number): Generator<Request, Uint8Array | DownwardApiProblem, unknown> {
  const stat = yield* attempt<VolumeFileStat>({ op: 'fstat', file });
  if (!stat.ok) return unreadable(source, stat.code);
  if (!stat.value.isFile()) return notAFile(source, stat.value);
  const size = Number(stat.value.size);
  const tooLarge = (has: string): DownwardApiProblem =>
    problem(
      'FILE_TOO_LARGE',
      source,
      undefined,
      `at most ${maxFileBytes} bytes (it has ${has})`,
      'Raise maxFileBytes if the pod really carries that much metadata; annotations total at most 256 KiB in Kubernetes.',
    );
  if (size > maxFileBytes) return tooLarge(String(size));
  // Reads go on until the end or one byte past the bound, whatever the size said. Each asks for a multiple of 8
  // bytes, since some pseudo files (/proc/self/pagemap) refuse other read sizes, so the last may overshoot by 7.
  const chunks: Uint8Array[] = [];
  let total = 0;
  // One read of size + 1 bytes usually gets the whole file, and a small read of 0 bytes confirms its end. Buffers
  // are not zero-filled (only the bytes read are ever looked at), which spares a large file's pages a second touch.
  let want = roundUp8(size > 0 ? size + 1 : CHUNK_BYTES);
  while (total <= maxFileBytes) {
    want = Math.min(want, roundUp8(maxFileBytes + 1 - total));
    const buffer = Buffer.allocUnsafeSlow(want);
    const read = yield* attempt<number>({ op: 'read', file, buffer });
    if (!read.ok) return unreadable(source, read.code);
    if (read.value === 0) break;
    chunks.push(buffer.subarray(0, read.value));
    total += read.value;
    want = chunks.length === 1 && read.value < buffer.length ? END_PROBE_BYTES : CHUNK_BYTES;
  }
  if (total > maxFileBytes) return tooLarge(`more than that, though its size said ${size}`);
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, total);
}

const roundUp8 = (bytes: number): number => Math.ceil(bytes / 8) * 8;

/** Where the items are: the generation `..data` names, checked to be a real directory beside it, or the directory. */
function* resolveLayout(dir: string): Generator<Request, Layout | Attempt, unknown> {
  const source: DownwardApiSource = { kind: 'file', path: join(dir, DATA_LINK) };
  const done = (p: DownwardApiProblem): Attempt => ({ done: { present: true, generation: undefined, readings: [], problems: [p] } });
  const link = yield* attempt<string | Uint8Array>({ op: 'readlink', path: join(dir, DATA_LINK) });
  if (!link.ok) {
    if (link.code === 'ENOENT') return { kind: 'plain' };
    if (link.code === 'EINVAL') return { kind: 'copy' };
    return done(unreadable(source, link.code));
  }
  const name = asText(link.value);
  const rule = 'a link to a directory beside it, named like ..2026_11_26_09_21_53.2889837243';
  if (!isEntryName(name)) return done(unsafeLink(source, name, rule));
  const stat = yield* attempt<VolumeFileStat>({ op: 'lstat', path: join(dir, name) });
  if (stat.ok) return stat.value.isDirectory() ? { kind: 'generation', name } : done(unsafeLink(source, name, `${rule} (it names ${describeKind(stat.value)})`));
  if (stat.code !== 'ENOENT') return done(unreadable(source, stat.code));
  // The kubelet removes the old generation right after switching `..data` away from it.
  const again = yield* attempt<string | Uint8Array>({ op: 'readlink', path: join(dir, DATA_LINK) });
  if (!again.ok || asText(again.value) !== name) return { swap: 'replaced' };
  return done(danglingData(dir, name));
}

function* readOnce(dir: string, items: readonly DownwardVolumeItem[], maxFileBytes: number): Generator<Request, Attempt, unknown> {
  const root: DownwardApiSource = { kind: 'file', path: dir };
  const stat = yield* attempt<VolumeFileStat>({ op: 'stat', path: dir });
  if (!stat.ok && stat.code === 'ENOENT') return { done: { present: false } };
  const refuse = (p: DownwardApiProblem): Attempt => ({ done: { present: true, generation: undefined, readings: [], problems: [p] } });
  if (!stat.ok) return refuse(unreadable(root, stat.code));
  if (!stat.value.isDirectory()) {
    return refuse(
      problem('VOLUME_UNREADABLE', root, undefined, 'readable (ENOTDIR)', 'Point the volume option at the directory where the downwardAPI volume is mounted.'),
    );
  }
  const layout = yield* resolveLayout(dir);
  if ('done' in layout || 'swap' in layout) return layout;
  const generation = linkOf(layout);
  const base = generation === undefined ? dir : join(dir, generation);

  // Every file is opened before any is read, side by side where the file system allows: once open, a file stays
  // readable even after its generation is removed, so a swap can only interrupt the opening, which is kept short.
  const outcomes = (yield { op: 'parallel', tasks: items.map((item) => openItem(dir, base, layout, item)) }) as Opened[];
  const files = outcomes.flatMap((outcome) => ('file' in outcome ? [outcome.file] : []));
  try {
    const swap = outcomes.find((outcome) => 'swap' in outcome);
    if (swap !== undefined && 'swap' in swap) return { swap: swap.swap };
    const sourceOf = (item: DownwardVolumeItem): DownwardApiSource => ({ kind: 'file', path: join(dir, item.path) });
    const contents = (yield {
      op: 'parallel',
      tasks: outcomes.map((outcome, i) => ('file' in outcome ? readOpened(outcome.file, sourceOf(items[i] as DownwardVolumeItem), maxFileBytes) : none())),
    }) as (Uint8Array | DownwardApiProblem | undefined)[];
    const readings: Reading[] = [];
    const problems = new Map<string, DownwardApiProblem>();
    // Items that meet the same fault (a vanished generation) report it once.
    const report = (p: DownwardApiProblem): void => void problems.set(JSON.stringify(p), p);
    items.forEach((item, i) => {
      const outcome = outcomes[i];
      const content = contents[i];
      if (outcome !== undefined && 'problem' in outcome) report(outcome.problem);
      else if (content instanceof Uint8Array) readings.push(readingOf(item, content, sourceOf(item)));
      else if (content !== undefined) report(content);
    });
    return { done: { present: true, generation, readings, problems: [...problems.values()] } };
  } finally {
    if (files.length > 0) yield { op: 'parallel', tasks: files.map((file) => attempt({ op: 'close', file })) };
  }
}

/** An item's bytes as text; labels and annotations as pieces of whole lines, which is how they are parsed. */
function readingOf(item: DownwardVolumeItem, bytes: Uint8Array, source: DownwardApiSource): Reading {
  const target = targetOf(item);
  return { target, raw: target.kind === 'map' ? decodeUtf8Lines(bytes) : decodeUtf8(bytes), source };
}

/** The task of an item that has nothing to read. */
function* none(): Generator<Request, undefined, unknown> {
  return undefined;
}

/** Reads one generation of the volume, starting again while generations are being swapped, within a time budget. */
export function* readVolume(dir: string, items: readonly DownwardVolumeItem[], options: VolumeReadOptions): Generator<Request, VolumeRead, unknown> {
  const budget = options.swapBudgetMs ?? SWAP_BUDGET_MS;
  const deadline = monotonicMs() + budget;
  for (let waits = 0; ; ) {
    const outcome = yield* readOnce(dir, items, options.maxFileBytes);
    if ('done' in outcome) return outcome.done;
    if (monotonicMs() >= deadline) return { present: true, generation: undefined, readings: [], problems: [stillSwapping(dir, outcome.swap, budget)] };
    // A replaced generation means the next one is in place already; a missing `..data` needs a moment.
    if (outcome.swap === 'half-switched') {
      yield { op: 'sleep', ms: HALF_SWITCH_WAITS_MS[Math.min(waits, HALF_SWITCH_WAITS_MS.length - 1)] ?? 1 };
      waits++;
    }
  }
}

function stillSwapping(dir: string, swap: Swap, budget: number): DownwardApiProblem {
  const source: DownwardApiSource = { kind: 'file', path: dir };
  return swap === 'replaced'
    ? problem(
        'VOLUME_UNREADABLE',
        source,
        undefined,
        'readable as one generation (it was being replaced)',
        `..data was switched to a new generation during every attempt for ${budget} ms; the kubelet switches it at most once per sync, so something else rewrites this volume continuously. Try again, and check what writes to it.`,
      )
    : problem(
        'VOLUME_UNREADABLE',
        source,
        undefined,
        'readable as one generation (its ..data link is missing while the item links point into it)',
        `..data stayed missing for ${budget} ms: a switch that removes ..data and then links it again (as Windows kubelets do) did not finish. The kubelet rewrites the volume at its next sync.`,
      );
}

const SYNC_METHODS = ['readlinkSync', 'statSync', 'lstatSync', 'openSync', 'fstatSync', 'readSync', 'closeSync'] as const;
const ASYNC_METHODS = ['readlink', 'stat', 'lstat', 'open'] as const;

/** A file system without the calls the reader makes is a bad option, not a volume problem. */
function checkFileSystem(fs: VolumeFileSystem, async: boolean): void {
  const lacking = async
    ? ASYNC_METHODS.filter((name) => typeof fs.promises?.[name] !== 'function').map((name) => `promises.${name}`)
    : SYNC_METHODS.filter((name) => typeof fs[name] !== 'function');
  if (lacking.length > 0) throw new TypeError(`options.fs lacks ${lacking.join(', ')}: pass node:fs, memfs's fs, or a complete wrapper`);
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Runs a reader generator against synchronous file-system calls. */
export function runSync<T>(reader: Generator<Request, T, unknown>, fs: VolumeFileSystem): T {
  checkFileSystem(fs, false);
  return driveSync(reader, fs);
}

/** Runs a reader generator against promise-based file-system calls. */
export async function runAsync<T>(reader: Generator<Request, T, unknown>, fs: VolumeFileSystem): Promise<T> {
  checkFileSystem(fs, true);
  return driveAsync(reader, fs);
}

function driveSync<T>(reader: Generator<Request, T, unknown>, fs: VolumeFileSystem): T {
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

async function driveAsync<T>(reader: Generator<Request, T, unknown>, fs: VolumeFileSystem): Promise<T> {
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
    case 'lstat':
      return fs.lstatSync(request.path);
    case 'open':
      return fs.openSync(request.path, OPEN_FLAGS);
    case 'fstat':
      return fs.fstatSync(request.file as number);
    case 'read':
      return fs.readSync(request.file as number, request.buffer, 0, request.buffer.length, null);
    case 'close':
      return fs.closeSync(request.file as number);
    case 'sleep':
      return Atomics.wait(sleepCell, 0, 0, request.ms);
    case 'parallel':
      return request.tasks.map((task) => driveSync(task, fs));
  }
}

async function performAsync(request: Request, fs: VolumeFileSystem): Promise<unknown> {
  switch (request.op) {
    case 'readlink':
      return fs.promises.readlink(request.path);
    case 'stat':
      return fs.promises.stat(request.path);
    case 'lstat':
      return fs.promises.lstat(request.path);
    case 'open':
      return fs.promises.open(request.path, OPEN_FLAGS);
    case 'fstat':
      return (request.file as VolumeFileHandle).stat();
    case 'read':
      return (await (request.file as VolumeFileHandle).read(request.buffer, 0, request.buffer.length, null)).bytesRead;
    case 'close':
      return (request.file as VolumeFileHandle).close();
    case 'sleep':
      return new Promise((resolve) => setTimeout(resolve, request.ms));
    case 'parallel':
      return Promise.all(request.tasks.map((task) => driveAsync(task, fs)));
  }
}
