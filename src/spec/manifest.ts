// The pod-spec entries a spec needs: the container's env, the downwardAPI volume and its mount. What the reader
// reads is what this writes, so the two agree by construction.

import { checkDns1123Label } from '../format/names.js';
import { CONTAINER_NAME_ENV, neededBy, specFor, type DownwardIntegration } from './integrations.js';
import { defaultSpec, type DownwardApiSpec, type DownwardValueSource, type DownwardVolumeItem } from './spec.js';

/**
 * Options of {@link downwardPodSpec}.
 *
 * @example
 * ```ts
 * import type { DownwardPodSpecOptions } from 'kube-downward';
 *
 * const options: DownwardPodSpecOptions = { container: 'web', volumeName: 'podinfo' };
 * ```
 * @public
 */
export interface DownwardPodSpecOptions {
  /** The spec; default {@link defaultSpec}. */
  readonly spec?: DownwardApiSpec;
  /** The container that gets the env vars and the volume mount. Default: the container the volume items read, or `main`. */
  readonly container?: string;
  /** The name of the downwardAPI volume; default `downward`. */
  readonly volumeName?: string;
  /** Whether to include the env vars the spec marks optional; default false. */
  readonly includeOptional?: boolean;
  /**
   * The integrations the pod uses: their entries are added where the spec lacks them, and the env vars they read
   * are included even when optional. Default none.
   */
  readonly integrations?: readonly DownwardIntegration[];
}

/**
 * The part of a pod's `spec` that a Downward API spec needs, as plain data to merge into a manifest.
 *
 * @example
 * ```ts
 * import { downwardPodSpec, type DownwardPodSpec } from 'kube-downward';
 *
 * const patch: DownwardPodSpec = downwardPodSpec({ container: 'main' });
 * console.log(patch.containers[0]?.env.length); // 7
 * ```
 * @public
 */
export interface DownwardPodSpec {
  /** One container: its name, env entries and, with a volume, the volume mount. */
  readonly containers: readonly {
    readonly name: string;
    /** Downward API entries; with the `opentelemetry` integration, also the container's name as a plain value. */
    readonly env: readonly ({ readonly name: string; readonly valueFrom: DownwardValueSource } | { readonly name: string; readonly value: string })[];
    readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string }[];
  }[];
  /** The downwardAPI volume, when the spec has one. */
  readonly volumes?: readonly { readonly name: string; readonly downwardAPI: { readonly items: readonly DownwardVolumeItem[] } }[];
}

/** The containers the volume items read, in order of first use. */
function volumeContainers(spec: DownwardApiSpec): string[] {
  const names = (spec.volume?.items ?? []).flatMap((item) => (item.resourceFieldRef?.containerName === undefined ? [] : [item.resourceFieldRef.containerName]));
  return [...new Set(names)];
}

/**
 * The pod-spec entries a spec needs: the env entries of one container, the downwardAPI volume and its mount.
 *
 * @remarks
 * With the default spec this is the README's pod. When every volume item reads one container (`main` in the default
 * spec), naming another `container` makes the items read that one, since it is the app's own; items that read
 * several containers are kept as they are. kube-downward's `optional` flag is not part of a manifest. With
 * `integrations`, the entries the OpenTelemetry detector or runtime sizing read are added where the spec lacks them;
 * for `opentelemetry`, also `KUBE_DOWNWARD_CONTAINER_NAME` with the container's name, which the Downward API cannot
 * give.
 *
 * @param options - The spec, the container, the volume name.
 * @returns Plain data in the shape of a pod's `spec`, ready to print as YAML or JSON.
 * @throws {@link DownwardApiError} with code `INVALID_SPEC` for an invalid spec; RangeError for an invalid container
 * or volume name.
 *
 * @example
 * ```ts
 * import { downwardPodSpec } from 'kube-downward';
 *
 * const { containers, volumes } = downwardPodSpec({ container: 'web' });
 * console.log(containers[0]?.volumeMounts); // [{ name: 'downward', mountPath: '/etc/downward' }]
 * console.log(volumes?.[0]?.downwardAPI.items.map((item) => item.path));
 * ```
 * @public
 */
export function downwardPodSpec(options: DownwardPodSpecOptions = {}): DownwardPodSpec {
  const integrations = options.integrations ?? [];
  const spec = specFor(integrations, options.spec ?? defaultSpec);
  const read = volumeContainers(spec);
  const container = options.container ?? read[0] ?? 'main';
  const volumeName = options.volumeName ?? 'downward';
  for (const [what, name] of [['container', container], ['volumeName', volumeName]] as const) {
    const broken = checkDns1123Label(name);
    if (broken !== undefined) throw new RangeError(`${what} must be ${broken}, not ${JSON.stringify(name)}`);
  }
  const rename = read.length === 1 ? read[0] : undefined;
  const env = spec.env
    .filter((entry) => options.includeOptional === true || entry.optional !== true || neededBy(integrations, entry.valueFrom))
    .map(({ name, valueFrom }): DownwardPodSpec['containers'][number]['env'][number] => ({ name, valueFrom }));
  if (integrations.includes('opentelemetry') && !env.some((entry) => entry.name === CONTAINER_NAME_ENV)) {
    env.push({ name: CONTAINER_NAME_ENV, value: container });
  }
  if (spec.volume === undefined) return { containers: [{ name: container, env }] };
  const items = spec.volume.items.map((item): DownwardVolumeItem => {
    const ref = item.resourceFieldRef;
    if (ref === undefined || ref.containerName !== rename) return item;
    const { path, mode } = item;
    return { path, ...(mode === undefined ? {} : { mode }), resourceFieldRef: { ...ref, containerName: container } };
  });
  return {
    containers: [{ name: container, env, volumeMounts: [{ name: volumeName, mountPath: spec.volume.mountPath }] }],
    volumes: [{ name: volumeName, downwardAPI: { items } }],
  };
}
