// The API-server functions as the package exports them. Each loads its implementation on its first call, so an
// app that only reads its Downward API never compiles the API-server client at start-up (about 2 ms of a cold
// start, bench/README.md); a bundler follows the dynamic imports as it would static ones.

import type { ApiPodMetadata, FetchPodMetadataOptions } from './api-pod.js';
import type { ApiPodEvent, WatchPodFromApiServerOptions } from './api-watch.js';

/**
 * GETs the own pod from the API server and returns it in the {@link PodMetadata} shape, plus what only the API has:
 * owner references, phase, and every container's requests and limits.
 *
 * @remarks
 * Opt-in: it costs one request to the API server and needs the RBAC rule `get` on `pods` in the pod's namespace
 * (`kube-downward manifest --api-server` prints it). With an `https://` API server it sends the service account's
 * token and trusts its CA; with `http://` (a `kubectl proxy` or ambassador sidecar) it sends no token.
 *
 * @param options - Where the API server is, which pod, and a signal to cancel.
 * @throws {@link KubernetesApiError} when the request fails (`FORBIDDEN` names the RBAC rule needed);
 * {@link DownwardApiError} with code `MISSING` when the pod's name or namespace cannot be found, or the service
 * account cannot be read.
 *
 * @example
 * ```ts
 * import { fetchPodMetadata } from 'kube-downward';
 *
 * // Aborted at once here, so nothing is sent; in a pod, leave signal out.
 * const pod = await fetchPodMetadata({ apiServerUrl: 'http://localhost:8001', signal: AbortSignal.abort() }).catch(() => undefined);
 * console.log(pod?.ownerReferences, pod?.phase, pod?.containers);
 * ```
 * @public
 */
export async function fetchPodMetadata(options: FetchPodMetadataOptions = {}): Promise<ApiPodMetadata> {
  const implementation = await import('./api-pod.js');
  return implementation.fetchPodMetadata(options);
}

/**
 * Follows the own pod through the API server with a real watch, as an async iterable of {@link ApiPodEvent}s;
 * break out of the loop, or abort `signal`, to stop it and close its connection.
 *
 * @remarks
 * Lists the pod (`fieldSelector=metadata.name=<name>`), then watches from the list's resourceVersion with
 * `allowWatchBookmarks`, resuming from the last resourceVersion seen (events and bookmarks) whenever the server
 * ends the watch. After `410 Gone` (the status or an `ERROR` event with code 410) it lists again and continues
 * from the new list, at once unless the previous watch was refused too. Connection resets, timeouts, 5xx and half-open connections (no byte for `idleTimeoutMs`)
 * are reported as `problem` events and retried with exponential backoff and jitter; the stream never ends for
 * them. A 401 reads the token again and retries once; a 401 after that, a 403 (the error names the RBAC rule:
 * verbs get, list, watch on pods in the namespace) and a 404 end the iteration with a {@link KubernetesApiError}.
 *
 * Each watching pod holds one connection and one watch on the API server; the downwardAPI volume costs the API
 * server nothing. Prefer the volume unless you need what only the API has.
 *
 * This is separate from `watchPodMetadata`, which follows the Downward API volume.
 *
 * @param options - Where the API server is, which pod, backoff and timeouts, and the signal that stops it.
 *
 * @example
 * ```ts
 * import { watchPodFromApiServer } from 'kube-downward';
 *
 * const stop = new AbortController();
 * stop.abort(); // here: stop at once; in a pod, abort on shutdown
 * for await (const event of watchPodFromApiServer({ apiServerUrl: 'http://localhost:8001', name: 'web-0', namespace: 'shop', signal: stop.signal })) {
 *   if (event.type === 'pod') console.log(event.pod.phase, event.pod.labels);
 *   if (event.type === 'problem') console.warn(event.error.message, `retry in ${event.retryInMs} ms`);
 * }
 * ```
 * @public
 */
export async function* watchPodFromApiServer(options: WatchPodFromApiServerOptions = {}): AsyncGenerator<ApiPodEvent, void, undefined> {
  const implementation = await import('./api-watch.js');
  yield* implementation.watchPodFromApiServer(options);
}
