// An OpenTelemetry resource detector over the Downward API. Each attribute is read on its own, so a missing or
// invalid value costs only its own attribute; detect() never throws. Only type imports come from
// @opentelemetry/resources: the detector is plain data at run time.

import { diag } from '@opentelemetry/api';
import type { DetectedResource, ResourceDetector } from '@opentelemetry/resources';
import { isDownwardApiError } from '../../errors.js';
import { checkAnnotationKey, checkDns1123Label, checkQualifiedName } from '../../format/names.js';
import type { PodMetadata } from '../../sources/pod-metadata.js';
import { readPodMetadataSync } from '../../sources/read.js';
import { CONTAINER_NAME_ENV, specContainer, subSpec, withIntegrations } from '../../spec/integrations.js';
import { defaultSpec, defineSpec, type DownwardApiSpec, type DownwardEnvVar, type DownwardValueSource, type DownwardVolumeSpec } from '../../spec/spec.js';

/**
 * Options of {@link downwardApiDetector}.
 *
 * @example
 * ```ts
 * import type { DownwardApiDetectorOptions } from 'kube-downward/opentelemetry';
 *
 * const options: DownwardApiDetectorOptions = {
 *   containerName: 'web',
 *   labels: ['app.kubernetes.io/name', 'app.kubernetes.io/version'],
 *   annotations: ['team'],
 * };
 * ```
 * @public
 */
export interface DownwardApiDetectorOptions {
  /** The environment to read; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * What to read and where from, as for `readPodMetadataSync` (checked as `defineSpec` does); default the default
   * spec, with what `--for opentelemetry` adds.
   */
  readonly spec?: { readonly env: readonly DownwardEnvVar[]; readonly volume?: DownwardVolumeSpec };
  /** The downwardAPI volume's mount path; default `KUBE_DOWNWARD_VOLUME` of `env`, else the spec's `mountPath`. */
  readonly volume?: string;
  /**
   * `k8s.container.name`: the app's container. Default: `KUBE_DOWNWARD_CONTAINER_NAME` of `env` (which
   * `kube-downward manifest --for opentelemetry` sets), else the one container named by the `resourceFieldRef`
   * entries of a spec you pass (not the default spec, whose `main` is only a stand-in), else none.
   */
  readonly containerName?: string;
  /** The label keys to add as `k8s.pod.label.<key>`; none by default. */
  readonly labels?: readonly string[];
  /** The annotation keys to add as `k8s.pod.annotation.<key>`; none by default, since annotations can hold secrets. */
  readonly annotations?: readonly string[];
}

/** A pod field and the attribute it fills. */
const SCALARS = [
  ['k8s.pod.name', 'metadata.name', 'name'],
  ['k8s.pod.uid', 'metadata.uid', 'uid'],
  ['k8s.namespace.name', 'metadata.namespace', 'namespace'],
  ['k8s.node.name', 'spec.nodeName', 'nodeName'],
] as const;

function keyList(what: 'labels' | 'annotations', keys: unknown, check: (key: string) => string | undefined): readonly string[] {
  if (keys === undefined) return [];
  if (!Array.isArray(keys) || keys.some((key) => typeof key !== 'string')) throw new TypeError(`options.${what} must be an array of strings`);
  for (const key of keys as string[]) {
    const broken = check(key);
    if (broken !== undefined) throw new RangeError(`options.${what}: ${JSON.stringify(key)} is not ${broken}`);
  }
  return [...new Set(keys as string[])];
}

function containerFromEnv(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const broken = checkDns1123Label(value);
  if (broken === undefined) return value;
  diag.warn(`kube-downward: k8s.container.name not detected: ${CONTAINER_NAME_ENV} is ${JSON.stringify(value.slice(0, 80))}, not ${broken}`);
  return undefined;
}

/** The values a spec entry reads for one map field: the whole map, or one of the allowed keys. */
function readsMap(field: 'labels' | 'annotations', keys: readonly string[]): (source: DownwardValueSource) => boolean {
  const path = `metadata.${field}`;
  const wanted = new Set([path, ...keys.map((key) => `${path}['${key}']`)]);
  return (source) => source.fieldRef !== undefined && wanted.has(source.fieldRef.fieldPath);
}

/**
 * A resource detector that fills the Kubernetes semantic-convention attributes from the Downward API:
 * `k8s.pod.name`, `k8s.pod.uid`, `k8s.namespace.name`, `k8s.node.name`, `k8s.container.name`, and
 * `k8s.pod.label.<key>` / `k8s.pod.annotation.<key>` for the keys you allow.
 *
 * @remarks
 * It reads what the spec reads (default: the default spec, with the env vars that
 * `kube-downward manifest --for opentelemetry` adds), each attribute on its own and synchronously, when `detect` is
 * called. It never throws: an
 * attribute whose value is missing is left out, one whose value is invalid is left out and reported through
 * OpenTelemetry's `diag` logger, and outside Kubernetes the resource is empty. Labels and annotations are added only
 * for the keys listed, and a key the pod lacks is left out.
 *
 * @param options - Where to read from, the container, the allowed label and annotation keys.
 * @returns A detector for `detectResources({ detectors })` or the Node SDK's `resourceDetectors`.
 * @throws TypeError or RangeError for invalid options (a key that no label or annotation can have, an invalid
 * container name); `DownwardApiError` with code `INVALID_SPEC` for an invalid spec. Both when it is created, never
 * when it detects.
 *
 * @example
 * ```ts
 * import { detectResources, envDetector } from '@opentelemetry/resources';
 * import { downwardApiDetector } from 'kube-downward/opentelemetry';
 *
 * const resource = detectResources({ detectors: [envDetector, downwardApiDetector({ labels: ['app'] })] });
 * console.log(resource.attributes['k8s.pod.name']); // 'downward' in the README's pod
 * ```
 * @public
 */
export function downwardApiDetector(options: DownwardApiDetectorOptions = {}): ResourceDetector {
  const spec: DownwardApiSpec = withIntegrations(options.spec === undefined ? defaultSpec : defineSpec(options.spec), ['opentelemetry']);
  const labels = keyList('labels', options.labels, checkQualifiedName);
  const annotations = keyList('annotations', options.annotations, checkAnnotationKey);
  if (options.containerName !== undefined && (typeof options.containerName !== 'string' || checkDns1123Label(options.containerName) !== undefined)) {
    throw new RangeError(`options.containerName must be a container name (a DNS-1123 label), not ${JSON.stringify(options.containerName)}`);
  }
  const env = options.env ?? process.env;

  /** One part of the spec read on its own; undefined, reported, when its values are missing or invalid. */
  const read = (what: string, keep: (source: DownwardValueSource) => boolean): PodMetadata | undefined => {
    try {
      return readPodMetadataSync({ env, ...(options.volume === undefined ? {} : { volume: options.volume }), spec: subSpec(spec, keep) });
    } catch (error) {
      diag.warn(`kube-downward: ${what} not detected: ${isDownwardApiError(error) ? error.message : String(error)}`);
      return undefined;
    }
  };

  return {
    detect(): DetectedResource {
      const attributes: Record<string, string> = {};
      for (const [attribute, fieldPath, field] of SCALARS) {
        const value = read(attribute, (source) => source.fieldRef?.fieldPath === fieldPath)?.[field];
        if (value !== undefined) attributes[attribute] = value;
      }
      const containerName = options.containerName ?? containerFromEnv(env[CONTAINER_NAME_ENV]) ?? (options.spec === undefined ? undefined : specContainer(spec));
      if (containerName !== undefined) attributes['k8s.container.name'] = containerName;
      for (const [field, keys] of [['labels', labels], ['annotations', annotations]] as const) {
        if (keys.length === 0) continue;
        const map = read(`k8s.pod.${field.slice(0, -1)}.*`, readsMap(field, keys))?.[field];
        for (const key of keys) {
          if (map !== undefined && Object.hasOwn(map, key)) attributes[`k8s.pod.${field.slice(0, -1)}.${key}`] = map[key] as string;
        }
      }
      return { attributes };
    },
  };
}
