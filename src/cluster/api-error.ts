// What can go wrong talking to the API server, as one error type with a stable code.

/**
 * Codes carried by {@link KubernetesApiError}.
 *
 * @remarks
 * - `UNAUTHORIZED`: 401, also after the token was read again.
 * - `FORBIDDEN`: 403; the message names the RBAC rule the service account needs.
 * - `NOT_FOUND`: 404: the pod (or namespace) does not exist.
 * - `GONE`: 410, or a watch `ERROR` event with code 410: the resourceVersion is too old; the watch lists again.
 * - `SERVER_ERROR`: 5xx or 429; retried with backoff.
 * - `HTTP_ERROR`: any other status.
 * - `CONNECTION`: the connection failed or was reset; retried with backoff.
 * - `TIMEOUT`: no byte arrived for longer than the idle timeout (a half-open connection); retried with backoff.
 * - `BAD_RESPONSE`: a body that is not the JSON the API sends.
 * - `NO_API_SERVER`: no `apiServerUrl` and no `KUBERNETES_SERVICE_HOST`/`KUBERNETES_SERVICE_PORT`.
 *
 * @example
 * ```ts
 * import type { KubernetesApiErrorCode } from 'kube-downward';
 *
 * const retried: KubernetesApiErrorCode[] = ['SERVER_ERROR', 'CONNECTION', 'TIMEOUT'];
 * ```
 * @public
 */
export type KubernetesApiErrorCode =
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'GONE'
  | 'SERVER_ERROR'
  | 'HTTP_ERROR'
  | 'CONNECTION'
  | 'TIMEOUT'
  | 'BAD_RESPONSE'
  | 'NO_API_SERVER';

/**
 * Options of the {@link KubernetesApiError} constructor.
 *
 * @example
 * ```ts
 * import { KubernetesApiError } from 'kube-downward';
 *
 * const error = new KubernetesApiError({ code: 'TIMEOUT', message: 'no byte for 30000 ms', url: 'https://10.96.0.1/api/v1/namespaces/shop/pods' });
 * ```
 * @public
 */
export interface KubernetesApiErrorOptions {
  /** The error's code. */
  readonly code: KubernetesApiErrorCode;
  /** What happened and what to do. */
  readonly message: string;
  /** The request's URL (it never holds the token). */
  readonly url?: string;
  /** The HTTP status, when a response arrived. */
  readonly status?: number;
  /** The `reason` of the API's Status body (`Forbidden`, `Expired`, ...). */
  readonly reason?: string;
  /** The underlying error. */
  readonly cause?: unknown;
}

/**
 * An API-server request that failed: the HTTP status and the Status body's reason when there was a response, and
 * what to do about it. Never holds the token.
 *
 * @example
 * ```ts
 * import { fetchPodMetadata, isKubernetesApiError } from 'kube-downward';
 *
 * try {
 *   await fetchPodMetadata({ apiServerUrl: 'http://localhost:8001', name: 'web-0', namespace: 'shop', signal: AbortSignal.abort() });
 * } catch (error) {
 *   if (isKubernetesApiError(error) && error.code === 'FORBIDDEN') console.error(error.message);
 * }
 * ```
 * @public
 */
export class KubernetesApiError extends Error {
  /** Always `KubernetesApiError`; {@link isKubernetesApiError} relies on it across package copies. */
  override readonly name: string = 'KubernetesApiError';
  /** What failed. */
  readonly code: KubernetesApiErrorCode;
  /** The request's URL. */
  readonly url: string | undefined;
  /** The HTTP status, when a response arrived. */
  readonly status: number | undefined;
  /** The Status body's `reason`. */
  readonly reason: string | undefined;

  constructor(options: KubernetesApiErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.url = options.url;
    this.status = options.status;
    this.reason = options.reason;
  }
}

/**
 * True when `error` is a {@link KubernetesApiError}, also across copies of this package loaded twice.
 *
 * @example
 * ```ts
 * import { isKubernetesApiError, KubernetesApiError } from 'kube-downward';
 *
 * console.log(isKubernetesApiError(new KubernetesApiError({ code: 'GONE', message: 'too old' }))); // true
 * ```
 * @public
 */
export function isKubernetesApiError(error: unknown): error is KubernetesApiError {
  return error instanceof KubernetesApiError || (error instanceof Error && error.name === 'KubernetesApiError');
}
