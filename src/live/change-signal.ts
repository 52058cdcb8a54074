// When might the volume have changed? Watching the `labels` file goes deaf after the kubelet's first swap, and
// filtering chokidar's events by name loses the last event of a burst (its per-path throttle swallows it). So:
// watch the directory, treat every event as "maybe changed", and leave it to the reader to compare content. A slow
// resync is the safety net; polling `..data` replaces events when the system cannot give them.

import { readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The part of a chokidar watcher this module uses, so that a test can hand it a watcher that fails. */
export interface DirectoryWatcher {
  on(event: 'all', listener: () => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  close(): Promise<void>;
}

export type WatchDirectory = (dir: string, depth: number) => Promise<DirectoryWatcher>;

export interface ChangeSignalOptions {
  /** How many directory levels below the volume to watch: 0 for the kubelet's layout, more for nested plain files. */
  readonly depth: number;
  readonly pollIntervalMs: number;
  readonly resyncIntervalMs: number;
  /** Called whenever the volume may have changed. */
  readonly onSignal: () => void;
  /** Called once when file events are unavailable and polling takes over. */
  readonly onFallback: (error: unknown) => void;
  readonly watchDirectory?: WatchDirectory;
}

const watchWithChokidar: WatchDirectory = async (dir, depth) => {
  const { watch } = await import('chokidar');
  // Links are not followed: a followed link makes chokidar watch a file the kubelet is about to delete.
  return watch(dir, { ignoreInitial: true, followSymlinks: false, depth, persistent: true, atomic: false });
};

interface Fingerprint {
  /** The directory's inode, or undefined when it does not exist. */
  readonly ino: number | undefined;
  /** `..data`'s target, or '' in a plain directory. */
  readonly link: string;
}

/** Every kubelet swap changes `..data`; re-creating the volume changes its inode. */
async function fingerprint(dir: string): Promise<Fingerprint> {
  const [info, link] = await Promise.all([stat(dir).catch(() => undefined), readlink(join(dir, '..data')).catch(() => '')]);
  return { ino: info?.ino, link };
}

/** Signals possible changes of one volume directory until closed. */
export class ChangeSignal {
  #watcher: DirectoryWatcher | undefined;
  #watched: Fingerprint | undefined;
  #polling = false;
  #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(
    private readonly dir: string,
    private readonly options: ChangeSignalOptions,
  ) {}

  async start(): Promise<void> {
    this.#every(this.options.resyncIntervalMs, () => this.options.onSignal());
    await this.#watch();
  }

  /**
   * Called after each read: if the directory was deleted or replaced, a watch on the old one hears nothing more,
   * so watch the new one, or poll until it is back.
   */
  async verify(): Promise<void> {
    if (this.#polling || this.#closed) return;
    const now = await fingerprint(this.dir);
    if (now.ino === this.#watched?.ino) return;
    await this.#watcher?.close();
    this.#watcher = undefined;
    await this.#watch();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers.clear();
    await this.#watcher?.close();
    this.#watcher = undefined;
  }

  #every(ms: number, run: () => void): NodeJS.Timeout {
    const timer = setInterval(run, ms);
    this.#timers.add(timer);
    return timer;
  }

  async #watch(): Promise<void> {
    this.#watched = await fingerprint(this.dir);
    if (this.#closed) return;
    if (this.#watched.ino === undefined) {
      this.#pollUntilBack();
      return;
    }
    try {
      const watcher = await (this.options.watchDirectory ?? watchWithChokidar)(this.dir, this.options.depth);
      if (this.#closed) {
        await watcher.close();
        return;
      }
      this.#watcher = watcher;
      watcher.on('all', () => this.options.onSignal());
      // chokidar reports ENOSPC, EMFILE or EPERM this way and then detects nothing: polling must take over.
      watcher.on('error', (error) => void this.#fallBack(error));
    } catch (error) {
      await this.#fallBack(error);
    }
  }

  async #fallBack(error: unknown): Promise<void> {
    if (this.#polling || this.#closed) return;
    this.#polling = true;
    await this.#watcher?.close();
    this.#watcher = undefined;
    this.options.onFallback(error);
    this.#every(this.options.pollIntervalMs, () => void this.#poll());
  }

  #pollUntilBack(): void {
    const timer = this.#every(this.options.pollIntervalMs, () => {
      void fingerprint(this.dir).then((now) => {
        if (now.ino === undefined || this.#closed || !this.#timers.delete(timer)) return;
        clearInterval(timer);
        this.options.onSignal();
        void this.#watch();
      });
    });
  }

  /** Without events: `..data` tells of a kubelet swap; a plain directory's files can change in place, so re-read. */
  async #poll(): Promise<void> {
    const now = await fingerprint(this.dir);
    const same = now.ino === this.#watched?.ino && now.link === this.#watched?.link && now.link !== '';
    this.#watched = now;
    if (!same) this.options.onSignal();
  }
}
