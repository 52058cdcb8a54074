// The cluster layer: the service account the kubelet mounts into every pod, the API server it talks to, and the
// pod read from there. May import errors, format, spec, sources and live; nothing below it imports this folder.
//
// This file: the service-account volume (token, ca.crt, namespace) and the token as the kubelet rotates it.

import type { FSWatcher } from 'node:fs';
import { join, nodeFs } from '../builtins.js';
import { DownwardApiError, errorCode, problem, type DownwardApiProblem } from '../errors.js';
import { checkDns1123Label } from '../format/names.js';
import { SERVICE_ACCOUNT_DIRECTORY } from '../sources/read.js';


const REDACTED = '[redacted]';

/**
 * A service-account token that keeps itself out of logs: `String()`, template literals, `JSON.stringify`,
 * `util.inspect` and `console.log` all show `[redacted]`. Only {@link ServiceAccountToken.reveal} gives the text.
 *
 * @example
 * ```ts
 * import { ServiceAccountToken } from 'kube-downward';
 *
 * const token = new ServiceAccountToken('eyJhbGciOi...');
 * console.log(`${token}`, JSON.stringify({ token })); // [redacted] {"token":"[redacted]"}
 * const header = `Bearer ${token.reveal()}`;
 * ```
 * @public
 */
export class ServiceAccountToken {
  readonly #value: string;

  /** @param value - The token text, already trimmed. */
  constructor(value: string) {
    this.#value = value;
  }

  /** The token itself, for the `Authorization` header; never log it. */
  reveal(): string {
    return this.#value;
  }

  /** True when both hold the same text; compares without revealing either. */
  equals(other: ServiceAccountToken): boolean {
    return this.#value === other.#value;
  }

  /** Always `[redacted]`. */
  toString(): string {
    return REDACTED;
  }

  /** Always `[redacted]`, so `JSON.stringify` never writes the token. */
  toJSON(): string {
    return REDACTED;
  }

  /** What `util.inspect` and `console.log` show. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `ServiceAccountToken ${REDACTED}`;
  }
}

/**
 * The file-system calls the service-account reader makes: `node:fs` fits, and so does memfs's `fs`.
 *
 * @example
 * ```ts
 * import * as fs from 'node:fs';
 * import type { ServiceAccountFileSystem } from 'kube-downward';
 *
 * const files: ServiceAccountFileSystem = fs;
 * ```
 * @public
 */
export interface ServiceAccountFileSystem {
  /** `fs.readFileSync` with an encoding. */
  readFileSync(path: string, encoding: 'utf8'): string;
  /** `fs.statSync`; used only to tell whether files exist. */
  statSync(path: string): unknown;
}

/**
 * Options of {@link readServiceAccount} and {@link createServiceAccountTokenSource}.
 *
 * @example
 * ```ts
 * import type { ReadServiceAccountOptions } from 'kube-downward';
 *
 * const options: ReadServiceAccountOptions = { serviceAccountDirectory: '/var/run/secrets/kubernetes.io/serviceaccount' };
 * ```
 * @public
 */
export interface ReadServiceAccountOptions {
  /** Where the service account is mounted; default `/var/run/secrets/kubernetes.io/serviceaccount`. */
  readonly serviceAccountDirectory?: string;
  /** The environment holding `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT`; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The file system; default `node:fs`. */
  readonly fs?: ServiceAccountFileSystem;
}

/**
 * What the pod's service account gives: who it is (`namespace`, `token`), whom to trust (`caBundle`), and where
 * the API server is (`apiServerUrl`).
 *
 * @example
 * ```ts
 * import type { ServiceAccount } from 'kube-downward';
 *
 * function describe(account: ServiceAccount): string {
 *   return `${account.namespace} via ${account.apiServerUrl ?? 'no API server address'}`;
 * }
 * ```
 * @public
 */
export interface ServiceAccount {
  /** The directory read. */
  readonly directory: string;
  /** The pod's namespace, from the `namespace` file. */
  readonly namespace: string;
  /** The bearer token, trimmed; redacted when printed. */
  readonly token: ServiceAccountToken;
  /** The PEM bundle of the cluster's CA, from `ca.crt`. */
  readonly caBundle: string;
  /**
   * `https://` + `KUBERNETES_SERVICE_HOST` + `:` + `KUBERNETES_SERVICE_PORT` (an IPv6 host in brackets), or
   * undefined when either variable is unset.
   */
  readonly apiServerUrl: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The API server's URL as client-go's `rest.InClusterConfig` builds it, or undefined when the kubelet did not set
 * both variables (not in a pod).
 */
export function apiServerUrlFromEnv(env: Env): string | undefined {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (host === undefined || host === '' || port === undefined || port === '') return undefined;
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw new DownwardApiError({
      code: 'INVALID_METADATA',
      summary: 'The API server address in the environment is not usable.',
      problems: [problem('INVALID_METADATA', { kind: 'env', name: 'KUBERNETES_SERVICE_PORT' }, port, 'a TCP port from 1 to 65535', 'The kubelet sets it from the kubernetes Service; do not override it.')],
    });
  }
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function fail(summary: string, found: DownwardApiProblem, cause?: unknown): DownwardApiError {
  const code = found.code === 'MISSING' || found.code === 'VOLUME_UNREADABLE' ? found.code : 'INVALID_METADATA';
  return new DownwardApiError({ code, summary, problems: [found], ...(cause === undefined ? {} : { cause }) });
}

/** One file of the service-account volume; the message names the file, never its contents. */
export function readAccountFile(fs: ServiceAccountFileSystem, directory: string, file: string): string {
  const path = join(directory, file);
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw fail(
        `The service account's ${file} is missing.`,
        problem('MISSING', { kind: 'file', path }, undefined, 'an existing file', 'Mount the service account (automountServiceAccountToken must not be false), or point serviceAccountDirectory at it.'),
        error,
      );
    }
    throw fail(
      `The service account's ${file} cannot be read.`,
      problem('VOLUME_UNREADABLE', { kind: 'file', path }, code, 'a file this process may read', 'Run as a user that may read the projected volume (check fsGroup and the volume defaultMode).'),
      error,
    );
  }
}

/** Reads and checks the token as client-go does: trimmed, and an empty file is an error. */
function readToken(fs: ServiceAccountFileSystem, directory: string): ServiceAccountToken {
  const text = readAccountFile(fs, directory, 'token').trim();
  if (text === '') {
    throw fail(
      "The service account's token file is empty.",
      problem('MISSING', { kind: 'file', path: join(directory, 'token') }, undefined, 'a non-empty bearer token', 'The kubelet writes the token when the pod starts and rotates it; an empty file means the projection failed.'),
    );
  }
  return new ServiceAccountToken(text);
}

/** The `namespace` file: raw, trimmed as client-go trims it, and a DNS-1123 label. */
function readNamespaceFile(fs: ServiceAccountFileSystem, directory: string): string {
  const namespace = readAccountFile(fs, directory, 'namespace').trim();
  const broken = checkDns1123Label(namespace);
  if (broken !== undefined) {
    throw fail(
      "The service account's namespace file does not hold a namespace.",
      problem('INVALID_NAME', { kind: 'file', path: join(directory, 'namespace') }, namespace, broken, 'The kubelet writes the pod namespace there; check serviceAccountDirectory.'),
    );
  }
  return namespace;
}

/**
 * Reads the pod's service account: namespace, token, CA bundle, and the API server's URL from the environment.
 *
 * @remarks
 * Synchronous, like client-go's `rest.InClusterConfig`: three small files read once. The token rotates (the kubelet
 * requests it for about an hour and replaces it at about 80% of its life); for a process that lives longer, use
 * {@link createServiceAccountTokenSource}, which re-reads it.
 *
 * @param options - The directory, the environment and the file system; all have defaults.
 * @throws {@link DownwardApiError} with code `MISSING` when a file is absent or the token is empty,
 * `VOLUME_UNREADABLE` when a file cannot be read, `INVALID_METADATA` for a namespace or port that is not one.
 * Messages name the file, never the token.
 *
 * @example
 * ```ts
 * import { readServiceAccount, isDownwardApiError } from 'kube-downward';
 *
 * try {
 *   const account = readServiceAccount();
 *   console.log(account.namespace, account.apiServerUrl, account.token); // token prints as [redacted]
 * } catch (error) {
 *   if (!isDownwardApiError(error)) throw error; // no service account mounted here
 * }
 * ```
 * @public
 */
export function readServiceAccount(options: ReadServiceAccountOptions = {}): ServiceAccount {
  const fs = options.fs ?? (nodeFs as ServiceAccountFileSystem);
  const directory = options.serviceAccountDirectory ?? SERVICE_ACCOUNT_DIRECTORY;
  const token = readToken(fs, directory);
  return Object.freeze({
    directory,
    namespace: readNamespaceFile(fs, directory),
    token,
    caBundle: readAccountFile(fs, directory, 'ca.crt'),
    apiServerUrl: apiServerUrlFromEnv(options.env ?? process.env),
  });
}

/**
 * Options of {@link createServiceAccountTokenSource}.
 *
 * @example
 * ```ts
 * import type { ServiceAccountTokenSourceOptions } from 'kube-downward';
 *
 * const options: ServiceAccountTokenSourceOptions = { refreshIntervalMs: 50_000 };
 * ```
 * @public
 */
export interface ServiceAccountTokenSourceOptions extends Omit<ReadServiceAccountOptions, 'env'> {
  /**
   * How old the token read last may be before {@link ServiceAccountTokenSource.current} reads the file again, and
   * how often subscribers' polling re-reads it; default 50 000 ms, as client-go. 0 reads on every call.
   */
  readonly refreshIntervalMs?: number;
}

/**
 * The service account's token as the kubelet rotates it: {@link ServiceAccountTokenSource.current} always returns
 * a token no older than the refresh interval, and {@link ServiceAccountTokenSource.subscribe} tells when it changes.
 *
 * @remarks
 * A read that fails (the file gone mid-swap, empty, unreadable) keeps the last good token; the failure is in
 * {@link ServiceAccountTokenSource.lastError} until a read succeeds again.
 *
 * @example
 * ```ts
 * import { createServiceAccountTokenSource, isDownwardApiError } from 'kube-downward';
 *
 * try {
 *   const tokens = createServiceAccountTokenSource();
 *   const stop = tokens.subscribe(() => console.log('token rotated'));
 *   const header = `Bearer ${tokens.current().reveal()}`;
 *   stop();
 * } catch (error) {
 *   if (!isDownwardApiError(error)) throw error; // no service account mounted here
 * }
 * ```
 * @public
 */
export interface ServiceAccountTokenSource {
  /** The directory read. */
  readonly directory: string;
  /** The token; re-reads the file first when the last read is older than the refresh interval. */
  current(): ServiceAccountToken;
  /** Re-reads the file now (after a 401, say); returns the new token, or the last good one if the read failed. */
  refresh(): ServiceAccountToken;
  /** Why the last read failed, or undefined when it succeeded. */
  readonly lastError: DownwardApiError | undefined;
  /**
   * Calls `listener` with each new token: when the directory changes (the kubelet's `..data` swap) and, failing
   * events, at every refresh interval. Returns the function that unsubscribes.
   */
  subscribe(listener: (token: ServiceAccountToken) => void): () => void;
}

const DEFAULT_REFRESH_MS = 50_000;

class FileTokenSource implements ServiceAccountTokenSource {
  lastError: DownwardApiError | undefined;
  #token: ServiceAccountToken;
  #readAt: number;
  readonly #listeners = new Set<(token: ServiceAccountToken) => void>();
  #stop: (() => void) | undefined;

  constructor(
    readonly directory: string,
    private readonly fs: ServiceAccountFileSystem,
    private readonly refreshMs: number,
  ) {
    this.#token = readToken(fs, directory);
    this.#readAt = Date.now();
  }

  current(): ServiceAccountToken {
    return Date.now() - this.#readAt >= this.refreshMs ? this.refresh() : this.#token;
  }

  refresh(): ServiceAccountToken {
    this.#readAt = Date.now();
    let token: ServiceAccountToken;
    try {
      token = readToken(this.fs, this.directory);
    } catch (error) {
      if (!(error instanceof DownwardApiError)) throw error;
      this.lastError = error;
      return this.#token;
    }
    this.lastError = undefined;
    if (!token.equals(this.#token)) {
      this.#token = token;
      for (const listener of [...this.#listeners]) listener(token);
    }
    return this.#token;
  }

  subscribe(listener: (token: ServiceAccountToken) => void): () => void {
    this.#listeners.add(listener);
    if (this.#stop === undefined) this.#stop = this.#follow();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) {
        this.#stop?.();
        this.#stop = undefined;
      }
    };
  }

  /** Directory events catch the swap at once; the timer covers file systems that send none. */
  #follow(): () => void {
    const timer = setInterval(() => this.refresh(), Math.max(this.refreshMs, 10));
    timer.unref();
    let watcher: FSWatcher | undefined;
    if (this.fs === (nodeFs as ServiceAccountFileSystem)) {
      try {
        watcher = nodeFs.watch(this.directory, { persistent: false }, () => this.refresh());
        watcher.on('error', () => watcher?.close());
      } catch {
        watcher = undefined; // polling alone still follows the token
      }
    }
    return () => {
      clearInterval(timer);
      watcher?.close();
    };
  }
}

/**
 * Reads the service account's token and keeps it current as the kubelet rotates it.
 *
 * @param options - The directory, the file system and the refresh interval.
 * @returns The source; its first read has succeeded.
 * @throws {@link DownwardApiError} when the first read fails (see {@link readServiceAccount}); later failures keep
 * the last good token.
 *
 * @example
 * ```ts
 * import { createServiceAccountTokenSource } from 'kube-downward';
 *
 * const make = () => createServiceAccountTokenSource({ serviceAccountDirectory: '/var/run/secrets/kubernetes.io/serviceaccount' });
 * ```
 * @public
 */
export function createServiceAccountTokenSource(options: ServiceAccountTokenSourceOptions = {}): ServiceAccountTokenSource {
  const refreshMs = options.refreshIntervalMs ?? DEFAULT_REFRESH_MS;
  if (!Number.isFinite(refreshMs) || refreshMs < 0) throw new RangeError(`refreshIntervalMs must be a non-negative number, not ${String(refreshMs)}`);
  return new FileTokenSource(
    options.serviceAccountDirectory ?? SERVICE_ACCOUNT_DIRECTORY,
    options.fs ?? (nodeFs as ServiceAccountFileSystem),
    refreshMs,
  );
}
