import { NotInKubernetesError } from './errors.js';
import { readEnv, type Env } from './env-source.js';
import { assemblePodMetadata, type PodMetadata } from './pod-metadata.js';
import { defaultSpec, defineSpec, type DownwardApiSpec } from './spec.js';

/**
 * Options of {@link readPodMetadataSync} and {@link readPodMetadata}.
 *
 * @example
 * ```ts
 * import { readPodMetadataSync, type ReadPodMetadataOptions } from 'kube-downward';
 *
 * const options: ReadPodMetadataOptions = { env: { POD_NAME: 'web-0', POD_NAMESPACE: 'shop' } };
 * ```
 * @public
 */
export interface ReadPodMetadataOptions {
  /** The environment to read; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** What to read and where from; default {@link defaultSpec}. Validated with {@link defineSpec}. */
  readonly spec?: DownwardApiSpec;
}

/**
 * Reads the pod's identity and its container's resources from Downward API env vars, validated, as one frozen
 * snapshot.
 *
 * @remarks
 * Env values are fixed when the container starts, so this is cheap to call once at start-up. It loads neither RxJS
 * nor a file watcher.
 *
 * @param options - The env to read and the spec; both have defaults.
 * @returns The snapshot.
 * @throws {@link NotInKubernetesError} when none of the spec's env vars is set and `KUBERNETES_SERVICE_HOST` is
 * absent: the process is not running in Kubernetes.
 * @throws {@link DownwardApiError} with code `INVALID_METADATA` listing every missing or invalid value, or
 * `INVALID_SPEC` for a spec the API server would reject.
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
  const spec = defineSpec(options.spec ?? defaultSpec);
  const env: Env = options.env ?? process.env;
  const { readings, missing } = readEnv(spec, env);
  if (readings.length === 0 && missing.length > 0 && env['KUBERNETES_SERVICE_HOST'] === undefined) {
    throw new NotInKubernetesError({
      code: 'NOT_IN_KUBERNETES',
      summary:
        'Not running in Kubernetes: none of the Downward API env vars of the spec is set, nor is KUBERNETES_SERVICE_HOST. ' +
        'Outside a pod, pass `env` (for example the variables of fixtures/env/seed.env) or catch NotInKubernetesError.',
      problems: missing,
    });
  }
  return assemblePodMetadata(readings, missing);
}

/**
 * The promise form of {@link readPodMetadataSync}, with the same options, result and errors.
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
  return readPodMetadataSync(options);
}
