import { existsSync } from 'node:fs';
import type { Observable } from 'rxjs';
import { ChangeSignal, type WatchDirectory } from './change-signal.js';
import { DownwardApiError, isDownwardApiError, isNotInKubernetesError, problem } from '../errors.js';
import type { PodMetadata } from '../sources/pod-metadata.js';
import { plan, readPlanned, type Plan, type ReadPodMetadataOptions } from '../sources/read.js';
import { rxjs } from './rxjs.js';
import { findSubPathMounts } from './subpath.js';
import { asText } from '../format/utf8.js';

/**
 * Options of {@link watchPodMetadata} and the functions built on it.
 *
 * @remarks
 * `fs` serves the reads; changes are detected on the real file system, so watch real directories.
 *
 * @example
 * ```ts
 * import type { WatchPodMetadataOptions } from 'kube-downward';
 *
 * const options: WatchPodMetadataOptions = { volume: '/etc/podinfo', debounceMs: 50, signal: AbortSignal.timeout(60_000) };
 * ```
 * @public
 */
export interface WatchPodMetadataOptions extends ReadPodMetadataOptions {
  /** How long the volume must be quiet after a change before it is read again; default 20 ms. */
  readonly debounceMs?: number;
  /** The polling interval when file events are unavailable, and while a deleted volume is awaited; default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** A full re-read at this interval, as a safety net under the file events; default 60000 ms. */
  readonly resyncIntervalMs?: number;
  /** Ends the subscription (the Observable completes) when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * What a live watch reports: a new snapshot, or a problem that did not end the watch.
 *
 * @remarks
 * A `problem` keeps the last good snapshot: the watch goes on and emits again when the volume is good. Its error has
 * the codes of {@link DownwardApiError}, plus `WATCH_FALLBACK` (file events unavailable, polling instead) and
 * `SUBPATH_MOUNT` (the volume is mounted with `subPath` and will never change).
 *
 * @example
 * ```ts
 * import { watchPodMetadataEvents } from 'kube-downward';
 *
 * const subscription = watchPodMetadataEvents().subscribe((event) => {
 *   if (event.type === 'snapshot') console.log(event.metadata.labels);
 *   else console.warn(event.error.message);
 * });
 * subscription.unsubscribe();
 * ```
 * @public
 */
export type PodMetadataEvent =
  | { readonly type: 'snapshot'; readonly metadata: PodMetadata }
  | { readonly type: 'problem'; readonly error: DownwardApiError };

const DEFAULTS = { debounceMs: 20, pollIntervalMs: 1000, resyncIntervalMs: 60_000 } as const;

/** Bursts of kubelet updates must not postpone a read forever: the wait is capped at this many debounce periods. */
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
    if (!Number.isFinite(value) || value < least) throw new RangeError(`${key} must be a number >= ${least}, not ${String(value)}`);
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

/** The subPath mounts at or below the volume, read from the same file system as the volume. */
function subPathMounts(p: Plan, dir: string): string[] {
  try {
    const text = p.fs.readFileSync('/proc/self/mountinfo');
    return findSubPathMounts(asText(text), dir);
  } catch {
    return [];
  }
}

/**
 * The spec's default mount path may be absent in a pod with env vars only: then there is nothing to watch. A volume
 * named explicitly is watched even while absent, to see it appear.
 */
function volumeExists(dir: string, explicit: boolean): boolean {
  return explicit || existsSync(dir);
}

/** One volume's watch: reads, change signals and the last snapshot, shared by every subscriber. */
function watchEvents(p: Plan, time: Timing, watchDirectory: WatchDirectory | undefined): Observable<PodMetadataEvent> {
  const { Observable } = rxjs();
  return new Observable<PodMetadataEvent>((subscriber) => {
    // A volume present when the watch starts must stay: its disappearance is a fault, not a pod without volume.
    const volume = p.volume !== undefined && volumeExists(p.volume.dir, p.volume.explicit) ? { ...p.volume, explicit: true } : undefined;
    const planned: Plan = volume === undefined ? p : { ...p, volume };
    let closed = false;
    let lastContent: string | undefined;
    let lastProblem: string | undefined;
    let reading = false;
    let readAgain = false;
    let timer: NodeJS.Timeout | undefined;
    let pendingSince = 0;
    let changes: ChangeSignal | undefined;

    const report = (error: DownwardApiError): void => {
      if (error.message === lastProblem) return;
      lastProblem = error.message;
      subscriber.next({ type: 'problem', error });
    };

    const read = async (): Promise<void> => {
      if (reading) {
        readAgain = true;
        return;
      }
      reading = true;
      do {
        readAgain = false;
        try {
          const metadata = await readPlanned(planned);
          if (closed) return;
          const content = contentKey(metadata);
          lastProblem = undefined;
          if (content !== lastContent) {
            lastContent = content;
            subscriber.next({ type: 'snapshot', metadata });
          }
        } catch (error) {
          if (closed) return;
          if (!isDownwardApiError(error)) {
            subscriber.error(error);
            return;
          }
          if (lastContent === undefined && isPermanent(error)) {
            subscriber.error(error);
            return;
          }
          report(error);
        }
        await changes?.verify();
      } while (readAgain && !closed);
      reading = false;
    };

    const schedule = (): void => {
      const now = Date.now();
      if (timer !== undefined) {
        if (now - pendingSince >= time.debounceMs * MAX_DEBOUNCE_PERIODS) return;
        clearTimeout(timer);
      } else {
        pendingSince = now;
      }
      timer = setTimeout(() => {
        timer = undefined;
        void read();
      }, time.debounceMs);
    };

    const start = async (): Promise<void> => {
      await read();
      if (closed) return;
      // Nothing can change without a volume, so the stream completes after its snapshot rather than hang forever.
      if (volume === undefined) {
        subscriber.complete();
        return;
      }
      const mounts = subPathMounts(p, volume.dir);
      if (mounts.length > 0) {
        report(
          notice(
            'SUBPATH_MOUNT',
            mounts[0] ?? volume.dir,
            'mounted whole: the kubelet never updates a subPath mount',
            'Mount the downwardAPI volume without subPath to see label, annotation and resource changes.',
          ),
        );
        subscriber.complete();
        return;
      }
      const depth = Math.max(0, ...(p.spec.volume?.items ?? []).map((item) => item.path.split('/').length - 1));
      changes = new ChangeSignal(volume.dir, {
        depth,
        pollIntervalMs: time.pollIntervalMs,
        resyncIntervalMs: time.resyncIntervalMs,
        onSignal: schedule,
        onFallback: (cause) =>
          report(
            notice(
              'WATCH_FALLBACK',
              volume.dir,
              'watched through file events',
              `Polling ..data every ${time.pollIntervalMs} ms instead; raise fs.inotify.max_user_watches or max_user_instances on the node to get events back.`,
              cause,
            ),
          ),
        ...(watchDirectory === undefined ? {} : { watchDirectory }),
      });
      await changes.start();
      if (closed) await changes.close();
      // A change between the first read and the watch's start would otherwise wait for the resync.
      else await read();
    };

    void start();
    return () => {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      void changes?.close();
    };
  });
}

/** One volume's watch and its latest snapshot, shared by every subscriber while anyone subscribes. */
interface SharedWatch {
  /** The current snapshot (if any) for a new subscriber, then the shared events. */
  readonly events: Observable<PodMetadataEvent>;
  /** The snapshots alone, the latest replayed to a new subscriber. */
  readonly snapshots: Observable<PodMetadata>;
}

const shared = new Map<string, SharedWatch>();
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

/** Watches of the same volume, spec, env and file system share one watcher. */
function sharedWatch(options: WatchPodMetadataOptions, watchDirectory?: WatchDirectory): SharedWatch {
  const p = plan(options);
  const time = timing(options);
  const key = JSON.stringify([p.volume?.dir, idOf(p.spec), idOf(p.env), idOf(p.fs), p.maxFileBytes, time, watchDirectory && idOf(watchDirectory)]);
  const existing = shared.get(key);
  if (existing !== undefined) return existing;
  const { concat, defer, filter, finalize, map, of, share, shareReplay, tap } = rxjs();
  let latest: PodMetadata | undefined;
  // share() with refCount semantics: the last unsubscribe tears the watcher down, the next subscribe starts afresh.
  const live = watchEvents(p, time, watchDirectory).pipe(
    tap((event) => {
      if (event.type === 'snapshot') latest = event.metadata;
    }),
    finalize(() => {
      latest = undefined;
    }),
    share({ resetOnRefCountZero: true, resetOnError: true, resetOnComplete: true }),
  );
  const events = defer(() => {
    const current = latest;
    return current === undefined ? live : concat(of<PodMetadataEvent>({ type: 'snapshot', metadata: current }), live);
  });
  // Both views hold the one shared watcher: the last unsubscribe of either closes it only when the other has none.
  const snapshots = live.pipe(
    filter((event): event is Extract<PodMetadataEvent, { type: 'snapshot' }> => event.type === 'snapshot'),
    map((event) => event.metadata),
    shareReplay({ bufferSize: 1, refCount: true }),
  );
  const entry = { events, snapshots };
  shared.set(key, entry);
  return entry;
}

function untilAborted<T>(source: Observable<T>, signal: AbortSignal | undefined): Observable<T> {
  if (signal === undefined) return source;
  const { EMPTY, fromEvent, takeUntil } = rxjs();
  return signal.aborted ? EMPTY : source.pipe(takeUntil(fromEvent(signal, 'abort')));
}

/** @internal Exposed for tests that must make file events fail. */
export function watchPodMetadataEventsWith(
  options: WatchPodMetadataOptions,
  watchDirectory: WatchDirectory | undefined,
): Observable<PodMetadataEvent> {
  return untilAborted(sharedWatch(options, watchDirectory).events, options.signal);
}

/**
 * A live view of the pod's metadata: the current snapshot on subscribe, then a new one after every real change of
 * the downwardAPI volume (labels, annotations, resources after an in-place resize).
 *
 * @remarks
 * The volume directory is watched (not its files, which the kubelet replaces), every file event triggers a debounced
 * re-read of one consistent generation, and only a snapshot whose content differs is emitted. Env fields are
 * static and appear in every snapshot. Subscribers of the same volume share one watcher; the last unsubscribe closes
 * it and its timers. Without a volume to watch (a pod with env vars only, or a subPath mount) nothing can change:
 * the Observable completes after the snapshot.
 *
 * Faults do not end the stream: a parse error, a missing file, a deleted volume keep the last snapshot and the
 * watch recovers when the volume is good again (see {@link watchPodMetadataEvents} to hear about them). The
 * Observable errors only for what can never heal: an invalid spec or env value, or {@link NotInKubernetesError}.
 *
 * @param options - Read options, plus debounce, polling and resync intervals and an `AbortSignal`.
 * @returns A multicast Observable of frozen snapshots.
 *
 * @example
 * ```ts
 * import { watchPodMetadata } from 'kube-downward';
 *
 * const subscription = watchPodMetadata().subscribe((pod) => {
 *   console.log('labels now', pod.labels);
 * });
 * subscription.unsubscribe(); // closes the watcher when no one else subscribes
 * ```
 * @public
 */
export function watchPodMetadata(options: WatchPodMetadataOptions = {}): Observable<PodMetadata> {
  return untilAborted(sharedWatch(options).snapshots, options.signal);
}

/**
 * {@link watchPodMetadata} with its problems: snapshots and the faults that did not end the watch, as tagged events.
 *
 * @param options - As for {@link watchPodMetadata}.
 * @returns A multicast Observable of {@link PodMetadataEvent}, starting with the current snapshot.
 *
 * @example
 * ```ts
 * import { watchPodMetadataEvents } from 'kube-downward';
 *
 * watchPodMetadataEvents({ signal: AbortSignal.timeout(1000) }).subscribe((event) => {
 *   if (event.type === 'problem') console.warn(`[${event.error.code}] ${event.error.message}`);
 * });
 * ```
 * @public
 */
export function watchPodMetadataEvents(options: WatchPodMetadataOptions = {}): Observable<PodMetadataEvent> {
  return watchPodMetadataEventsWith(options, undefined);
}

/**
 * The live snapshots as an async iterator, for code that does not use RxJS.
 *
 * @remarks
 * A slow consumer gets the latest snapshot, not a backlog: snapshots are states, and only the newest matters.
 * Breaking out of the loop (or aborting the signal) closes the watch.
 *
 * @example
 * ```ts
 * import { iteratePodMetadata } from 'kube-downward';
 *
 * for await (const pod of iteratePodMetadata({ signal: AbortSignal.timeout(1000) })) {
 *   console.log(pod.labels);
 * }
 * ```
 * @public
 */
export function iteratePodMetadata(options: WatchPodMetadataOptions = {}): AsyncIterableIterator<PodMetadata> {
  const source = watchPodMetadata(options);
  let latest: PodMetadata | undefined;
  let waiting: { resolve: (result: IteratorResult<PodMetadata>) => void; reject: (error: unknown) => void } | undefined;
  let ended: { error: unknown } | 'done' | undefined;
  let subscription: { unsubscribe(): void } | undefined;

  const settle = (): void => {
    if (waiting === undefined) return;
    const { resolve, reject } = waiting;
    if (latest !== undefined) {
      waiting = undefined;
      resolve({ value: latest, done: false });
      latest = undefined;
    } else if (ended !== undefined) {
      waiting = undefined;
      if (ended === 'done') resolve({ value: undefined, done: true });
      else reject(ended.error);
    }
  };

  const iterator: AsyncIterableIterator<PodMetadata> = {
    next() {
      subscription ??= source.subscribe({
        next: (metadata) => {
          latest = metadata;
          settle();
        },
        error: (error: unknown) => {
          ended = { error };
          settle();
        },
        complete: () => {
          ended = 'done';
          settle();
        },
      });
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        settle();
      });
    },
    async return() {
      subscription?.unsubscribe();
      ended = 'done';
      latest = undefined;
      settle();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * Resolves with the first snapshot, current or future, that matches `predicate`: for example to wait until a
 * label is set.
 *
 * @param predicate - Tells whether a snapshot is the one awaited.
 * @param options - As for {@link watchPodMetadata}; with a `signal`, the promise rejects with its reason on abort.
 * @returns The matching snapshot.
 * @throws {@link DownwardApiError} with code `NOT_WATCHABLE` when nothing matched and the metadata cannot change (no
 * volume to watch), and the errors of {@link watchPodMetadata}.
 *
 * @example
 * ```ts
 * import { waitForPodMetadata } from 'kube-downward';
 *
 * const pod = await waitForPodMetadata((p) => p.labels['ready'] === 'true', { signal: AbortSignal.timeout(1000) })
 *   .catch(() => undefined);
 * ```
 * @public
 */
export function waitForPodMetadata(
  predicate: (metadata: PodMetadata) => boolean,
  options: WatchPodMetadataOptions = {},
): Promise<PodMetadata> {
  const { signal, ...rest } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      subscription.unsubscribe();
      reject(signal?.reason);
    };
    const subscription = watchPodMetadata(rest).subscribe({
      next: (metadata) => {
        if (!predicate(metadata)) return;
        signal?.removeEventListener('abort', onAbort);
        queueMicrotask(() => subscription.unsubscribe());
        resolve(metadata);
      },
      error: (error: unknown) => {
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      },
      complete: () => {
        signal?.removeEventListener('abort', onAbort);
        reject(
          new DownwardApiError({
            code: 'NOT_WATCHABLE',
            summary: 'No snapshot matched, and the pod metadata cannot change any more.',
            problems: [
              problem(
                'NOT_WATCHABLE',
                { kind: 'argument', name: 'predicate' },
                undefined,
                'a predicate that the current snapshot or a future one can match',
                'Without a downwardAPI volume (or with a subPath mount) the metadata is fixed when the container starts.',
              ),
            ],
          }),
        );
      },
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
