// The own pod followed through the API server's list/watch protocol, as client-go's reflector follows it: list,
// watch from the list's resourceVersion with bookmarks, resume from the last one seen, list again after 410 Gone,
// and reconnect with backoff and jitter after anything transient.

import { ApiClient, statusError, type ApiStatus } from './api-client.js';
import { KubernetesApiError } from './api-error.js';
import { adviceFor, podTarget, toApiPodMetadata, type ApiPodMetadata, type FetchPodMetadataOptions } from './api-pod.js';

/**
 * Options of {@link watchPodFromApiServer}.
 *
 * @example
 * ```ts
 * import type { WatchPodFromApiServerOptions } from 'kube-downward';
 *
 * const options: WatchPodFromApiServerOptions = {
 *   apiServerUrl: 'http://localhost:8001',
 *   backoff: { initialMs: 800, maxMs: 30_000 },
 *   idleTimeoutMs: 90_000,
 * };
 * ```
 * @public
 */
export interface WatchPodFromApiServerOptions extends FetchPodMetadataOptions {
  /** Reconnect delays: the first, doubled after each failure up to the last; default 800 ms to 30 000 ms, as client-go. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /**
   * A watch on which no byte arrives for this long is taken as half-open and reconnected; default 90 000 ms. With
   * bookmarks the API server writes about once a minute, so a live watch is never that quiet for long; a false
   * alarm costs one reconnect from the same resourceVersion. The watch's list requests use it too, in place of
   * `requestTimeoutMs`.
   */
  readonly idleTimeoutMs?: number;
  /** How long the API server keeps one watch open before ending it (and the client resumes); default 300 to 600 s at random. */
  readonly watchTimeoutSeconds?: number;
}

/**
 * One event of {@link watchPodFromApiServer}.
 *
 * @remarks
 * `pod`: the pod as it is now (first from the list, then from each change). `deleted`: the pod does not exist
 * (deleted, or absent when the watch lists). `problem`: a transient fault; the watch keeps the last pod and
 * retries after `retryInMs`.
 *
 * @example
 * ```ts
 * import type { ApiPodEvent } from 'kube-downward';
 *
 * function show(event: ApiPodEvent): string {
 *   return event.type === 'pod' ? event.pod.resourceVersion : event.type === 'problem' ? event.error.code : 'deleted';
 * }
 * ```
 * @public
 */
export type ApiPodEvent =
  | { readonly type: 'pod'; readonly pod: ApiPodMetadata }
  | { readonly type: 'deleted'; readonly resourceVersion: string }
  | { readonly type: 'problem'; readonly error: KubernetesApiError; readonly retryInMs: number };

const DEFAULT_BACKOFF = { initialMs: 800, maxMs: 30_000 };
const DEFAULT_IDLE_TIMEOUT_MS = 90_000;
/** Retrying these cannot help: the user must change RBAC, credentials or the URL. */
const FATAL = new Set(['UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'HTTP_ERROR', 'NO_API_SERVER']);

interface WatchEvent {
  readonly type: string;
  readonly object: unknown;
}

function asWatchEvent(value: unknown, url: string): WatchEvent {
  if (typeof value === 'object' && value !== null && typeof (value as WatchEvent).type === 'string') return value as WatchEvent;
  throw new KubernetesApiError({ code: 'BAD_RESPONSE', url, message: `GET ${url} streamed a line that is not a watch event.` });
}

function resourceVersionOf(object: unknown): string | undefined {
  const metadata = typeof object === 'object' && object !== null ? (object as { metadata?: { resourceVersion?: unknown } }).metadata : undefined;
  return typeof metadata?.resourceVersion === 'string' && metadata.resourceVersion !== '' ? metadata.resourceVersion : undefined;
}

/** Resolves after `ms`, or at once when the signal aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The implementation of `watchPodFromApiServer` (api-server.ts), loaded on its first call. */
export async function* watchPodFromApiServer(options: WatchPodFromApiServerOptions = {}): AsyncGenerator<ApiPodEvent, void, undefined> {
  const { signal } = options;
  // A function, so the compiler does not take the flag as fixed between awaits.
  const stopped = () => signal?.aborted === true;
  if (stopped()) return;
  const initialMs = options.backoff?.initialMs ?? DEFAULT_BACKOFF.initialMs;
  const maxMs = options.backoff?.maxMs ?? DEFAULT_BACKOFF.maxMs;
  if (!(initialMs >= 0 && maxMs >= initialMs)) throw new RangeError(`backoff must have 0 <= initialMs <= maxMs, not ${JSON.stringify(options.backoff)}`);
  const target = podTarget(options);
  const client = new ApiClient({ ...options, requestTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS }, adviceFor(target, '"get", "list", "watch"'));
  const base = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods`;
  const selector = new URLSearchParams({ fieldSelector: `metadata.name=${target.name}` });
  const watchPath = (resourceVersion: string) => {
    const timeout = options.watchTimeoutSeconds ?? Math.floor(300 * (1 + Math.random()));
    const query = new URLSearchParams({ ...Object.fromEntries(selector), watch: 'true', allowWatchBookmarks: 'true', resourceVersion, timeoutSeconds: String(timeout) });
    return `${base}?${query}`;
  };
  const listPath = `${base}?${selector}`;

  let resourceVersion: string | undefined;
  /** The pod's own resourceVersion last reported, or null once reported absent: a relist repeats nothing. */
  let reported: string | null | undefined;
  let failures = 0;
  const report = (pod: unknown, url: string): ApiPodEvent | undefined => {
    const meta = toApiPodMetadata(pod, options.container, url);
    if (meta.resourceVersion === reported) return undefined;
    reported = meta.resourceVersion;
    return { type: 'pod', pod: meta };
  };

  try {
    while (!stopped()) {
      let received = 0;
      try {
        if (resourceVersion === undefined) {
          const list = (await client.getJson(listPath, signal)) as { metadata?: { resourceVersion?: unknown }; items?: unknown };
          const listVersion = resourceVersionOf(list);
          if (listVersion === undefined || !Array.isArray(list.items)) {
            throw new KubernetesApiError({ code: 'BAD_RESPONSE', url: client.url(listPath), message: `GET ${client.url(listPath)} answered with something that is not a PodList.` });
          }
          resourceVersion = listVersion;
          const [pod] = list.items;
          if (pod !== undefined) {
            const event = report(pod, client.url(listPath));
            if (event !== undefined) yield event;
          } else if (reported !== null) {
            reported = null;
            yield { type: 'deleted', resourceVersion: listVersion };
          }
        }
        const path = watchPath(resourceVersion);
        const url = client.url(path);
        for await (const line of client.stream(path, signal)) {
          if (stopped()) return; // events already received are not delivered after an abort
          const event = asWatchEvent(line, url);
          received++;
          failures = 0; // only a watch that delivers counts as healthy, not a list
          if (event.type === 'ERROR') {
            const status = (event.object ?? {}) as ApiStatus;
            throw statusError(url, typeof status.code === 'number' ? status.code : 500, status, adviceFor(target, '"get", "list", "watch"'));
          }
          resourceVersion = resourceVersionOf(event.object) ?? resourceVersion;
          if (event.type === 'ADDED' || event.type === 'MODIFIED') {
            const reportEvent = report(event.object, url);
            if (reportEvent !== undefined) yield reportEvent;
          } else if (event.type === 'DELETED' && reported !== null) {
            reported = null;
            yield { type: 'deleted', resourceVersion };
          }
        }
        // The server ended the watch (its timeoutSeconds): resume at once, unless it ended without a word, which
        // is no healthy watch, and then wait as after a failure.
        if (received === 0) await sleep(delay(failures++, initialMs, maxMs), signal);
      } catch (error) {
        if (stopped()) return;
        if (!(error instanceof KubernetesApiError) || FATAL.has(error.code)) throw error;
        if (error.code === 'GONE') {
          // List again at once; but a server that answers every new watch with 410 gets the backoff too.
          resourceVersion = undefined;
          const retryInMs = failures === 0 ? 0 : delay(failures, initialMs, maxMs);
          failures++;
          yield { type: 'problem', error, retryInMs };
          await sleep(retryInMs, signal);
          continue;
        }
        const retryInMs = delay(failures++, initialMs, maxMs);
        yield { type: 'problem', error, retryInMs };
        await sleep(retryInMs, signal);
      }
    }
  } finally {
    client.close();
  }
}

/** Exponential backoff with equal jitter: half the step fixed, half at random, so pods do not reconnect in step. */
function delay(failures: number, initialMs: number, maxMs: number): number {
  const step = Math.min(maxMs, initialMs * 2 ** Math.min(failures, 30));
  return Math.round(step / 2 + Math.random() * (step / 2));
}
