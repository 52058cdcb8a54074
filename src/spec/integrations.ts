// What the integrations read (the OpenTelemetry detector, runtime sizing): the entries each needs, added to a spec
// that lacks them. The manifest generator and the integrations both go through here, so what the pod is given is
// what they read.

import { VOLUME_FIELD_PATHS } from '../format/field-path.js';
import { defaultSpec, defineSpec, deriveSpec, type DownwardApiSpec, type DownwardEnvVar, type DownwardValueSource, type DownwardVolumeItem } from './spec.js';

/**
 * A kube-downward integration that needs entries of its own in the pod spec: `opentelemetry` (the resource detector
 * of `kube-downward/opentelemetry`: pod name, namespace, uid, node name) or `runtime-sizing` (`kube-downward exec`
 * and {@link runtimeSizing}: the container's memory limit, CPU limit and CPU request).
 *
 * @example
 * ```ts
 * import { downwardPodSpec, type DownwardIntegration } from 'kube-downward';
 *
 * const integrations: DownwardIntegration[] = ['opentelemetry', 'runtime-sizing'];
 * const patch = downwardPodSpec({ integrations });
 * console.log(patch.containers[0]?.env.some((e) => e.name === 'POD_UID')); // true
 * ```
 * @public
 */
export type DownwardIntegration = 'opentelemetry' | 'runtime-sizing';

/** One value an integration reads, and the names it gets when the spec has no entry for it. */
interface Need {
  readonly source: DownwardValueSource;
  readonly env: string;
  /** The volume file; absent for fields Kubernetes gives only as env vars. */
  readonly file?: string;
}

const field = (fieldPath: string, env: string, file?: string): Need => ({
  source: { fieldRef: { fieldPath } },
  env,
  ...(file === undefined ? {} : { file }),
});
const resource = (name: string, divisor: string, env: string, file: string): Need => ({
  source: { resourceFieldRef: { resource: name, divisor } },
  env,
  file,
});

const NEEDS: Readonly<Record<DownwardIntegration, readonly Need[]>> = {
  opentelemetry: [
    field('metadata.name', 'POD_NAME', 'podName'),
    field('metadata.namespace', 'POD_NAMESPACE', 'podNamespace'),
    field('metadata.uid', 'POD_UID', 'podUid'),
    field('spec.nodeName', 'NODE_NAME'),
  ],
  'runtime-sizing': [
    resource('limits.memory', '1', 'CONTAINER_MEMORY_LIMIT_BYTES', 'containerMemoryLimitBytes'),
    resource('limits.cpu', '1m', 'CONTAINER_CPU_LIMIT_MILLICORES', 'containerCpuLimitMilliCores'),
    resource('requests.cpu', '1m', 'CONTAINER_CPU_REQUEST_MILLICORES', 'containerCpuRequestMilliCores'),
  ],
};

/**
 * The container's name, which the Downward API cannot give: the manifest generator writes it as a plain value for
 * the OpenTelemetry detector's `k8s.container.name`.
 */
export const CONTAINER_NAME_ENV = 'KUBE_DOWNWARD_CONTAINER_NAME';

export const INTEGRATIONS: readonly DownwardIntegration[] = Object.keys(NEEDS) as DownwardIntegration[];

/** Whether two sources read the same value: the same field path, or the same resource whatever its divisor. */
function sameValue(a: DownwardValueSource, b: DownwardValueSource): boolean {
  if (a.fieldRef !== undefined) return a.fieldRef.fieldPath === b.fieldRef?.fieldPath;
  return a.resourceFieldRef.resource === b.resourceFieldRef?.resource;
}

/** Whether an integration reads the value of `source`: the manifest then includes its env var even when optional. */
export function neededBy(integrations: readonly DownwardIntegration[], source: DownwardValueSource): boolean {
  return integrations.some((integration) => NEEDS[integration].some((need) => sameValue(need.source, source)));
}

/**
 * A spec with the entries that kube-downward's integrations read: what `kube-downward manifest --for` adds to the
 * pod, read back.
 *
 * @remarks
 * Where `spec` lacks an entry an integration needs, it gets a volume item when it has a volume and Kubernetes
 * allows the field there (a volume item follows an in-place resize), an optional env var otherwise: for
 * `runtime-sizing`, `containerMemoryLimitBytes`, `containerCpuLimitMilliCores` and `containerCpuRequestMilliCores`
 * (or `CONTAINER_MEMORY_LIMIT_BYTES`, `CONTAINER_CPU_LIMIT_MILLICORES`, `CONTAINER_CPU_REQUEST_MILLICORES`); for
 * `opentelemetry`, `podUid` (or `POD_UID`) and `NODE_NAME`. Entries the spec has are kept as they are.
 *
 * @param integrations - The integrations whose entries to add.
 * @param spec - The spec to add to; default {@link defaultSpec}.
 * @returns The validated, frozen spec.
 * @throws {@link DownwardApiError} with code `INVALID_SPEC` for an invalid spec.
 *
 * @example
 * ```ts
 * import { iteratePodMetadata, specFor } from 'kube-downward';
 *
 * const spec = specFor(['runtime-sizing']); // the default spec, and the container's CPU limit
 * console.log(spec.volume?.items.map((item) => item.path).includes('containerCpuLimitMilliCores')); // true
 * const updates = iteratePodMetadata({ spec }); // limits.cpu follows an in-place resize
 * ```
 * @public
 */
export function specFor(integrations: readonly DownwardIntegration[], spec: DownwardApiSpec = defaultSpec): DownwardApiSpec {
  for (const integration of integrations) {
    if (!INTEGRATIONS.includes(integration)) {
      throw new RangeError(`integrations must be among ${INTEGRATIONS.join(', ')}, not ${JSON.stringify(integration)}`);
    }
  }
  return withIntegrations(defineSpec(spec), integrations);
}

/**
 * The spec with the entries the integrations need and it lacks: volume items when it has a volume and Kubernetes
 * allows the field there (they follow an in-place resize), optional env vars otherwise. Resource items read the
 * container the spec's other items read, or `main`.
 */
export function withIntegrations(spec: DownwardApiSpec, integrations: readonly DownwardIntegration[]): DownwardApiSpec {
  const env: DownwardEnvVar[] = [...spec.env];
  const items: DownwardVolumeItem[] = [...(spec.volume?.items ?? [])];
  const container = items.find((item) => item.resourceFieldRef?.containerName !== undefined)?.resourceFieldRef?.containerName ?? 'main';
  for (const integration of integrations) {
    for (const need of NEEDS[integration]) {
      if (env.some((entry) => sameValue(entry.valueFrom, need.source)) || items.some((item) => sameValue(item, need.source))) continue;
      const inVolume =
        spec.volume !== undefined &&
        need.file !== undefined &&
        (need.source.resourceFieldRef !== undefined || VOLUME_FIELD_PATHS.includes(need.source.fieldRef.fieldPath));
      if (inVolume && need.file !== undefined) {
        items.push(
          need.source.resourceFieldRef === undefined
            ? { path: need.file, fieldRef: need.source.fieldRef }
            : { path: need.file, resourceFieldRef: { ...need.source.resourceFieldRef, containerName: container } },
        );
      } else {
        env.push({ name: need.env, valueFrom: need.source, optional: true });
      }
    }
  }
  return deriveSpec(spec.volume === undefined ? { env } : { env, volume: { ...spec.volume, items } });
}

/**
 * The part of a spec that reads what `keep` accepts, with every env var optional: reading it never fails for a
 * value the rest of the spec needs, or for an env var that is absent.
 */
export function subSpec(spec: DownwardApiSpec, keep: (source: DownwardValueSource) => boolean): DownwardApiSpec {
  const env = spec.env.filter((entry) => keep(entry.valueFrom)).map((entry) => ({ ...entry, optional: true }));
  const items = (spec.volume?.items ?? []).filter((item) => keep(item));
  return deriveSpec(spec.volume === undefined || items.length === 0 ? { env } : { env, volume: { ...spec.volume, items } });
}

/** The one container the spec's `resourceFieldRef` entries name, or undefined when they name none or several. */
export function specContainer(spec: DownwardApiSpec): string | undefined {
  const sources = [...spec.env.map((entry) => entry.valueFrom), ...(spec.volume?.items ?? [])];
  const names = new Set(sources.flatMap((source) => (source.resourceFieldRef?.containerName === undefined ? [] : [source.resourceFieldRef.containerName])));
  return names.size === 1 ? [...names][0] : undefined;
}
