// The kubelet's atomic writer (pkg/volume/util/atomic_writer.go), syscall for syscall, so that readers and watchers
// are tested against the real sequence: a new timestamped directory per generation, published by renaming a
// `..data_tmp` symlink over `..data`.

import { dirname, join } from '../builtins.js';
import { errorCode } from '../errors.js';
import { asText } from '../format/utf8.js';
import type { Payload } from './kubelet-files.js';
import { timestampDirPrefix } from './kubelet-time.js';

/**
 * The file-system calls the volume writer makes: `node:fs` (the default) and memfs's `fs` both fit.
 *
 * @remarks
 * Pass a wrapper around `node:fs` to record or delay the writer's calls. A file system whose `renameSync` moves a
 * symbolic link's target instead of the link (memfs does) is detected when the volume is created, and gets the
 * kubelet's Windows sequence instead of the rename: remove `..data`, then create it again. Readers see the same
 * layout, but the switch is not atomic, so watch real directories only.
 *
 * @example
 * ```ts
 * import * as fs from 'node:fs';
 * import type { VolumeWriterFileSystem } from 'kube-downward/testing';
 *
 * const calls: string[] = [];
 * const recording: VolumeWriterFileSystem = {
 *   ...fs,
 *   renameSync(from, to) {
 *     calls.push(`rename ${from} ${to}`);
 *     fs.renameSync(from, to);
 *   },
 * };
 * ```
 * @public
 */
export interface VolumeWriterFileSystem {
  /** `fs.readlinkSync`. */
  readlinkSync(path: string): string | Uint8Array;
  /** `fs.readFileSync`, returning the bytes. */
  readFileSync(path: string): string | Uint8Array;
  /** `fs.mkdirSync`; with `recursive`, it returns the first directory it created, or undefined if none. */
  mkdirSync(path: string, options: { readonly mode?: number; readonly recursive?: boolean }): unknown;
  /** `fs.mkdtempSync`, used only to create the default volume directory. */
  mkdtempSync(prefix: string): string | Uint8Array;
  /** `fs.chmodSync`. */
  chmodSync(path: string, mode: number): void;
  /** `fs.writeFileSync`. */
  writeFileSync(path: string, data: Uint8Array, options: { readonly mode: number }): void;
  /** `fs.symlinkSync`. */
  symlinkSync(target: string, path: string): void;
  /** `fs.renameSync`. */
  renameSync(oldPath: string, newPath: string): void;
  /** `fs.unlinkSync`. */
  unlinkSync(path: string): void;
  /** `fs.rmSync`. */
  rmSync(path: string, options: { readonly recursive: boolean; readonly force: boolean }): void;
  /** `fs.readdirSync`, used only to check that a given directory is empty. */
  readdirSync(path: string): readonly unknown[];
}

const DATA_DIR = '..data';
const NEW_DATA_DIR = '..data_tmp';
/** os.MkdirTemp gives up after this many names that exist already. */
const MAX_TEMP_ATTEMPTS = 10_000;
const UINT32_LIMIT = 2 ** 32;

/** Where the writer's clock and randomness come from. */
export interface AtomicWriterOptions {
  readonly clock: () => Date;
  /** An integer in [0, 2^32): os.MkdirTemp appends one in decimal. */
  readonly random: () => number;
  /** False where rename cannot re-enact the switch (memfs): the kubelet's Windows sequence is used instead. */
  readonly renameSwitch: boolean;
}


/** readlink, with a missing link as undefined. */
export function readlinkIfExists(fs: VolumeWriterFileSystem, path: string): string | undefined {
  try {
    return asText(fs.readlinkSync(path));
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** Every path the walk of a generation's directory finds: each file and each directory above it. */
function walkedPaths(payload: Payload): Set<string> {
  const paths = new Set<string>();
  for (const path of payload.keys()) {
    for (let sub = path; sub !== '.'; sub = dirname(sub)) paths.add(sub);
  }
  return paths;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** One volume directory, written only through this writer. */
export class AtomicWriter {
  /** The timestamped directory `..data` points to, once written. */
  generation: string | undefined;
  /** Stands in for the kubelet's walk of the old generation: this writer wrote it. */
  private previousPaths = new Set<string>();

  constructor(
    private readonly fs: VolumeWriterFileSystem,
    private readonly directory: string,
    private readonly options: AtomicWriterOptions,
  ) {}

  /** Writes a new generation unless every file already holds these bytes; returns whether it wrote. */
  write(payload: Payload): boolean {
    const { fs, directory } = this;
    const oldTsDir = readlinkIfExists(fs, join(directory, DATA_DIR));
    const newPaths = walkedPaths(payload);
    const pathsToRemove = [...this.previousPaths].filter((path) => !newPaths.has(path));
    if (oldTsDir !== undefined && !this.payloadChanged(join(directory, oldTsDir), payload) && pathsToRemove.length === 0) {
      return false;
    }

    const tsDirName = this.newTimestampDir();
    try {
      this.writePayload(join(directory, tsDirName), payload);
    } catch (error) {
      // Readers still see the previous generation whole; leave no half-written one beside it.
      removeEntry(fs, join(directory, tsDirName));
      throw error;
    }
    this.switchDataDir(tsDirName, oldTsDir !== undefined);
    this.createUserVisibleFiles(payload);
    // Only links at the top of the volume are removed; nested paths go with the old directory.
    for (const path of pathsToRemove) if (!path.includes('/')) fs.unlinkSync(join(directory, path));
    if (oldTsDir !== undefined) fs.rmSync(join(directory, oldTsDir), { recursive: true, force: true });

    this.generation = tsDirName;
    this.previousPaths = newPaths;
    return true;
  }

  /** Deletes what this writer wrote and nothing else: the visible links, `..data` and the current generation. */
  removeWritten(): void {
    for (const path of this.previousPaths) if (!path.includes('/')) removeEntry(this.fs, join(this.directory, path));
    removeEntry(this.fs, join(this.directory, DATA_DIR));
    if (this.generation !== undefined) removeEntry(this.fs, join(this.directory, this.generation));
  }

  /** shouldWritePayload: any file missing from the old generation or holding other bytes; stops at the first. */
  private payloadChanged(oldTsPath: string, payload: Payload): boolean {
    for (const [path, { data }] of payload) {
      let old: string | Uint8Array;
      try {
        old = this.fs.readFileSync(join(oldTsPath, path));
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return true;
        throw error;
      }
      if (!sameBytes(typeof old === 'string' ? new TextEncoder().encode(old) : old, data)) return true;
    }
    return false;
  }

  /** os.MkdirTemp with the `..2006_01_02_15_04_05.` prefix (a random decimal suffix, mode 0700), then chmod 0755. */
  private newTimestampDir(): string {
    const prefix = timestampDirPrefix(this.now());
    for (let attempt = 1; ; attempt += 1) {
      const name = `${prefix}${this.random()}`;
      const path = join(this.directory, name);
      try {
        this.fs.mkdirSync(path, { mode: 0o700 });
      } catch (error) {
        if (errorCode(error) === 'EEXIST' && attempt < MAX_TEMP_ATTEMPTS) continue;
        if (errorCode(error) === 'EEXIST') {
          const hint = 'does options.random return different numbers?';
          throw new Error(`${MAX_TEMP_ATTEMPTS} directory names in ${this.directory} existed already: ${hint}`, { cause: error });
        }
        throw error;
      }
      this.fs.chmodSync(path, 0o755);
      return name;
    }
  }

  /** writePayloadToDir: create parent directories, write, then chmod so that the umask does not change the mode. */
  private writePayload(tsDir: string, payload: Payload): void {
    for (const [path, { data, mode }] of payload) {
      const full = join(tsDir, path);
      if (path.includes('/')) this.fs.mkdirSync(dirname(full), { recursive: true });
      this.fs.writeFileSync(full, data, { mode });
      this.fs.chmodSync(full, mode);
    }
  }

  private switchDataDir(tsDirName: string, hadData: boolean): void {
    const { fs, directory } = this;
    const dataDir = join(directory, DATA_DIR);
    const newDataDir = join(directory, NEW_DATA_DIR);
    fs.symlinkSync(tsDirName, newDataDir);
    if (this.options.renameSwitch) {
      fs.renameSync(newDataDir, dataDir);
      return;
    }
    if (hadData) fs.unlinkSync(dataDir);
    fs.symlinkSync(tsDirName, dataDir);
    fs.unlinkSync(newDataDir);
  }

  /** A link per first path element that lacks one: `sub/dir/cpu` gets `sub -> ..data/sub`. */
  private createUserVisibleFiles(payload: Payload): void {
    const names = new Set([...payload.keys()].map((path) => path.split('/')[0] ?? path));
    for (const name of names) {
      const visible = join(this.directory, name);
      if (this.isMissing(visible)) this.fs.symlinkSync(join(DATA_DIR, name), visible);
    }
  }

  /** As the kubelet checks: only a readlink failing with ENOENT means missing; anything else is left alone. */
  private isMissing(path: string): boolean {
    try {
      this.fs.readlinkSync(path);
      return false;
    } catch (error) {
      return errorCode(error) === 'ENOENT';
    }
  }

  private now(): Date {
    const date = this.options.clock();
    if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new TypeError('options.clock must return a valid Date');
    return date;
  }

  private random(): number {
    const value = this.options.random();
    if (!Number.isInteger(value) || value < 0 || value >= UINT32_LIMIT) {
      throw new RangeError(`options.random must return an integer from 0 to 2^32 - 1, not ${String(value)}`);
    }
    return value;
  }
}

/**
 * Whether `renameSync` moves a symbolic link itself, as rename(2) does. memfs moves the directory the link points
 * to instead, which would leave `..data` a plain directory; this is tried once, on names the kubelet reserves.
 */
export function renamesSymlinks(fs: VolumeWriterFileSystem, directory: string): boolean {
  const target = join(directory, '..rename_probe');
  const link = join(directory, '..rename_probe_link');
  const moved = join(directory, '..rename_probe_moved');
  fs.mkdirSync(target, { mode: 0o700 });
  try {
    fs.symlinkSync('..rename_probe', link);
    fs.renameSync(link, moved);
    return readlinkIfExists(fs, moved) === '..rename_probe';
  } catch {
    return false;
  } finally {
    for (const path of [moved, link, target]) removeEntry(fs, path);
  }
}

/** rm -rf that also removes a dangling link, which memfs's rmSync leaves in place. */
function removeEntry(fs: VolumeWriterFileSystem, path: string): void {
  try {
    fs.unlinkSync(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') fs.rmSync(path, { recursive: true, force: true });
  }
}
