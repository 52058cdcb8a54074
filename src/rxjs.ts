/**
 * The live view as RxJS Observables: {@link watchPodMetadata} for the snapshots, {@link watchPodMetadataEvents} with
 * the problems that did not end the watch. Needs the `rxjs` package (an optional peer dependency of kube-downward),
 * loaded on the first call; without it, these functions throw an error that says to install it.
 *
 * @packageDocumentation
 */

// Every export is named here on purpose; the types its signatures use are re-exported so that this entry's
// signatures stand on their own.

import type { Observable } from 'rxjs';
import { observeEvents, observeSnapshots } from './live/observable.js';
import type { PodMetadata } from './sources/pod-metadata.js';
import type { PodMetadataEvent, WatchPodMetadataOptions } from './live/watch.js';

export type { PodMetadataEvent, WatchPodMetadataOptions } from './live/watch.js';
export type { PodMetadata, PodMetadataSource, PodMetadataSources, PodResources } from './sources/pod-metadata.js';
export type { ReadPodMetadataOptions } from './sources/read.js';
export type { VolumeFileHandle, VolumeFileStat, VolumeFileSystem } from './sources/volume.js';
export type { DownwardApiError, DownwardApiErrorCode, DownwardApiErrorOptions, DownwardApiProblem, DownwardApiSource } from './errors.js';
export type {
  DownwardApiSpec,
  DownwardEnvVar,
  DownwardValueSource,
  DownwardVolumeItem,
  DownwardVolumeSpec,
  ObjectFieldSelector,
  ResourceFieldSelector,
} from './spec/spec.js';
export type {
  ByteResourceName,
  ByteResourceValue,
  CpuResourceName,
  CpuResourceValue,
  ResourceInterval,
  ResourceName,
  ResourceValue,
} from './format/resource.js';
export type { DownwardMap } from './format/downward-map.js';

/**
 * A live view of the pod's metadata: the current snapshot on subscribe, then a new one after every real change of
 * the downwardAPI volume (labels, annotations, resources after an in-place resize).
 *
 * @remarks
 * The volume directory is watched and the kubelet's commit (the rename of `..data`) is read at once, as one
 * consistent generation; only a snapshot whose content differs is emitted. The watch proves it is still attached
 * (a deleted and re-created volume, a permission change, a dangling `..data` do not make it deaf) and polls when
 * file events are unavailable. Env fields are static and appear in every snapshot. Subscribers of the same volume and
 * options share one watcher and get the latest snapshot at once; the last unsubscribe closes it and its timers.
 * Without a volume to watch (a pod with env vars only, or a subPath mount) nothing can change: the Observable
 * completes after the snapshot.
 *
 * Faults do not end the stream: a parse error, a missing file, a deleted volume keep the last snapshot and the
 * watch recovers when the volume is good again (see {@link watchPodMetadataEvents} to hear about them). The
 * Observable errors only for what can never heal: an invalid spec or env value, or not running in Kubernetes.
 *
 * @param options - Read options, plus polling and resync intervals and an `AbortSignal`.
 * @returns A multicast Observable of frozen snapshots.
 * @throws `Error` when the rxjs package is not installed, and `RangeError` for an interval out of range.
 *
 * @example
 * ```ts
 * import { watchPodMetadata } from 'kube-downward/rxjs';
 *
 * const subscription = watchPodMetadata().subscribe((pod) => {
 *   console.log('labels now', pod.labels);
 * });
 * subscription.unsubscribe(); // closes the watcher when no one else subscribes
 * ```
 * @public
 */
export function watchPodMetadata(options: WatchPodMetadataOptions = {}): Observable<PodMetadata> {
  return observeSnapshots(options);
}

/**
 * {@link watchPodMetadata} with its problems: snapshots and the faults that did not end the watch, as tagged events.
 *
 * @remarks
 * Each degraded period is reported once: a volume that stays broken does not repeat its problem, and the next good
 * snapshot ends the period. `WATCH_FALLBACK` says that file events are unavailable and `..data` is polled instead.
 *
 * @param options - As for {@link watchPodMetadata}.
 * @returns A multicast Observable of {@link PodMetadataEvent}, starting with the current snapshot.
 *
 * @example
 * ```ts
 * import { watchPodMetadataEvents } from 'kube-downward/rxjs';
 *
 * watchPodMetadataEvents({ signal: AbortSignal.timeout(1000) }).subscribe((event) => {
 *   if (event.type === 'problem') console.warn(`[${event.error.code}] ${event.error.message}`);
 * });
 * ```
 * @public
 */
export function watchPodMetadataEvents(options: WatchPodMetadataOptions = {}): Observable<PodMetadataEvent> {
  return observeEvents(options);
}
