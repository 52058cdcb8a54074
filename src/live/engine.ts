// The watch engine, free of RxJS: one live watch per volume and options, shared by its subscribers (each gets the
// latest snapshot at once, then the events), closed and forgotten after the last unsubscribe.

import { nodeFs } from '../builtins.js';
import { DownwardApiError, errorCode, isDownwardApiError, isNotInKubernetesError, problem } from '../errors.js';
import { asText } from '../format/utf8.js';
import type { PodMetadata } from '../sources/pod-metadata.js';
import { plan, readPodMetadataSync, type Plan } from '../sources/read.js';
import { Attachment, type WatchDirectory } from './attachment.js';
import { findSubPathMounts } from './subpath.js';
import type { PodMetadataEvent, WatchPodMetadataOptions } from './watch.js';

export interface Listener {
  next(event: PodMetadataEvent): void;
  error?(error: unknown): void;
  complete?(): void;
}

const DEFAULTS = { debounceMs: 20, pollIntervalMs: 500, resyncIntervalMs: 60_000 } as const;

/** setTimeout and setInterval take at most a signed 32-bit number of milliseconds; more would fire at once. */
const MAX_DELAY = 2 ** 31 - 1;

/** Bursts of changes in a plain directory must not postpone a read forever: the wait is capped at this many periods. */
const MAX_DEBOUNCE_PERIODS = 5;

interface Timing {
  readonly debounceMs: number;
  readonly pollIntervalMs: number;
  readonly resyncIntervalMs: number;
}

function timing(options: WatchPodMetadataOptions): Timing {
  const result: { -readonly [K in keyof Timing]: number } = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS) as (keyof Timing)[]) {
    const value = options[key];
    if (value === undefined) continue;
    const least = key === 'debounceMs' ? 0 : 1;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < least || value > MAX_DELAY) {
      throw new RangeError(`${key} must be a number of milliseconds from ${least} to ${MAX_DELAY}, not ${String(value)}`);
    }
    result[key] = value;
  }
  return result;
}

/** Content, not events, decides what is new: a canonical text of the snapshot (sorted keys, bigints as text). */
function contentKey(metadata: PodMetadata): string {
  return JSON.stringify(metadata, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

/** Env values never change, so a problem with one can never heal: it ends the watch instead of waiting. */
function isPermanent(error: DownwardApiError): boolean {
  return isNotInKubernetesError(error) || error.code === 'INVALID_SPEC' || error.problems.some((p) => p.source.kind === 'env');
}

function notice(code: 'WATCH_FALLBACK' | 'SUBPATH_MOUNT', path: string, rule: string, hint: string, cause?: unknown): DownwardApiError {
  return new DownwardApiError({
    code,
    summary: code === 'WATCH_FALLBACK' ? `File events are unavailable for ${path}; polling instead.` : `${path} is a subPath mount.`,
    problems: [problem(code, { kind: 'file', path }, undefined, rule, hint)],
    ...(cause === undefined ? {} : { cause }),
  });
}

/** A raw error of the file system never ends a stream: it becomes a problem with its code. */
function asProblem(error: unknown, dir: string): DownwardApiError {
  if (isDownwardApiError(error)) return error;
  const code = errorCode(error) ?? 'unknown error';
  return new DownwardApiError({
    code: 'INVALID_METADATA',
    summary: `The volume ${dir} could not be read (${code}).`,
    problems: [problem('VOLUME_UNREADABLE', { kind: 'file', path: dir }, undefined, `readable (${code})`, 'Check the volume mount and its file modes.')],
    cause: error,
  });
}

/** The subPath mounts at or below the volume, read from the same file system as the volume. */
function subPathMounts(p: Plan, dir: string): string[] {
  try {
    return findSubPathMounts(asText(p.fs.readFileSync('/proc/self/mountinfo')), dir);
  } catch {
    return [];
  }
}

/** The directories of nested items, `sub` and `sub/dir` for `sub/dir/cpu`. */
function nestedDirectories(p: Plan): string[] {
  const dirs = new Set<string>();
  for (const item of p.spec.volume?.items ?? []) {
    const parts = item.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...dirs];
}

/** A listener that throws must not break the watch or the other listeners: its error surfaces on its own, as in RxJS. */
function deliver(call: () => void): void {
  try {
    call();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

/** One volume's live watch: reads, change signals and the last snapshot, shared by every listener. */
class LiveWatch {
  readonly #listeners = new Set<Listener>();
  readonly #plan: Plan;
  readonly #time: Timing;
  readonly #watchDirectory: WatchDirectory | undefined;
  readonly #onEnd: () => void;
  #latest: PodMetadata | undefined;
  #lastContent: string | undefined;
  #lastProblem: string | undefined;
  /** A read gave a problem with no change in flight: it is reported only if a second read, a moment later, agrees. */
  #suspect = false;
  #debounce: NodeJS.Timeout | undefined;
  #debounceSince = 0;
  #confirm: NodeJS.Timeout | undefined;
  #resync: NodeJS.Timeout | undefined;
  #attachment: Attachment | undefined;
  #ended = false;

  constructor(p: Plan, time: Timing, watchDirectory: WatchDirectory | undefined, onEnd: () => void) {
    // A volume present when the watch starts must stay: its disappearance is a fault, not a pod without volume.
    const volume = p.volume !== undefined && (p.volume.explicit || nodeFs.existsSync(p.volume.dir)) ? { ...p.volume, explicit: true } : undefined;
    this.#plan = volume === undefined ? { ...p, volume: undefined } : { ...p, volume };
    this.#time = time;
    this.#watchDirectory = watchDirectory;
    this.#onEnd = onEnd;
  }

  add(listener: Listener): void {
    this.#listeners.add(listener);
    // Started after the subscribe call returns, so that a subscriber never gets its first event before it has its
    // subscription; a later subscriber gets the latest snapshot at once, as from a replay.
    if (this.#listeners.size === 1) queueMicrotask(() => this.#start());
    else if (this.#latest !== undefined) listener.next({ type: 'snapshot', metadata: this.#latest });
  }

  remove(listener: Listener): void {
    if (this.#listeners.delete(listener) && this.#listeners.size === 0) this.#end();
  }

  #emit(event: PodMetadataEvent): void {
    for (const listener of [...this.#listeners]) if (this.#listeners.has(listener)) deliver(() => listener.next(event));
  }

  #finish(error?: unknown): void {
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    this.#end();
    for (const listener of listeners) deliver(() => (error === undefined ? listener.complete?.() : listener.error?.(error)));
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#debounce);
    clearTimeout(this.#confirm);
    clearInterval(this.#resync);
    this.#attachment?.close();
    this.#onEnd();
  }

  #report(error: DownwardApiError): void {
    if (error.message === this.#lastProblem) return;
    this.#lastProblem = error.message;
    this.#emit({ type: 'problem', error });
  }

  /**
   * Reads now. The read is synchronous, so events that arrive during it are handled after it, each with a read of
   * its own: a burst always ends with a read of its final state.
   */
  #read(): void {
    clearTimeout(this.#debounce);
    this.#debounce = undefined;
    if (this.#ended) return;
    let metadata: PodMetadata | undefined;
    let failure: unknown;
    try {
      metadata = this.#readNow();
    } catch (error) {
      failure = error;
    }
    if (metadata !== undefined) this.#accept(metadata);
    else this.#reject(failure);
    if (!this.#ended) this.#attachment?.verify();
  }

  /**
   * One generation, read synchronously: a downwardAPI volume is a few small files on tmpfs, read in well under a
   * millisecond, while the promise API queues each of its calls behind other work of libuv's thread pool (another
   * watcher's scans): measured, that made reads late enough to miss states that live 50 ms (6-10 of 200 missed with
   * the promise API, none with synchronous reads, in the same run).
   */
  #readNow(): PodMetadata {
    const p = this.#plan;
    return readPodMetadataSync({ spec: p.spec, env: p.env, fs: p.fs, maxFileBytes: p.maxFileBytes, ...(p.volume === undefined ? {} : { volume: p.volume.dir }) });
  }

  #accept(metadata: PodMetadata): void {
    this.#suspect = false;
    this.#lastProblem = undefined;
    const content = contentKey(metadata);
    if (content === this.#lastContent) return;
    this.#lastContent = content;
    this.#latest = metadata;
    this.#emit({ type: 'snapshot', metadata });
  }

  /** A problem met while nothing else was changing: confirmed by a second read before it is reported. */
  #reject(failure: unknown): void {
    const error = asProblem(failure, this.#plan.volume?.dir ?? '');
    if (this.#lastContent === undefined && isPermanent(error)) {
      this.#finish(error);
      return;
    }
    // A kubelet swap seen half-way (Windows kubelets remove `..data` before creating it) heals within moments.
    if (!this.#suspect && this.#lastContent !== undefined) {
      this.#suspect = true;
      clearTimeout(this.#confirm);
      this.#confirm = setTimeout(() => this.#read(), Math.max(this.#time.debounceMs, 10));
      return;
    }
    this.#suspect = false;
    this.#report(error);
  }

  /** Other changes (a plain directory's files written in place) wait until the writes settle. */
  #settle(): void {
    const now = Date.now();
    if (this.#debounce !== undefined) {
      if (now - this.#debounceSince >= this.#time.debounceMs * MAX_DEBOUNCE_PERIODS) return;
      clearTimeout(this.#debounce);
    } else {
      this.#debounceSince = now;
    }
    this.#debounce = setTimeout(() => this.#read(), this.#time.debounceMs);
  }

  #start(): void {
    if (this.#ended) return;
    this.#read();
    if (this.#ended) return;
    const volume = this.#plan.volume;
    // Nothing can change without a volume, so the stream completes after its snapshot rather than hang forever.
    if (volume === undefined) {
      this.#finish();
      return;
    }
    const mounts = subPathMounts(this.#plan, volume.dir);
    if (mounts.length > 0) {
      this.#report(
        notice(
          'SUBPATH_MOUNT',
          mounts[0] ?? volume.dir,
          'mounted whole: the kubelet never updates a subPath mount',
          'Mount the downwardAPI volume without subPath to see label, annotation and resource changes.',
        ),
      );
      this.#finish();
      return;
    }
    this.#resync = setInterval(() => this.#read(), this.#time.resyncIntervalMs);
    this.#attachment = new Attachment(volume.dir, {
      nested: nestedDirectories(this.#plan),
      pollIntervalMs: this.#time.pollIntervalMs,
      onCommit: () => this.#read(),
      onActivity: () => this.#settle(),
      onFallback: (cause) =>
        this.#report(
          notice(
            'WATCH_FALLBACK',
            volume.dir,
            'watched through file events',
            `Polling ..data every ${this.#time.pollIntervalMs} ms instead; raise fs.inotify.max_user_watches or max_user_instances on the node (or the open-files limit) to get events back.`,
            cause,
          ),
        ),
      ...(this.#watchDirectory === undefined ? {} : { watchDirectory: this.#watchDirectory }),
    });
    this.#attachment.start();
    // A change between the first read and the watch's start would otherwise wait for the next check.
    this.#read();
  }
}

const registry = new Map<string, LiveWatch>();
const ids = new WeakMap<object, number>();
let nextId = 0;

function idOf(value: object): number {
  let id = ids.get(value);
  if (id === undefined) {
    id = nextId++;
    ids.set(value, id);
  }
  return id;
}

/** How many live watches are open: none once every subscriber is gone. */
export function openWatches(): number {
  return registry.size;
}

/** Throws what `subscribe` would throw for these options (a RangeError, an invalid spec), without subscribing. */
export function checkOptions(options: WatchPodMetadataOptions): void {
  plan(options);
  timing(options);
}

/**
 * Subscribes `listener` to the shared watch of the options' volume: the latest snapshot at once (if any), then the
 * events. Returns the unsubscribe function. `options.signal` completes the subscription when aborted.
 */
export function subscribe(options: WatchPodMetadataOptions, listener: Listener, watchDirectory?: WatchDirectory): () => void {
  const p = plan(options);
  const time = timing(options);
  const { signal } = options;
  if (signal?.aborted === true) {
    listener.complete?.();
    return () => {};
  }
  const key = JSON.stringify([p.volume?.dir, idOf(p.spec), idOf(p.env), idOf(p.fs), p.maxFileBytes, p.strict, p.serviceAccount, time, watchDirectory && idOf(watchDirectory)]);
  let live = registry.get(key);
  if (live === undefined) {
    const created = new LiveWatch(p, time, watchDirectory, () => {
      if (registry.get(key) === created) registry.delete(key);
    });
    registry.set(key, created);
    live = created;
  }
  const watch = live;
  let done = false;
  const release = (): void => {
    if (done) return;
    done = true;
    signal?.removeEventListener('abort', onAbort);
    watch.remove(own);
  };
  const onAbort = (): void => {
    release();
    listener.complete?.();
  };
  const own: Listener = {
    next: (event) => listener.next(event),
    error: (error) => {
      release();
      listener.error?.(error);
    },
    complete: () => {
      release();
      listener.complete?.();
    },
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  watch.add(own);
  return release;
}
