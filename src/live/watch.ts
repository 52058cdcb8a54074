// The live view without RxJS: an async iterator and a promise over the shared watch engine. The Observable forms
// live in the `kube-downward/rxjs` entry, so that this one loads and type-checks without rxjs installed.

import { DownwardApiError, problem } from '../errors.js';
import type { PodMetadata } from '../sources/pod-metadata.js';
import type { ReadPodMetadataOptions } from '../sources/read.js';
import { checkOptions, subscribe } from './engine.js';

/**
 * Options of the live functions: {@link iteratePodMetadata}, {@link waitForPodMetadata}, and `watchPodMetadata` of
 * `kube-downward/rxjs`.
 *
 * @remarks
 * `fs` serves the reads; changes are detected on the real file system, so watch real directories. Every interval is
 * a number of milliseconds up to 2^31 - 1; anything else is a `RangeError`.
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
  /**
   * How long a plain directory must be quiet after a file changed before it is read again; default 20 ms. A kubelet
   * update (the rename of `..data`) is read at once, without this wait.
   */
  readonly debounceMs?: number;
  /**
   * How often the watch proves it is still attached to the volume (and re-attaches if not), and the polling interval
   * when file events are unavailable or the volume is gone; default 500 ms.
   */
  readonly pollIntervalMs?: number;
  /** A full re-read at this interval, as a safety net under the file events; default 60000 ms. */
  readonly resyncIntervalMs?: number;
  /** Ends the watch (the iterator finishes, the Observable completes) when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * What a live watch reports (`watchPodMetadataEvents` of `kube-downward/rxjs`): a new snapshot, or a problem that
 * did not end the watch.
 *
 * @remarks
 * A `problem` keeps the last good snapshot: the watch goes on and emits again when the volume is good. Its error has
 * the codes of {@link DownwardApiError}, plus `WATCH_FALLBACK` (file events unavailable, polling instead) and
 * `SUBPATH_MOUNT` (the volume is mounted with `subPath` and will never change).
 *
 * @example
 * ```ts
 * import type { PodMetadataEvent } from 'kube-downward';
 *
 * export function describeEvent(event: PodMetadataEvent): string {
 *   if (event.type === 'snapshot') return `labels ${JSON.stringify(event.metadata.labels)}`;
 *   return `[${event.error.code}] ${event.error.message}`;
 * }
 * ```
 * @public
 */
export type PodMetadataEvent =
  | { readonly type: 'snapshot'; readonly metadata: PodMetadata }
  | { readonly type: 'problem'; readonly error: DownwardApiError };

/**
 * The live snapshots as an async iterator: the current snapshot, then a new one after every real change of the
 * downwardAPI volume (labels, annotations, resources after an in-place resize). Needs no RxJS.
 *
 * @remarks
 * A slow consumer gets the latest snapshot, not a backlog: snapshots are states, and only the newest matters.
 * Breaking out of the loop (or aborting the signal) closes the watch. Faults keep the last snapshot and the watch
 * recovers; the iterator throws only for what can never heal (an invalid spec or env value, or
 * {@link NotInKubernetesError}). Without a volume to watch it ends after the first snapshot.
 *
 * @throws `RangeError` for an interval out of range, and {@link DownwardApiError} for an invalid spec, at once.
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
  checkOptions(options);
  let latest: PodMetadata | undefined;
  let waiting: { resolve: (result: IteratorResult<PodMetadata>) => void; reject: (error: unknown) => void } | undefined;
  let ended: { error: unknown } | 'done' | undefined;
  let unsubscribe: (() => void) | undefined;

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
      if (unsubscribe === undefined && ended === undefined) {
        unsubscribe = subscribe(options, {
          next: (event) => {
            if (event.type !== 'snapshot') return;
            latest = event.metadata;
            settle();
          },
          error: (error: unknown) => {
            ended = { error };
            settle();
          },
          complete: () => {
            ended ??= 'done';
            settle();
          },
        });
      }
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        settle();
      });
    },
    async return() {
      unsubscribe?.();
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
 * label is set. Needs no RxJS.
 *
 * @param predicate - Tells whether a snapshot is the one awaited.
 * @param options - As for {@link iteratePodMetadata}; with a `signal`, the promise rejects with its reason on abort.
 * @returns The matching snapshot.
 * @throws {@link DownwardApiError} with code `NOT_WATCHABLE` when nothing matched and the metadata cannot change (no
 * volume to watch), and the errors of {@link iteratePodMetadata}.
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
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    let unsubscribe: (() => void) | undefined;
    let settled = false;
    // Every way out removes the abort listener: a signal shared by many waits must not collect them.
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      unsubscribe?.();
      outcome();
    };
    const onAbort = (): void => settle(() => reject(signal?.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    const stop = subscribe(rest, {
      next: (event) => {
        if (event.type !== 'snapshot') return;
        let matched: boolean;
        try {
          matched = predicate(event.metadata);
        } catch (error) {
          settle(() => reject(error));
          return;
        }
        if (matched) settle(() => resolve(event.metadata));
      },
      error: (error: unknown) => settle(() => reject(error)),
      complete: () =>
        settle(() =>
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
          ),
        ),
    });
    // A snapshot delivered during subscribe may have settled already.
    if (settled) stop();
    else unsubscribe = stop;
  });
}
