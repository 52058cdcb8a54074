/**
 * Stable codes carried by {@link DownwardApiError} and by each {@link DownwardApiProblem}.
 *
 * @remarks
 * The error's own code says what failed as a whole; each problem's code says which rule one value broke.
 *
 * - `INVALID_METADATA`: one or more values read from the pod did not pass Kubernetes' rules (see `problems`).
 * - `NOT_IN_KUBERNETES`: none of the Downward API sources the spec names exist: the process is not running in a
 *   pod set up for this spec (see {@link NotInKubernetesError}).
 * - `INVALID_SPEC`: the spec itself would be rejected by the API server.
 * - `INVALID_QUANTITY`: a text is not a Kubernetes quantity.
 * - `INVALID_DIVISOR`: a `resourceFieldRef` divisor the API server does not allow for its resource.
 * - `MISSING`: a required env var or file is absent.
 * - `INVALID_NAME`: a name breaks the DNS-1123 rules or a label key breaks the qualified-name rules.
 * - `INVALID_LABEL_VALUE`: a label value breaks the label-value rules.
 * - `INVALID_UID`: a uid is empty or malformed.
 * - `INVALID_IP`: not an IPv4 or IPv6 address in the form Kubernetes writes.
 * - `IP_LIST_MISMATCH`: `podIPs`/`hostIPs` do not start with `podIP`/`hostIP`.
 * - `INVALID_RESOURCE_VALUE`: a resource value is not the non-negative integer the kubelet writes.
 * - `CONFLICT`: two sources give the same field different values.
 * - `FILE_TOO_LARGE`: a volume file is larger than the bound (`maxFileBytes`); it was not read.
 * - `WATCH_FALLBACK`: file events are unavailable (inotify limits, permissions); the watch polls instead.
 * - `NOT_WATCHABLE`: a wait for a snapshot cannot succeed: no snapshot matched and nothing can change any more.
 * - `SUBPATH_MOUNT`: the volume is mounted with `subPath`, which the kubelet never updates.
 * - `VOLUME_UNREADABLE`: the volume or one of its files cannot be read (permission denied, not a directory, not a
 *   regular file, or rewritten faster than it could be read).
 * - `UNSAFE_LINK`: `..data` does not name a directory beside it, or a link sits where the kubelet writes a file;
 *   it was not followed.
 * - `INVALID_MAP`: a labels or annotations file is not in the kubelet's format (see `problems`).
 * - `MISSING_SEPARATOR`: a line of that file has no `=`.
 * - `UNQUOTED_VALUE`: a value does not start with `"`.
 * - `INVALID_ESCAPE`: a value holds an escape Go's `strconv.Unquote` rejects.
 * - `UNTERMINATED_QUOTE`: a value's closing `"` is missing, or text follows it.
 * - `DUPLICATE_KEY`: a key appears on two lines.
 *
 * @example
 * ```ts
 * import { readPodMetadataSync, isDownwardApiError } from 'kube-downward';
 *
 * try {
 *   readPodMetadataSync({ env: { POD_NAME: 'Bad_Name' } });
 * } catch (error) {
 *   if (isDownwardApiError(error) && error.code === 'INVALID_METADATA') {
 *     console.log(error.problems.map((p) => p.code)); // includes 'INVALID_NAME'
 *   }
 * }
 * ```
 * @public
 */
export type DownwardApiErrorCode =
  | 'INVALID_METADATA'
  | 'NOT_IN_KUBERNETES'
  | 'INVALID_SPEC'
  | 'INVALID_QUANTITY'
  | 'INVALID_DIVISOR'
  | 'MISSING'
  | 'INVALID_NAME'
  | 'INVALID_LABEL_VALUE'
  | 'INVALID_UID'
  | 'INVALID_IP'
  | 'IP_LIST_MISMATCH'
  | 'INVALID_RESOURCE_VALUE'
  | 'CONFLICT'
  | 'FILE_TOO_LARGE'
  | 'VOLUME_UNREADABLE'
  | 'UNSAFE_LINK'
  | 'WATCH_FALLBACK'
  | 'SUBPATH_MOUNT'
  | 'NOT_WATCHABLE'
  | 'INVALID_MAP'
  | 'MISSING_SEPARATOR'
  | 'UNQUOTED_VALUE'
  | 'INVALID_ESCAPE'
  | 'UNTERMINATED_QUOTE'
  | 'DUPLICATE_KEY';

/**
 * Where a problem was found.
 *
 * @remarks
 * `env`: an environment variable, by name. `file`: a file of the downwardAPI volume, with the 1-based line and
 * column where the text is at fault. `spec`: a path inside the spec (for example `env[3].valueFrom.fieldRef`).
 * `argument`: a value passed directly to a function such as {@link parseQuantity}.
 *
 * @example
 * ```ts
 * import type { DownwardApiSource } from 'kube-downward';
 *
 * const source: DownwardApiSource = { kind: 'env', name: 'POD_IP' };
 * ```
 * @public
 */
export type DownwardApiSource =
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'file'; readonly path: string; readonly line?: number; readonly column?: number }
  | { readonly kind: 'spec'; readonly path: string }
  | { readonly kind: 'argument'; readonly name: string };

/**
 * One broken rule: which source, what value, which rule, and what to do about it.
 *
 * @example
 * ```ts
 * import { readPodMetadataSync, isDownwardApiError } from 'kube-downward';
 *
 * try {
 *   readPodMetadataSync({ env: { POD_NAME: 'web', POD_NAMESPACE: 'default', POD_IP: '10.0.0.300' } });
 * } catch (error) {
 *   if (isDownwardApiError(error)) {
 *     for (const problem of error.problems) console.log(problem.source, problem.value, problem.rule, problem.hint);
 *   }
 * }
 * ```
 * @public
 */
export interface DownwardApiProblem {
  /** Which rule was broken, as a stable code. */
  readonly code: DownwardApiErrorCode;
  /** Where the value came from. */
  readonly source: DownwardApiSource;
  /** The offending value, shortened to at most 80 characters; absent when the value itself is missing. */
  readonly value?: string;
  /** The rule, in words (for example `a DNS-1123 subdomain: lower-case alphanumerics, '-' and '.'`). */
  readonly rule: string;
  /** What to do about it. */
  readonly hint: string;
}

const MAX_VALUE_LENGTH = 80;

/** The `code` of a Node.js system error (`ENOENT`, `EACCES`, ...), from node:fs or memfs alike. */
export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

/** Keeps error messages readable when a value is an entire JSON document. */
export function shorten(value: string): string {
  return value.length <= MAX_VALUE_LENGTH ? value : `${value.slice(0, MAX_VALUE_LENGTH - 1)}…`;
}

/** The problem with its value shortened and an absent value left out, as every constructor wants it. */
export function problem(
  code: DownwardApiErrorCode,
  source: DownwardApiSource,
  value: string | undefined,
  rule: string,
  hint: string,
): DownwardApiProblem {
  return value === undefined ? { code, source, rule, hint } : { code, source, value: shorten(value), rule, hint };
}

/** The source as messages name it: `env POD_IP`, `file /etc/downward/labels:3:7`, `spec env[0].name`. */
export function describeSource(source: DownwardApiSource): string {
  switch (source.kind) {
    case 'env':
      return `env ${source.name}`;
    case 'file': {
      const at = source.line === undefined ? '' : `:${source.line}${source.column === undefined ? '' : `:${source.column}`}`;
      return `file ${source.path}${at}`;
    }
    case 'spec':
      return `spec ${source.path}`;
    case 'argument':
      return source.name;
  }
}

function describeProblem(p: DownwardApiProblem): string {
  const value = p.value === undefined ? '' : ` = ${JSON.stringify(p.value)}`;
  return `${describeSource(p.source)}${value}: [${p.code}] must be ${p.rule}. ${p.hint}`;
}

/**
 * Options of the {@link DownwardApiError} constructor.
 *
 * @example
 * ```ts
 * import { DownwardApiError } from 'kube-downward';
 *
 * const error = new DownwardApiError({ code: 'INVALID_SPEC', summary: 'the spec is invalid', problems: [] });
 * ```
 * @public
 */
export interface DownwardApiErrorOptions {
  /** The error's code. */
  readonly code: DownwardApiErrorCode;
  /** One line saying what failed as a whole. */
  readonly summary: string;
  /** Every problem found; the message lists them all. */
  readonly problems: readonly DownwardApiProblem[];
  /** The underlying error, if any (for example an `ENOENT` from the file system). */
  readonly cause?: unknown;
}

/**
 * The one error type of kube-downward: a stable `code`, and every problem found (never only the first).
 *
 * @remarks
 * Each problem names its source (env var, file with line and column, spec path), the offending value, the rule it
 * broke and a hint. Invalid options passed to functions throw the built-in `TypeError` or `RangeError` instead.
 *
 * @example
 * ```ts
 * import { parseQuantity, DownwardApiError } from 'kube-downward';
 *
 * try {
 *   parseQuantity('1K');
 * } catch (error) {
 *   if (error instanceof DownwardApiError) console.log(error.code); // 'INVALID_QUANTITY'
 * }
 * ```
 * @public
 */
export class DownwardApiError extends Error {
  /** `DownwardApiError`, or the subclass's name; {@link isDownwardApiError} relies on it across package copies. */
  override readonly name: string = 'DownwardApiError';
  /** What failed as a whole. */
  readonly code: DownwardApiErrorCode;
  /** Every problem found, in the order of the spec. */
  readonly problems: readonly DownwardApiProblem[];

  constructor(options: DownwardApiErrorOptions) {
    const lines = options.problems.map((p) => `\n  - ${describeProblem(p)}`).join('');
    super(`${options.summary}${lines}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.problems = Object.freeze([...options.problems]);
  }
}

/**
 * Thrown when none of the env vars or files the spec names exist and nothing else says the process runs in a pod
 * (`KUBERNETES_SERVICE_HOST`, the service account's `namespace` file): local development or a unit test.
 *
 * @remarks
 * Catch it to fall back to local defaults, or pass `env` and `volume` options (`kube-downward/testing` writes both:
 * `downwardEnv()` and `createDownwardVolume()`). Its `problems` list the entries a pod of the spec would have set.
 *
 * @example
 * ```ts
 * import { readPodMetadataSync, isNotInKubernetesError } from 'kube-downward';
 *
 * let podName = 'local';
 * try {
 *   podName = readPodMetadataSync({ env: {} }).name ?? podName;
 * } catch (error) {
 *   if (!isNotInKubernetesError(error)) throw error;
 * }
 * ```
 * @public
 */
export class NotInKubernetesError extends DownwardApiError {
  /** Always `NotInKubernetesError`. */
  override readonly name: string = 'NotInKubernetesError';
  /** Always `NOT_IN_KUBERNETES`. */
  declare readonly code: 'NOT_IN_KUBERNETES';
}

/**
 * True when `error` is a {@link DownwardApiError}, also across copies of this package loaded twice.
 *
 * @example
 * ```ts
 * import { isDownwardApiError, parseQuantity } from 'kube-downward';
 *
 * try { parseQuantity(''); } catch (error) { console.log(isDownwardApiError(error)); } // true
 * ```
 * @public
 */
export function isDownwardApiError(error: unknown): error is DownwardApiError {
  return (
    error instanceof DownwardApiError ||
    (error instanceof Error && (error.name === 'DownwardApiError' || error.name === 'NotInKubernetesError'))
  );
}

/**
 * True when `error` is a {@link NotInKubernetesError}, also across copies of this package loaded twice.
 *
 * @example
 * ```ts
 * import { isNotInKubernetesError, readPodMetadataSync } from 'kube-downward';
 *
 * try { readPodMetadataSync({ env: {} }); } catch (error) { console.log(isNotInKubernetesError(error)); } // true
 * ```
 * @public
 */
export function isNotInKubernetesError(error: unknown): error is NotInKubernetesError {
  return error instanceof NotInKubernetesError || (error instanceof Error && error.name === 'NotInKubernetesError');
}
