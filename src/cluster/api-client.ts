// The HTTP side of talking to the API server, on node:http and node:https with one keep-alive agent: a GET that
// returns JSON, a GET that streams watch events, the Status body of a failure turned into a KubernetesApiError,
// and a 401 answered by reading the token again, once. node:http and node:https are loaded at the first request,
// so that importing the package to read the Downward API does not load TLS.

import { nodeFs } from '../builtins.js';
import type * as http from 'node:http';
import { KubernetesApiError, type KubernetesApiErrorCode } from './api-error.js';
import { apiServerUrlFromEnv, createServiceAccountTokenSource, readAccountFile, type ServiceAccountFileSystem, type ServiceAccountTokenSource } from './service-account.js';

/**
 * How to reach the API server: shared by {@link fetchPodMetadata} and {@link watchPodFromApiServer}.
 *
 * @example
 * ```ts
 * import type { ApiServerOptions } from 'kube-downward';
 *
 * const direct: ApiServerOptions = {}; // https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, token and CA
 * const ambassador: ApiServerOptions = { apiServerUrl: 'http://localhost:8001' }; // kubectl proxy: no token
 * ```
 * @public
 */
export interface ApiServerOptions {
  /**
   * The API server. `https://` sends the service account's token and trusts its CA bundle; `http://` (a
   * `kubectl proxy` or ambassador sidecar, usually `http://localhost:8001`) sends no token. Default:
   * `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`.
   */
  readonly apiServerUrl?: string;
  /** Where the service account is mounted; default `/var/run/secrets/kubernetes.io/serviceaccount`. */
  readonly serviceAccountDirectory?: string;
  /** The environment; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The file system for the service account and the Downward API; default `node:fs`. */
  readonly fs?: ServiceAccountFileSystem;
  /** A token source to share; default one made for `serviceAccountDirectory`, used for `https://` only. */
  readonly tokenSource?: ServiceAccountTokenSource;
  /** Give up on a request when no byte arrives for this long (a half-open connection); default 30 000 ms. */
  readonly requestTimeoutMs?: number;
  /** Cancels the request or the watch. */
  readonly signal?: AbortSignal;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const USER_AGENT = 'kube-downward';

function statusCode(status: number): KubernetesApiErrorCode {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 410) return 'GONE';
  if (status === 429 || status >= 500) return 'SERVER_ERROR';
  return 'HTTP_ERROR';
}

/** The parts of a metav1.Status body kube-downward uses. */
export interface ApiStatus {
  readonly code?: number;
  readonly reason?: string;
  readonly message?: string;
}

/** A Status (from a response body or a watch ERROR event) as an error, with what to do for the common cases. */
export function statusError(url: string, status: number, body: ApiStatus | undefined, advice: (code: KubernetesApiErrorCode) => string): KubernetesApiError {
  const code = statusCode(status);
  const said = body?.message === undefined ? '' : `: ${body.message}`;
  return new KubernetesApiError({
    code,
    url,
    status,
    ...(body?.reason === undefined ? {} : { reason: body.reason }),
    message: `GET ${url} failed with ${status}${said}. ${advice(code)}`,
  });
}

function parseJson(text: string, url: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const shown = text.length > 80 ? `${text.slice(0, 79)}…` : text;
    throw new KubernetesApiError({ code: 'BAD_RESPONSE', url, message: `GET ${url} answered with text that is not JSON (${JSON.stringify(shown)}); is apiServerUrl the API server?`, cause: error });
  }
}

function asStatus(value: unknown): ApiStatus | undefined {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Status' ? (value as ApiStatus) : undefined;
}

/** A connection-level failure (reset, refused, TLS) as an error; an abort stays the AbortSignal's reason. */
function connectionError(url: string, error: unknown): unknown {
  if (error instanceof KubernetesApiError) return error;
  if (error instanceof Error && error.name === 'AbortError') return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new KubernetesApiError({ code: 'CONNECTION', url, message: `GET ${url} failed: ${detail}. The connection is retried.`, cause: error });
}

function timeoutError(url: string, ms: number): KubernetesApiError {
  return new KubernetesApiError({ code: 'TIMEOUT', url, message: `GET ${url}: no byte arrived for ${ms} ms; the connection is taken as dead (half-open) and retried.` });
}

interface Transport {
  readonly request: typeof http.request;
  readonly agent: http.Agent;
}

/** One API server, reached through one keep-alive agent. */
export class ApiClient {
  #transport: Promise<Transport> | undefined;
  readonly #ca: string | undefined;
  readonly #base: URL;
  readonly #tokens: ServiceAccountTokenSource | undefined;
  readonly #timeoutMs: number;

  constructor(
    options: ApiServerOptions,
    private readonly advice: (code: KubernetesApiErrorCode) => string,
  ) {
    const env = options.env ?? process.env;
    const url = options.apiServerUrl ?? apiServerUrlFromEnv(env);
    if (url === undefined) {
      throw new KubernetesApiError({
        code: 'NO_API_SERVER',
        message: 'No API server: apiServerUrl is not given and KUBERNETES_SERVICE_HOST or KUBERNETES_SERVICE_PORT is unset. Outside a pod, pass apiServerUrl (for example http://localhost:8001 behind kubectl proxy).',
      });
    }
    let base: URL;
    try {
      base = new URL(url);
    } catch (error) {
      throw new TypeError(`apiServerUrl must be an http:// or https:// URL, not ${JSON.stringify(url)}`, { cause: error });
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new TypeError(`apiServerUrl must be an http:// or https:// URL, not ${JSON.stringify(url)}`);
    this.#base = base;
    this.#timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (!(this.#timeoutMs > 0)) throw new RangeError(`requestTimeoutMs must be a positive number, not ${String(options.requestTimeoutMs)}`);
    if (base.protocol === 'https:') {
      const sourceOptions = {
        ...(options.serviceAccountDirectory === undefined ? {} : { serviceAccountDirectory: options.serviceAccountDirectory }),
        ...(options.fs === undefined ? {} : { fs: options.fs }),
      };
      this.#tokens = options.tokenSource ?? createServiceAccountTokenSource(sourceOptions);
      this.#ca = readAccountFile(options.fs ?? (nodeFs as ServiceAccountFileSystem), this.#tokens.directory, 'ca.crt');
    } else {
      this.#tokens = undefined;
      this.#ca = undefined;
    }
  }

  #connect(): Promise<Transport> {
    this.#transport ??=
      this.#ca === undefined
        ? import('node:http').then(({ request, Agent }) => ({ request, agent: new Agent({ keepAlive: true }) }))
        : import('node:https').then(({ request, Agent }) => ({ request, agent: new Agent({ keepAlive: true, ca: this.#ca }) }));
    return this.#transport;
  }

  /** The URL of an API path (query included), as errors show it. */
  url(path: string): string {
    return new URL(path, this.#base).toString();
  }

  /** GET a JSON document. */
  async getJson(path: string, signal: AbortSignal | undefined): Promise<unknown> {
    const { response, request } = await this.#open(path, signal);
    const url = this.url(path);
    let text = '';
    for await (const chunk of this.#chunks(response, request, url, signal)) text += chunk;
    return parseJson(text, url);
  }

  /** GET a watch: one JSON value per line of the chunked body, until the server ends it. */
  async *stream(path: string, signal: AbortSignal | undefined): AsyncGenerator<unknown> {
    const { response, request } = await this.#open(path, signal);
    const url = this.url(path);
    let buffer = '';
    try {
      for await (const chunk of this.#chunks(response, request, url, signal)) {
        buffer += chunk;
        for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
          const line = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          if (line !== '') yield parseJson(line, url);
        }
      }
      if (buffer.trim() !== '') yield parseJson(buffer, url);
    } finally {
      // A watch left early cannot go back to the pool mid-body.
      if (!response.complete) request.destroy();
    }
  }

  close(): void {
    void this.#transport?.then(({ agent }) => agent.destroy());
  }

  /** The body's chunks as text, with the idle timer armed only while waiting for the next one. */
  async *#chunks(response: http.IncomingMessage, request: http.ClientRequest, url: string, signal: AbortSignal | undefined): AsyncGenerator<string> {
    response.setEncoding('utf8');
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      timer = setTimeout(() => {
        timedOut = true;
        request.destroy();
      }, this.#timeoutMs);
    };
    const iterator = response[Symbol.asyncIterator]();
    try {
      for (;;) {
        arm();
        let next: IteratorResult<string>;
        try {
          next = (await iterator.next()) as IteratorResult<string>;
        } catch (error) {
          if (signal?.aborted === true) throw signal.reason;
          throw timedOut ? timeoutError(url, this.#timeoutMs) : connectionError(url, error);
        } finally {
          clearTimeout(timer);
        }
        if (timedOut) throw timeoutError(url, this.#timeoutMs);
        if (next.done === true) break;
        yield next.value;
      }
    } finally {
      clearTimeout(timer);
    }
    if (!response.complete) throw connectionError(url, new Error('the response ended before its last chunk'));
  }

  /** Sends the GET; a 401 over https reads the token again and retries once. */
  async #open(path: string, signal: AbortSignal | undefined) {
    try {
      return await this.#send(path, signal);
    } catch (error) {
      if (!(error instanceof KubernetesApiError) || error.code !== 'UNAUTHORIZED' || this.#tokens === undefined) throw error;
      this.#tokens.refresh();
      return this.#send(path, signal);
    }
  }

  async #send(path: string, signal: AbortSignal | undefined): Promise<{ response: http.IncomingMessage; request: http.ClientRequest }> {
    const url = this.url(path);
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': USER_AGENT };
    if (this.#tokens !== undefined) headers['Authorization'] = `Bearer ${this.#tokens.current().reveal()}`;
    const { request: send, agent } = await this.#connect();
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const request = send(url, { method: 'GET', headers, agent });
      // Not the request's own signal option: that one stays attached after the response ends and destroys the
      // socket in the agent's pool, where nothing listens for the error.
      const abort = () => request.destroy();
      signal?.addEventListener('abort', abort, { once: true });
      request.once('close', () => signal?.removeEventListener('abort', abort));
      const timer = setTimeout(() => {
        timedOut = true;
        request.destroy();
      }, this.#timeoutMs);
      request.on('error', (error) => {
        clearTimeout(timer);
        reject(signal?.aborted === true ? signal.reason : timedOut ? timeoutError(url, this.#timeoutMs) : connectionError(url, error));
      });
      request.on('response', (response) => {
        clearTimeout(timer);
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve({ response, request });
          return;
        }
        let text = '';
        (async () => {
          for await (const chunk of this.#chunks(response, request, url, signal)) text += chunk;
        })().then(
          () => {
            let body: ApiStatus | undefined;
            try {
              body = asStatus(JSON.parse(text));
            } catch {
              body = undefined; // a proxy's own error page: the status alone tells
            }
            reject(statusError(url, status, body, this.advice));
          },
          reject,
        );
      });
      request.end();
    });
  }
}
