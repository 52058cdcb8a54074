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
//
// The checks are synchronous, like the reads: a stat and a readlink on tmpfs take microseconds, while their promise
// forms wait behind other work in libuv's thread pool and, until they complete, keep a closed watch (and the options
// it was given) reachable: measured, 3,000 closed watches stayed in the heap for seconds under load.

import type { FSWatcher } from 'node:fs';
import { basename, join, nodeFs } from '../builtins.js';
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

function probe(dir: string): Probe {
  let info;
  try {
    info = nodeFs.statSync(dir);
  } catch (error) {
    const code = errorCode(error);
    return { kind: code === 'ENOENT' ? 'absent' : 'other', identity: '', stamp: code ?? '', link: '' };
  }
  if (!info.isDirectory()) return { kind: 'other', identity: '', stamp: 'not a directory', link: '' };
  let link: string;
  try {
    link = nodeFs.readlinkSync(join(dir, '..data'));
  } catch (error) {
    link = errorCode(error) === 'ENOENT' ? '' : `!${errorCode(error) ?? ''}`;
  }
  return {
    kind: 'dir',
    identity: `${info.dev}:${info.ino}:${info.birthtimeMs}`,
    stamp: `${info.mtimeMs}:${info.ctimeMs}:${info.mode}`,
    link,
  };
}

function isDirectory(path: string): boolean {
  try {
    return nodeFs.lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

const defaultWatch: WatchDirectory = (dir, listener) => nodeFs.watch(dir, { persistent: true }, listener);

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
  #eventsAtLastCheck = 0;
  #degraded = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(dir: string, options: AttachmentOptions) {
    this.#dir = dir;
    this.#options = options;
    this.#name = basename(dir);
  }

  /** Attaches (or starts polling) and starts the liveness check. */
  start(): void {
    this.#timer = setInterval(() => this.#check(), this.#options.pollIntervalMs);
    const now = probe(this.#dir);
    this.#last = now;
    if (now.kind === 'dir') this.#attach(now);
  }

  /** Called after each read: a directory replaced under the watch must be re-attached now, not at the next check. */
  verify(): void {
    if (this.#closed || this.#attached === undefined) return;
    const now = probe(this.#dir);
    if (now.kind !== 'dir' || now.identity !== this.#attached) this.#reattach(now);
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
  #attach(now: Probe): boolean {
    const watchers: Pick<FSWatcher, 'on' | 'close'>[] = [];
    try {
      watchers.push(this.#open(this.#dir, true));
      // A plain directory's nested items live in real subdirectories; in the kubelet's layout those are links into
      // a generation, which a watch would follow into a directory about to be deleted.
      if (now.link === '') {
        for (const sub of this.#options.nested) {
          const path = join(this.#dir, sub);
          if (isDirectory(path)) watchers.push(this.#open(path, false));
        }
      }
    } catch (error) {
      for (const watcher of watchers) watcher.close();
      this.#detach();
      if (EXHAUSTED.has(errorCode(error) ?? '')) this.#fallBack(error);
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
        this.#reattach(probe(this.#dir));
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

  #reattach(now: Probe): void {
    this.#last = now;
    if (now.kind === 'dir') this.#attach(now);
    else this.#detach();
    this.#options.onCommit();
  }

  /** The liveness check, and the poll while detached. */
  #check(): void {
    if (this.#closed) return;
    // Events since the previous check: a change after that check's probe sends its event after it.
    const quiet = this.#events === this.#eventsAtLastCheck;
    this.#eventsAtLastCheck = this.#events;
    const now = probe(this.#dir);
    const last = this.#last;
    this.#last = now;
    if (this.#attached === undefined) {
      const changed = last === undefined || now.kind !== last.kind || now.identity !== last.identity || now.link !== last.link;
      if (now.kind === 'dir' && this.#attach(now)) this.#options.onCommit();
      // Polling: `..data` tells of a kubelet swap; a plain directory's files can change in place, so re-read it.
      else if (changed || (now.kind === 'dir' && now.link === '')) this.#options.onCommit();
      return;
    }
    // Attached for a whole interval without an error: file events are back, a new loss is a new period.
    this.#degraded = false;
    if (now.kind !== 'dir' || now.identity !== this.#attached) this.#reattach(now);
    // The directory changed, yet no event reached us since the previous check: the watch is deaf.
    else if (quiet && last !== undefined && (now.stamp !== last.stamp || now.link !== last.link)) this.#reattach(now);
  }
}
