import * as nodeFs from 'node:fs';
import { NotInKubernetesError, problem, type DownwardApiProblem } from '../errors.js';
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
  /** Files larger than this are refused, not read; default 1 MiB. */
  readonly maxFileBytes?: number;
}

const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/** A read, resolved once from the options: what to read, where, and with what. */
export interface Plan {
  readonly spec: DownwardApiSpec;
  readonly env: Env;
  readonly fs: VolumeFileSystem;
  readonly volume: { readonly dir: string; readonly explicit: boolean } | undefined;
  readonly maxFileBytes: number;
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
  return { spec, env, fs: options.fs ?? (nodeFs as VolumeFileSystem), volume, maxFileBytes };
}

/** Reads env and volume as planned, through the file system's promise API. */
export async function readPlanned(p: Plan): Promise<PodMetadata> {
  return finish(p, p.volume === undefined ? undefined : await runAsync(volumeRequest(p), p.fs));
}

function volumeRequest(p: Plan) {
  return readVolume(p.volume?.dir ?? '', p.spec.volume?.items ?? [], { maxFileBytes: p.maxFileBytes });
}

/** Merges what the volume and the env gave into one snapshot, or throws with every problem. */
function finish(p: Plan, volume: VolumeRead | undefined): PodMetadata {
  const { readings: envReadings, missing } = readEnv(p.spec, p.env);
  const problems: DownwardApiProblem[] = [];
  const readings: Reading[] = [];
  if (volume?.present === true) {
    readings.push(...volume.readings);
    problems.push(...volume.problems);
  } else if (p.volume?.explicit === true) {
    problems.push(
      problem('MISSING', { kind: 'file', path: p.volume.dir }, undefined, 'an existing directory', 'Mount the downwardAPI volume there, or point the volume option (or KUBE_DOWNWARD_VOLUME) at its mount path.'),
    );
  }
  // Files first: for labels, annotations and resources the volume holds the current value, env the one at start.
  readings.push(...envReadings);
  problems.push(...missing);
  if (readings.length === 0 && missing.length > 0 && p.env['KUBERNETES_SERVICE_HOST'] === undefined && volume?.present !== true) {
    throw new NotInKubernetesError({
      code: 'NOT_IN_KUBERNETES',
      summary:
        'Not running in Kubernetes: none of the Downward API env vars of the spec is set, its volume is absent, and so is KUBERNETES_SERVICE_HOST. ' +
        'Outside a pod, pass `env` (for example the variables of fixtures/env/seed.env) and `volume`, or catch NotInKubernetesError.',
      problems,
    });
  }
  return assemblePodMetadata(readings, problems);
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
 * neither RxJS nor a file watcher.
 *
 * @param options - The env, the volume directory, the spec; all have defaults.
 * @returns The snapshot.
 * @throws {@link NotInKubernetesError} when none of the spec's env vars is set, its volume is absent, and
 * `KUBERNETES_SERVICE_HOST` is absent: the process is not running in Kubernetes.
 * @throws {@link DownwardApiError} with code `INVALID_METADATA` listing every missing, unreadable or invalid value,
 * or `INVALID_SPEC` for a spec the API server would reject.
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
  const p = plan(options);
  return finish(p, p.volume === undefined ? undefined : runSync(volumeRequest(p), p.fs));
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
