// The Observable forms of the watch engine, for the `kube-downward/rxjs` entry.

import type { Observable } from 'rxjs';
import type { PodMetadata } from '../sources/pod-metadata.js';
import type { WatchDirectory } from './attachment.js';
import { checkOptions, subscribe } from './engine.js';
import { rxjs } from './rxjs.js';
import type { PodMetadataEvent, WatchPodMetadataOptions } from './watch.js';

/** The events of the shared watch; `watchDirectory` lets tests make file events fail. */
export function observeEvents(options: WatchPodMetadataOptions, watchDirectory?: WatchDirectory): Observable<PodMetadataEvent> {
  const { Observable } = rxjs();
  checkOptions(options);
  return new Observable<PodMetadataEvent>((subscriber) =>
    subscribe(
      options,
      {
        next: (event) => subscriber.next(event),
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      },
      watchDirectory,
    ),
  );
}

export function observeSnapshots(options: WatchPodMetadataOptions): Observable<PodMetadata> {
  const { filter, map } = rxjs();
  return observeEvents(options).pipe(
    filter((event): event is Extract<PodMetadataEvent, { type: 'snapshot' }> => event.type === 'snapshot'),
    map((event) => event.metadata),
  );
}
