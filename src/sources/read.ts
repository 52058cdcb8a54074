import { nodeFs } from '../builtins.js';
import { NotInKubernetesError, problem, type DownwardApiProblem } from '../errors.js';
import { checkDns1123Subdomain } from '../format/names.js';
import { readEnv, type Env } from './env.js';
import { assemblePodMetadata, type PodMetadata, type Reading } from './pod-metadata.js';
import { defaultSpec, defineSpec, type DownwardApiSpec } from '../spec/spec.js';
import { readVolume, runAsync, runSync, type VolumeFileSystem, type VolumeRead } from './volume.js';

/**
 * Options of {@link readPodMetadataSync} and {@link readPodMetadata}.
 *
 * @example
 * ```ts
 * import type { ReadPodMetadataOptions } from 'kube-downward';
 *
 * const options: ReadPodMetadataOptions = { env: { POD_NAME: 'web-0', POD_NAMESPACE: 'shop' }, volume: '/etc/podinfo' };
 * ```
 * @public
 */
export interface ReadPodMetadataOptions {
  /** The environment to read; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** What to read and where from; default {@link defaultSpec}. Validated with {@link defineSpec}. */
  readonly spec?: DownwardApiSpec;
  /**
   * The directory where the downwardAPI volume is mounted. Default: `KUBE_DOWNWARD_VOLUME` of `env`, else the
   * spec's `volume.mountPath` (`/etc/downward` in the default spec). A volume named by this option or by
   * `KUBE_DOWNWARD_VOLUME` must exist; the spec's default mount path may be absent (a pod with env vars only).
   */
  readonly volume?: string;
  /** The file system to read the volume from; default `node:fs`. Unit tests pass memfs's `fs`. */
  readonly fs?: VolumeFileSystem;
  /**
   * Files larger than this are refused, not read; default 1,052,672 bytes (1 MiB + 4 KiB), just above the largest
   * annotations file the kubelet can write for a valid pod (1,048,797 bytes).
   */
  readonly maxFileBytes?: number;
  /**
   * Whether every entry of the spec not marked `optional` must be present. When false, an absent env var or
   * volume file is left out of the snapshot and only the values that are present are validated. Default: false
   * with the default spec, which reads whatever the pod provides; true with a spec of your own, which declares
   * what the pod has. `kube-downward check` reads strictly.
   */
  readonly strict?: boolean;
  /**
   * Whether to fill in what the Downward API does not give: the namespace from the service account's `namespace`
   * file, and the pod name from `HOSTNAME` when nothing better exists. `sources` marks such values
   * `fallback: true`. Default: true with the default spec, false with a spec of your own.
   */
  readonly fallbacks?: boolean;
  /**
   * Where the service account's files are mounted, read through `fs`; default
   * `/var/run/secrets/kubernetes.io/serviceaccount`.
   */
  readonly serviceAccountDirectory?: string;
}

// The largest file the kubelet writes for a valid pod is the annotations file. The API server bounds annotation
// keys plus values at 262,144 bytes in total (TotalAnnotationSizeLimitB); Go's quoting writes a value byte as at
// most 4 bytes (\x01; a 2-byte rune such as U+00A0 becomes \u00a0, 3x; a 4-byte one \U000e0001, 2.5x), and a key
// as itself. A line is key + `="` + quoted value + `"`, lines joined by \n. Each entry with a 1-byte key turns one
// byte of the budget (worth 4 in a value) into 1 + 3 + 1 bytes, so the worst case uses all 62 one-byte keys
// [0-9A-Za-z] and spends the rest on \x01:
//   62 x (1 + 3) + 4 x (262,144 - 62)                            = 1,048,576
// plus the kubelet's own entries, outside the budget (config.hash is inside it for static pods; counted anyway):
//   kubernetes.io/config.seen="<RFC 3339 with ns and offset, 35>"  =        63
//   kubernetes.io/config.source="file"                             =        34
//   kubernetes.io/config.hash="<32 hex digits>"                    =        60
//   64 newlines between 65 lines                                   =        64
//                                                                   = 1,048,797
// The default bound is the next 4 KiB above it.
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024 + 4096;
/** Where the kubelet mounts the service account's token, CA bundle and namespace. */
export const SERVICE_ACCOUNT_DIRECTORY = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A read, resolved once from the options: what to read, where, and with what. */
export interface Plan {
  readonly spec: DownwardApiSpec;
  readonly env: Env;
  readonly fs: VolumeFileSystem;
  readonly volume: { readonly dir: string; readonly explicit: boolean } | undefined;
  readonly maxFileBytes: number;
  readonly strict: boolean;
  /** The service account directory to take fallbacks from, or undefined when fallbacks are off. */
  readonly serviceAccount: string | undefined;
}

export function plan(options: ReadPodMetadataOptions): Plan {
  const spec = defineSpec(options.spec ?? defaultSpec);
  const env: Env = options.env ?? process.env;
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (!Number.isSafeInteger(maxFileBytes) || maxFileBytes < 1) {
    throw new RangeError(`maxFileBytes must be a positive integer, not ${String(options.maxFileBytes)}`);
  }
  const named = options.volume ?? env['KUBE_DOWNWARD_VOLUME'];
  const volume =
    spec.volume === undefined
      ? undefined
      : named !== undefined && named !== ''
        ? { dir: named, explicit: true }
        : { dir: spec.volume.mountPath, explicit: false };
  const ownSpec = options.spec !== undefined && options.spec !== defaultSpec;
  const serviceAccount = options.serviceAccountDirectory ?? SERVICE_ACCOUNT_DIRECTORY;
  return {
    spec,
    env,
    fs: options.fs ?? (nodeFs as VolumeFileSystem),
    volume,
    maxFileBytes,
    strict: options.strict ?? ownSpec,
    serviceAccount: (options.fallbacks ?? !ownSpec) ? serviceAccount : undefined,
  };
}

/** Reads env and volume as planned, through the file system's promise API. */
export async function readPlanned(p: Plan): Promise<PodMetadata> {
  const found = gather(p, p.volume === undefined ? undefined : await runAsync(volumeRequest(p), p.fs));
  const namespace = needsServiceAccount(p, found) ? namespaceFile(await runAsync(namespaceRequest(p), p.fs)) : undefined;
  return finish(p, found, namespace);
}

function readPlannedSync(p: Plan): PodMetadata {
  const found = gather(p, p.volume === undefined ? undefined : runSync(volumeRequest(p), p.fs));
  const namespace = needsServiceAccount(p, found) ? namespaceFile(runSync(namespaceRequest(p), p.fs)) : undefined;
  return finish(p, found, namespace);
}

function volumeRequest(p: Plan) {
  return readVolume(p.volume?.dir ?? '', p.spec.volume?.items ?? [], { maxFileBytes: p.maxFileBytes });
}

/** What env and volume gave, before fallbacks: readings, problems, and the entries strict reading requires. */
interface Found {
  readonly readings: Reading[];
  readonly problems: DownwardApiProblem[];
  /** The absent entries that are not marked optional: problems when strict, and the evidence of NOT_IN_KUBERNETES. */
  readonly missing: DownwardApiProblem[];
  readonly volumePresent: boolean;
}

function gather(p: Plan, volume: VolumeRead | undefined): Found {
  const { readings: envReadings, missing } = readEnv(p.spec, p.env);
  const problems: DownwardApiProblem[] = [];
  const readings: Reading[] = [];
  if (volume?.present === true) {
    readings.push(...volume.readings);
    // An absent file of a volume that is there is one the pod did not ask for: only strict reading requires it.
    problems.push(...(p.strict ? volume.problems : volume.problems.filter((found) => found.code !== 'MISSING')));
  } else if (p.volume?.explicit === true) {
    problems.push(
      problem('MISSING', { kind: 'file', path: p.volume.dir }, undefined, 'an existing directory', 'Mount the downwardAPI volume there, or point the volume option (or KUBE_DOWNWARD_VOLUME) at its mount path.'),
    );
  }
  // Files first: for labels, annotations and resources the volume holds the current value, env the one at start.
  readings.push(...envReadings);
  return { readings, problems, missing, volumePresent: volume?.present === true };
}

const gives = (found: Found, field: 'name' | 'namespace') =>
  found.readings.some(({ target }) => target.kind === 'scalar' && target.field === field);

/** The service account's namespace file is read for the namespace, and as evidence of a pod when nothing else is. */
function needsServiceAccount(p: Plan, found: Found): boolean {
  return p.serviceAccount !== undefined && !gives(found, 'namespace');
}

/** The service account's mount is written by the same atomic writer as a downwardAPI volume, and read the same way. */
const NAMESPACE_ITEM = { path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } } as const;

/**
 * The service account's `namespace` file, or undefined when there is none. It is a fallback: a file that cannot
 * be read (absent, not a regular file, too large, permission denied) is treated as absent.
 */
function namespaceFile(read: VolumeRead): Reading | undefined {
  const reading = read.present && read.problems.length === 0 ? read.readings[0] : undefined;
  return reading === undefined ? undefined : { ...reading, fallback: true };
}

function namespaceRequest(p: Plan) {
  return readVolume(p.serviceAccount ?? '', [NAMESPACE_ITEM], { maxFileBytes: p.maxFileBytes });
}

/** Adds the fallbacks to what was found, tells a pod from a process outside Kubernetes, and builds the snapshot. */
function finish(p: Plan, found: Found, namespace: Reading | undefined): PodMetadata {
  const { readings, missing } = found;
  const problems = p.strict ? [...found.problems, ...missing] : found.problems;
  const inPod = p.env['KUBERNETES_SERVICE_HOST'] !== undefined || namespace !== undefined;
  if (readings.length === 0 && !found.volumePresent && !inPod && (missing.length > 0 || !p.strict)) {
    throw new NotInKubernetesError({
      code: 'NOT_IN_KUBERNETES',
      summary:
        'Not running in Kubernetes: none of the Downward API env vars of the spec is set, its volume is absent, and so are KUBERNETES_SERVICE_HOST and the service account. ' +
        'Outside a pod, pass `env` and `volume` (kube-downward/testing writes both: downwardEnv() and createDownwardVolume()), set KUBE_DOWNWARD_VOLUME to a directory of Downward API files, or catch NotInKubernetesError.',
      problems: [...found.problems, ...missing],
    });
  }
  const all = namespace === undefined ? [...readings] : [...readings, namespace];
  const hostname = p.env['HOSTNAME'];
  // HOSTNAME is the pod's name unless the pod sets spec.hostname or uses the node's network: a last resort, and
  // skipped when it is not even a valid name.
  if (p.serviceAccount !== undefined && !gives(found, 'name') && hostname !== undefined && checkDns1123Subdomain(hostname) === undefined) {
    all.push({ target: { kind: 'scalar', field: 'name' }, raw: hostname, source: { kind: 'env', name: 'HOSTNAME' }, fallback: true });
  }
  return assemblePodMetadata(all, problems);
}

/**
 * Reads the pod's identity, labels, annotations and its container's resources from Downward API env vars and the
 * downwardAPI volume, validated, as one frozen snapshot.
 *
 * @remarks
 * Every volume file comes from one generation: `..data` is resolved once and every file is read from the directory
 * it points to, again from the start if the kubelet swaps it mid-read. A plain directory without `..data` works
 * too. Where env and volume both give a label, annotation or resource, the volume's value is the current one and
 * wins (env values are fixed when the container starts); for name, namespace and uid they must agree. Loads
 * neither RxJS, a file watcher, a YAML parser nor zod (zod validates a spec of your own, on first use).
 *
 * With the default spec it reads what the pod provides: an absent env var or file is left out, the namespace falls
 * back to the service account's `namespace` file and the name to `HOSTNAME`, and `sources` says where each value
 * came from. Pass `strict: true` to require every entry the spec does not mark optional.
 *
 * @param options - The env, the volume directory, the spec; all have defaults.
 * @returns The snapshot.
 * @throws {@link NotInKubernetesError} when none of the spec's env vars is set, its volume is absent, and neither
 * `KUBERNETES_SERVICE_HOST` nor the service account's `namespace` file is there: the process is not running in
 * Kubernetes.
 * @throws {@link DownwardApiError} with code `INVALID_METADATA` listing every unreadable or invalid value (and, when
 * strict, every missing one), or `INVALID_SPEC` for a spec the API server would reject.
 *
 * @example
 * ```ts
 * import { readPodMetadataSync } from 'kube-downward';
 *
 * const meta = readPodMetadataSync({
 *   env: { POD_NAME: 'downward', POD_NAMESPACE: 'default', POD_IP: '10.0.0.10',
 *          NODE_NAME: 'node-1', SERVICE_ACCOUNT: 'default',
 *          CONTAINER_CPU_REQUEST_MILLICORES: '15', CONTAINER_MEMORY_LIMIT_KIBIBYTES: '4096' },
 * });
 * console.log(meta.resources['requests.cpu']?.millicores); // 15n
 * console.log(meta.resources['limits.memory']?.bytes); // 4194304n
 * ```
 * @public
 */
export function readPodMetadataSync(options: ReadPodMetadataOptions = {}): PodMetadata {
  return readPlannedSync(plan(options));
}

/**
 * The promise form of {@link readPodMetadataSync}: the same options, result and errors, with the volume read through
 * the file system's promise API.
 *
 * @example
 * ```ts
 * import { readPodMetadata, isNotInKubernetesError } from 'kube-downward';
 *
 * const meta = await readPodMetadata().catch((error) => {
 *   if (isNotInKubernetesError(error)) return undefined; // local development
 *   throw error;
 * });
 * ```
 * @public
 */
export async function readPodMetadata(options: ReadPodMetadataOptions = {}): Promise<PodMetadata> {
  return readPlanned(plan(options));
}
