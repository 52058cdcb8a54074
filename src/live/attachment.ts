// When might the volume have changed, and is the watch still attached to it?
//
// The kubelet commits an update by renaming `..data_tmp` over `..data` (KUBERNETES.md, section 3). A raw `fs.watch`
// on the volume directory (one inotify watch) sees that rename within about a millisecond, so a `..data` event
// starts a read at once. chokidar is not used: measured against the kubelet's writer it reports about nine events
// per swap spread over up to 40 ms and re-reads the directory on each, which forces a debounce that delayed reads by
// 25-49 ms and skipped states living ~50 ms; it drops its watch without an error when permissions change, and never
// falls back to polling by itself. Its file-level re-watching brings nothing here: the files are read through
// `..data`, never watched.
//
// An inotify watch can die silently (the directory deleted and re-created, often with the same inode number), so
// attachment is proven, not assumed: a "self" event (the watched directory itself renamed or deleted), every read,
// and a liveness check every `pollIntervalMs` compare the directory's identity (dev, inode, birth time) with the
// watched one, and a directory that changed (mtime, `..data` target) without any event reaching us means a deaf
// watch. Either way: re-attach and re-read. When events are unavailable (ENOSPC, EMFILE...), the liveness check
// doubles as a poll of `..data`, and attaching is retried at each check.

import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { lstat, readlink, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { errorCode } from '../errors.js';

/** The part of `fs.watch` this module uses, so that a test can hand it a watcher that fails. */
export type WatchDirectory = (dir: string, listener: (event: string, filename: string | null) => void) => Pick<FSWatcher, 'on' | 'close'>;

export interface AttachmentOptions {
  /** Relative directories of nested items (`sub`, `sub/dir` for an item `sub/dir/cpu`): watched too in a plain directory. */
  readonly nested: readonly string[];
  readonly pollIntervalMs: number;
  /** `..data` was replaced, or anything else may have changed everything: read at once. */
  readonly onCommit: () => void;
  /** A file changed in a plain directory: read when the writes settle. */
  readonly onActivity: () => void;
  /** File events are unavailable; called once per period without them. */
  readonly onFallback: (error: unknown) => void;
  readonly watchDirectory?: WatchDirectory;
}

/** Errors that mean "no file events for now", as opposed to a directory that is missing or unreadable. */
const EXHAUSTED = new Set(['ENOSPC', 'EMFILE', 'ENFILE', 'ENOMEM']);

interface Probe {
  /** `dir`, `absent`, or what else is there (a file, an unreadable path). */
  readonly kind: 'dir' | 'absent' | 'other';
  /** dev:ino:birth time: a re-created directory differs even when its inode number is reused. */
  readonly identity: string;
  /** mtime and ctime: they move when entries or modes change. */
  readonly stamp: string;
  /** `..data`'s target, '' when there is none, or the readlink error code. */
  readonly link: string;
}

async function probe(dir: string): Promise<Probe> {
  let info;
  try {
    info = await stat(dir);
  } catch (error) {
    const code = errorCode(error);
    return { kind: code === 'ENOENT' ? 'absent' : 'other', identity: '', stamp: code ?? '', link: '' };
  }
  if (!info.isDirectory()) return { kind: 'other', identity: '', stamp: 'not a directory', link: '' };
  const link = await readlink(join(dir, '..data')).catch((error: unknown) => (errorCode(error) === 'ENOENT' ? '' : `!${errorCode(error) ?? ''}`));
  return {
    kind: 'dir',
    identity: `${info.dev}:${info.ino}:${info.birthtimeMs}`,
    stamp: `${info.mtimeMs}:${info.ctimeMs}:${info.mode}`,
    link,
  };
}

const defaultWatch: WatchDirectory = (dir, listener) => fsWatch(dir, { persistent: true }, listener);

/** Keeps one volume directory watched, proving the watch alive, until closed. */
export class Attachment {
  readonly #dir: string;
  readonly #options: AttachmentOptions;
  readonly #name: string;
  #watchers: Pick<FSWatcher, 'on' | 'close'>[] = [];
  /** The identity of the directory the watchers are attached to; undefined while detached. */
  #attached: string | undefined;
  #last: Probe | undefined;
  #events = 0;
  #eventsBeforeProbe = 0;
  #degraded = false;
  #checking = false;
  #verifying = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(dir: string, options: AttachmentOptions) {
    this.#dir = dir;
    this.#options = options;
    this.#name = basename(dir);
  }

  /** Attaches (or starts polling) and starts the liveness check. */
  async start(): Promise<void> {
    this.#timer = setInterval(() => void this.#check(), this.#options.pollIntervalMs);
    const now = await probe(this.#dir);
    if (this.#closed) return;
    this.#last = now;
    if (now.kind === 'dir') await this.#attach(now);
  }

  /** Called after each read: a directory replaced under the watch must be re-attached now, not at the next check. */
  async verify(): Promise<void> {
    if (this.#closed || this.#attached === undefined || this.#verifying) return;
    this.#verifying = true;
    try {
      const now = await probe(this.#dir);
      if (this.#closed || (now.kind === 'dir' && now.identity === this.#attached)) return;
      await this.#reattach(now);
    } finally {
      this.#verifying = false;
    }
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#detach();
  }

  #detach(): void {
    for (const watcher of this.#watchers.splice(0)) watcher.close();
    this.#attached = undefined;
  }

  /** Opens the new watchers before closing the old ones, so that no event falls between them. */
  async #attach(now: Probe): Promise<boolean> {
    const watchers: Pick<FSWatcher, 'on' | 'close'>[] = [];
    try {
      watchers.push(this.#open(this.#dir, true));
      // A plain directory's nested items live in real subdirectories; in the kubelet's layout those are links into
      // a generation, which a watch would follow into a directory about to be deleted.
      if (now.link === '') {
        for (const sub of this.#options.nested) {
          const path = join(this.#dir, sub);
          if ((await lstat(path).catch(() => undefined))?.isDirectory() === true) watchers.push(this.#open(path, false));
        }
      }
    } catch (error) {
      for (const watcher of watchers) watcher.close();
      this.#detach();
      if (EXHAUSTED.has(errorCode(error) ?? '')) this.#fallBack(error);
      return false;
    }
    if (this.#closed) {
      for (const watcher of watchers) watcher.close();
      return false;
    }
    const old = this.#watchers;
    this.#watchers = watchers;
    this.#attached = now.identity;
    for (const watcher of old) watcher.close();
    return true;
  }

  #open(path: string, top: boolean): Pick<FSWatcher, 'on' | 'close'> {
    const watcher = (this.#options.watchDirectory ?? defaultWatch)(path, (event, filename) => {
      if (this.#closed || !this.#watchers.includes(watcher)) return;
      this.#events++;
      if (!top) this.#options.onActivity();
      else if (filename === null || filename === '..data') this.#options.onCommit();
      else if (filename === this.#name && event === 'rename') {
        // The watched directory itself was deleted or moved: this watch hears nothing more, whatever stands at the
        // path now (a directory re-created at once may even carry the same inode number).
        this.#options.onCommit();
        void probe(this.#dir).then((now) => (this.#closed ? undefined : this.#reattach(now)));
      } else if (filename === this.#name) this.#options.onCommit();
      // The kubelet's staging names (`..<timestamp>`, `..data_tmp`) change nothing until `..data` is renamed.
      else if (!filename.startsWith('..')) this.#options.onActivity();
    });
    watcher.on('error', (error: unknown) => {
      if (this.#closed || !this.#watchers.includes(watcher)) return;
      // No events until the next check re-attaches: polling covers the gap, and the period is reported.
      this.#detach();
      this.#fallBack(error);
      this.#options.onCommit();
    });
    return watcher;
  }

  #fallBack(error: unknown): void {
    if (this.#degraded) return;
    this.#degraded = true;
    this.#options.onFallback(error);
  }

  async #reattach(now: Probe): Promise<void> {
    this.#last = now;
    if (now.kind === 'dir') await this.#attach(now);
    else this.#detach();
    this.#options.onCommit();
  }

  /** The liveness check, and the poll while detached. */
  async #check(): Promise<void> {
    if (this.#checking || this.#closed) return;
    this.#checking = true;
    // Events counted from the start of the previous probe: a change after that probe sends its event after it.
    const quiet = this.#events === this.#eventsBeforeProbe;
    this.#eventsBeforeProbe = this.#events;
    try {
      const now = await probe(this.#dir);
      if (this.#closed) return;
      const last = this.#last;
      if (this.#attached === undefined) {
        const changed = last === undefined || now.kind !== last.kind || now.identity !== last.identity || now.link !== last.link;
        this.#last = now;
        if (now.kind === 'dir' && (await this.#attach(now))) this.#options.onCommit();
        // Polling: `..data` tells of a kubelet swap; a plain directory's files can change in place, so re-read it.
        else if (changed || (now.kind === 'dir' && now.link === '')) this.#options.onCommit();
        return;
      }
      // Attached for a whole interval without an error: file events are back, a new loss is a new period.
      this.#degraded = false;
      if (now.kind !== 'dir' || now.identity !== this.#attached) {
        await this.#reattach(now);
        return;
      }
      // The directory changed, yet no event reached us since the previous check: the watch is deaf.
      if (quiet && this.#events === this.#eventsBeforeProbe && last !== undefined && (now.stamp !== last.stamp || now.link !== last.link)) {
        await this.#reattach(now);
        return;
      }
      this.#last = now;
    } finally {
      this.#checking = false;
    }
  }
}
