import { createRequire } from '../builtins.js';
import type * as Z from 'zod/mini';
import { DownwardApiError, isDownwardApiError, problem, type DownwardApiProblem } from '../errors.js';
import { ENV_FIELD_PATHS, VOLUME_FIELD_PATHS, splitSubscript } from '../format/field-path.js';
import { checkAnnotationKey, checkDns1123Label, checkQualifiedName } from '../format/names.js';
import { canonicalDivisor, isResourceName } from '../format/resource.js';

/**
 * A `fieldRef`: one field of the pod, as in a container's `env[].valueFrom.fieldRef` or a downwardAPI volume item.
 *
 * @example
 * ```ts
 * import type { ObjectFieldSelector } from 'kube-downward';
 *
 * const podName: ObjectFieldSelector = { fieldPath: 'metadata.name' };
 * const appLabel: ObjectFieldSelector = { fieldPath: "metadata.labels['app']" };
 * ```
 * @public
 */
export interface ObjectFieldSelector {
  /** The pod field, for example `metadata.name`, `status.podIPs` or `metadata.annotations['team']`. */
  readonly fieldPath: string;
  /** Only `v1` exists; Kubernetes fills it in when omitted. */
  readonly apiVersion?: string;
}

/**
 * A `resourceFieldRef`: one of a container's requests or limits, scaled by a divisor.
 *
 * @example
 * ```ts
 * import type { ResourceFieldSelector } from 'kube-downward';
 *
 * const cpuRequest: ResourceFieldSelector = { resource: 'requests.cpu', divisor: '1m' };
 * ```
 * @public
 */
export interface ResourceFieldSelector {
  /** `requests.cpu`, `limits.memory`, `limits.hugepages-2Mi`, ... */
  readonly resource: string;
  /** The unit of the written integer: `1m` or `1` for CPU; `1`, `1k`, `1Ki`, ..., `1Ei` for bytes. Default `1`. */
  readonly divisor?: string;
  /** The container whose resources are read. Required in volume items; env vars default to their own container. */
  readonly containerName?: string;
}

/**
 * Where one value comes from: exactly one of `fieldRef` or `resourceFieldRef`.
 *
 * @example
 * ```ts
 * import type { DownwardValueSource } from 'kube-downward';
 *
 * const source: DownwardValueSource = { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } };
 * ```
 * @public
 */
export type DownwardValueSource =
  | { readonly fieldRef: ObjectFieldSelector; readonly resourceFieldRef?: undefined }
  | { readonly resourceFieldRef: ResourceFieldSelector; readonly fieldRef?: undefined };

/**
 * One env var of the container, in the shape of a pod manifest's `env[]` entry.
 *
 * @remarks
 * `optional` is kube-downward's own: an optional var that is absent is left out of the snapshot instead of being
 * reported as missing. It is not part of the manifest Kubernetes reads.
 *
 * @example
 * ```ts
 * import type { DownwardEnvVar } from 'kube-downward';
 *
 * const podIP: DownwardEnvVar = { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } };
 * ```
 * @public
 */
export interface DownwardEnvVar {
  /** The env var's name. */
  readonly name: string;
  /** The pod field or container resource it holds. */
  readonly valueFrom: DownwardValueSource;
  /** When true, an absent var is not an error. */
  readonly optional?: boolean;
}

/**
 * One file of a downwardAPI volume, in the shape of a manifest's `downwardAPI.items[]` entry.
 *
 * @example
 * ```ts
 * import type { DownwardVolumeItem } from 'kube-downward';
 *
 * const labels: DownwardVolumeItem = { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } };
 * ```
 * @public
 */
export type DownwardVolumeItem = {
  /** The file's path relative to the mount, for example `labels` or `sub/dir/cpu`. */
  readonly path: string;
  /** The file's mode bits (0 to 0o777); the volume's default mode when omitted. */
  readonly mode?: number;
} & DownwardValueSource;

/**
 * The downwardAPI volume: where it is mounted and which files it holds.
 *
 * @example
 * ```ts
 * import type { DownwardVolumeSpec } from 'kube-downward';
 *
 * const volume: DownwardVolumeSpec = {
 *   mountPath: '/etc/podinfo',
 *   items: [{ path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } }],
 * };
 * ```
 * @public
 */
export interface DownwardVolumeSpec {
  /** Where the container mounts the volume. */
  readonly mountPath: string;
  /** The files of the volume. */
  readonly items: readonly DownwardVolumeItem[];
}

/**
 * What an app reads through the Downward API and where from, in Kubernetes' own vocabulary.
 *
 * @remarks
 * Validate a spec of your own with {@link defineSpec}; {@link defaultSpec} reproduces the pods of the
 * kube-downward README.
 *
 * @example
 * ```ts
 * import { defineSpec } from 'kube-downward';
 *
 * const spec = defineSpec({
 *   env: [{ name: 'MY_POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
 * });
 * ```
 * @public
 */
export interface DownwardApiSpec {
  /** The container's env vars that hold Downward API values. */
  readonly env: readonly DownwardEnvVar[];
  /** The downwardAPI volume, if the pod has one. */
  readonly volume?: DownwardVolumeSpec;
}

const fieldRef = (fieldPath: string): DownwardValueSource => ({ fieldRef: { fieldPath } });

/**
 * The spec kube-downward reads by default: the env vars and volume of the README's example pod.
 *
 * @remarks
 * Env: `POD_NAME`, `POD_NAMESPACE`, `POD_IP`, `NODE_NAME`, `SERVICE_ACCOUNT`,
 * `CONTAINER_CPU_REQUEST_MILLICORES` (`requests.cpu`, divisor `1m`), `CONTAINER_MEMORY_LIMIT_KIBIBYTES`
 * (`limits.memory`, divisor `1Ki`), and the optional `POD_UID`, `POD_IPS`, `HOST_IP`, `HOST_IPS`.
 * Volume at `/etc/downward`: `podName`, `podNamespace`, `labels`, `annotations`, `containerCpuRequestMilliCores`
 * and `containerMemoryLimitBytes` of container `main`.
 *
 * @example
 * ```ts
 * import { defaultSpec } from 'kube-downward';
 *
 * console.log(defaultSpec.env.map((e) => e.name)); // ['POD_NAME', 'POD_NAMESPACE', ...]
 * ```
 * @public
 */
export const defaultSpec: DownwardApiSpec = deepFreeze({
  env: [
    { name: 'POD_NAME', valueFrom: fieldRef('metadata.name') },
    { name: 'POD_NAMESPACE', valueFrom: fieldRef('metadata.namespace') },
    { name: 'POD_IP', valueFrom: fieldRef('status.podIP') },
    { name: 'NODE_NAME', valueFrom: fieldRef('spec.nodeName') },
    { name: 'SERVICE_ACCOUNT', valueFrom: fieldRef('spec.serviceAccountName') },
    {
      name: 'CONTAINER_CPU_REQUEST_MILLICORES',
      valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } },
    },
    {
      name: 'CONTAINER_MEMORY_LIMIT_KIBIBYTES',
      valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Ki' } },
    },
    { name: 'POD_UID', valueFrom: fieldRef('metadata.uid'), optional: true },
    { name: 'POD_IPS', valueFrom: fieldRef('status.podIPs'), optional: true },
    { name: 'HOST_IP', valueFrom: fieldRef('status.hostIP'), optional: true },
    { name: 'HOST_IPS', valueFrom: fieldRef('status.hostIPs'), optional: true },
  ],
  volume: {
    mountPath: '/etc/downward',
    items: [
      { path: 'podName', fieldRef: { fieldPath: 'metadata.name' } },
      { path: 'podNamespace', fieldRef: { fieldPath: 'metadata.namespace' } },
      { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
      { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
      {
        path: 'containerCpuRequestMilliCores',
        resourceFieldRef: { containerName: 'main', resource: 'requests.cpu', divisor: '1m' },
      },
      {
        path: 'containerMemoryLimitBytes',
        resourceFieldRef: { containerName: 'main', resource: 'limits.memory', divisor: '1' },
      },
    ],
  },
});

/** Freezes `value` and everything reachable from it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

// The shape check, with zod: it runs on specs users hand us, never on the default spec, so zod is loaded on first
// use (its CommonJS build: a synchronous require opens one file at a time, where an ESM import opens its ~90 at
// once) and stays off the start-up path of an app that reads with the default spec.
function buildSpecSchema(z: typeof Z) {
  // YAML turns `divisor: 1` into a number, so numbers are accepted and kept as text.
  const quantityText = z.union([z.string(), z.number()]);
  const fieldRefSchema = z.strictObject({ fieldPath: z.string(), apiVersion: z.optional(z.string()) });
  const resourceFieldRefSchema = z.strictObject({
    resource: z.string(),
    divisor: z.optional(quantityText),
    containerName: z.optional(z.string()),
  });
  const valueSourceShape = {
    fieldRef: z.optional(fieldRefSchema),
    resourceFieldRef: z.optional(resourceFieldRefSchema),
  };
  return z.strictObject({
    env: z.array(
      z.strictObject({
        name: z.string(),
        valueFrom: z.strictObject(valueSourceShape),
        optional: z.optional(z.boolean()),
      }),
    ),
    volume: z.optional(
      z.strictObject({
        mountPath: z.string(),
        items: z.array(z.strictObject({ path: z.string(), mode: z.optional(z.int()), ...valueSourceShape })),
      }),
    ),
  });
}

let specSchema: ReturnType<typeof buildSpecSchema> | undefined;

function loadSpecSchema(): ReturnType<typeof buildSpecSchema> {
  specSchema ??= buildSpecSchema(createRequire(import.meta.url)('zod/mini') as typeof Z);
  return specSchema;
}

type ShapedSpec = Z.infer<ReturnType<typeof buildSpecSchema>>;
type ShapedValueSource = ShapedSpec['env'][number]['valueFrom'];
type ShapedSource = ShapedValueSource['fieldRef'];
type ShapedResource = ShapedValueSource['resourceFieldRef'];

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Collects problems against spec paths, as the API server's field.ErrorList does. */
class SpecProblems {
  readonly list: DownwardApiProblem[] = [];

  add(path: string, value: string | undefined, rule: string, hint: string): void {
    this.list.push(problem('INVALID_SPEC', { kind: 'spec', path }, value, rule, hint));
  }
}

function checkSource(
  problems: SpecProblems,
  at: string,
  source: { fieldRef?: ShapedSource; resourceFieldRef?: ShapedResource },
  place: 'env' | 'volume',
): void {
  const { fieldRef: ref, resourceFieldRef: res } = source;
  if ((ref === undefined) === (res === undefined)) {
    problems.add(at, undefined, 'exactly one of fieldRef or resourceFieldRef', 'give each entry one source');
    return;
  }
  if (ref !== undefined) checkFieldRef(problems, `${at}.fieldRef`, ref, place);
  if (res !== undefined) checkResourceFieldRef(problems, `${at}.resourceFieldRef`, res, place);
}

function checkFieldRef(problems: SpecProblems, at: string, ref: NonNullable<ShapedSource>, place: 'env' | 'volume'): void {
  if (ref.apiVersion !== undefined && ref.apiVersion !== 'v1') {
    problems.add(`${at}.apiVersion`, ref.apiVersion, '"v1"', 'omit apiVersion or set it to v1');
  }
  const { path, subscript } = splitSubscript(ref.fieldPath);
  const allowed = place === 'env' ? ENV_FIELD_PATHS : VOLUME_FIELD_PATHS;
  if (subscript !== undefined) {
    const keyRule =
      path === 'metadata.labels'
        ? checkQualifiedName(subscript)
        : path === 'metadata.annotations'
          ? checkAnnotationKey(subscript)
          : 'a subscript only on metadata.labels or metadata.annotations';
    if (keyRule !== undefined) {
      problems.add(`${at}.fieldPath`, ref.fieldPath, keyRule, "write metadata.labels['key'] with a valid key");
    }
  } else if (!allowed.includes(path)) {
    const subscripted = "metadata.labels['key'], metadata.annotations['key']";
    problems.add(
      `${at}.fieldPath`,
      ref.fieldPath,
      `one of ${[...allowed, subscripted].join(', ')} in ${place === 'env' ? 'an env var' : 'a volume item'}`,
      place === 'env'
        ? 'whole label and annotation maps are only available as volume files'
        : 'node, service account and IP fields are only available as env vars',
    );
  }
}

function checkResourceFieldRef(
  problems: SpecProblems,
  at: string,
  res: NonNullable<ShapedResource>,
  place: 'env' | 'volume',
): void {
  if (res.containerName === undefined ? place === 'volume' : checkDns1123Label(res.containerName) !== undefined) {
    problems.add(
      `${at}.containerName`,
      res.containerName,
      place === 'volume' ? 'the name of a container of the pod (required in volume items)' : 'a container name',
      'name the container whose requests and limits are read',
    );
  }
  if (!isResourceName(res.resource)) {
    problems.add(
      `${at}.resource`,
      res.resource,
      'one of limits.cpu, limits.memory, limits.ephemeral-storage, requests.cpu, requests.memory, requests.ephemeral-storage, limits.hugepages-<size>, requests.hugepages-<size>',
      'check the spelling: requests.cpu, not cpu.requests',
    );
    return;
  }
  if (res.divisor === undefined) return;
  try {
    canonicalDivisor(res.resource, String(res.divisor));
  } catch (error) {
    if (!isDownwardApiError(error)) throw error;
    for (const p of error.problems) problems.add(`${at}.divisor`, String(res.divisor), p.rule, p.hint);
  }
}

function checkSpec(spec: ShapedSpec, problems: SpecProblems): void {
  const seen = new Set<string>();
  spec.env.forEach((entry, i) => {
    if (!ENV_NAME.test(entry.name)) {
      problems.add(`env[${i}].name`, entry.name, "an env var name: letters, digits, '_', '-', '.', not starting with a digit", 'rename the variable');
    }
    if (seen.has(entry.name)) problems.add(`env[${i}].name`, entry.name, 'unique among the env vars', 'remove the duplicate');
    seen.add(entry.name);
    checkSource(problems, `env[${i}].valueFrom`, entry.valueFrom, 'env');
  });
  if (spec.volume === undefined) return;
  const paths = new Set<string>();
  spec.volume.items.forEach((item, i) => {
    const at = `volume.items[${i}]`;
    const parts = item.path.split('/');
    if (item.path === '' || item.path.startsWith('/') || item.path.startsWith('..') || parts.includes('..')) {
      problems.add(`${at}.path`, item.path, "a relative path with no '..' element, not starting with '..'", 'use a name such as labels or sub/cpu');
    }
    if (paths.has(item.path)) problems.add(`${at}.path`, item.path, 'unique among the items', 'remove the duplicate');
    paths.add(item.path);
    if (item.mode !== undefined && (item.mode < 0 || item.mode > 0o777)) {
      problems.add(`${at}.mode`, String(item.mode), 'between 0 and 0777 (octal)', 'use a mode such as 0644 (420 in decimal)');
    }
    checkSource(problems, at, item, 'volume');
  });
}

function toSource(source: { fieldRef?: ShapedSource; resourceFieldRef?: ShapedResource }): DownwardValueSource {
  if (source.fieldRef !== undefined) {
    const { fieldPath, apiVersion } = source.fieldRef;
    return { fieldRef: apiVersion === undefined ? { fieldPath } : { fieldPath, apiVersion } };
  }
  const { resource, divisor, containerName } = source.resourceFieldRef as NonNullable<ShapedResource>;
  return {
    resourceFieldRef: {
      resource,
      ...(divisor === undefined ? {} : { divisor: String(divisor) }),
      ...(containerName === undefined ? {} : { containerName }),
    },
  };
}

function normalize(spec: ShapedSpec): DownwardApiSpec {
  const env = spec.env.map(({ name, valueFrom, optional }) =>
    optional === undefined ? { name, valueFrom: toSource(valueFrom) } : { name, valueFrom: toSource(valueFrom), optional },
  );
  if (spec.volume === undefined) return { env };
  const items = spec.volume.items.map(({ path, mode, fieldRef: ref, resourceFieldRef: res }) => ({
    path,
    ...(mode === undefined ? {} : { mode }),
    ...toSource({ fieldRef: ref, resourceFieldRef: res }),
  }));
  return { env, volume: { mountPath: spec.volume.mountPath, items } };
}

// zod/mini carries no English messages unless configured globally, which a library must not do.
function describeShapeIssue(issue: Z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `of type ${issue.expected}`;
    case 'unrecognized_keys':
      return `free of unknown keys (${issue.keys.join(', ')})`;
    case 'invalid_union':
      return 'a string or a number';
    default:
      return `well-formed (${issue.code})`;
  }
}

const validated = new WeakSet<object>([defaultSpec]);

/**
 * Validates a spec as the API server validates a pod's env and downwardAPI volume, and returns it frozen.
 *
 * @remarks
 * Checks the shape, env var names, the field paths allowed for env vars and for volume items, subscript keys
 * (`metadata.labels['k']`), resource names, divisors by their canonical string, `containerName` in volume items,
 * and item paths. Accepts plain data, such as a spec loaded from JSON or YAML.
 *
 * @param spec - The spec, as data.
 * @returns The same spec, validated and deeply frozen.
 * @throws {@link DownwardApiError} with code `INVALID_SPEC`, listing every problem.
 *
 * @example
 * ```ts
 * import { defineSpec } from 'kube-downward';
 *
 * const spec = defineSpec({
 *   env: [
 *     { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
 *     { name: 'MEMORY_LIMIT_MIB', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
 *   ],
 * });
 * ```
 * @public
 */
export function defineSpec(spec: unknown): DownwardApiSpec {
  if (typeof spec === 'object' && spec !== null && validated.has(spec)) return spec as DownwardApiSpec;
  const shaped = loadSpecSchema().safeParse(spec);
  const problems = new SpecProblems();
  if (!shaped.success) {
    for (const issue of shaped.error.issues) {
      const path = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
      problems.add(
        path.replace(/^\./, '') || '(root)',
        undefined,
        describeShapeIssue(issue),
        'compare with the shape of a pod manifest env entry or downwardAPI item',
      );
    }
  } else {
    checkSpec(shaped.data, problems);
  }
  if (problems.list.length > 0 || !shaped.success) {
    throw new DownwardApiError({ code: 'INVALID_SPEC', summary: 'The Downward API spec is not valid.', problems: problems.list });
  }
  const result = deepFreeze(normalize(shaped.data));
  validated.add(result);
  return result;
}

/**
 * A spec this package builds from a validated spec and entries of its own (the integrations'): each entry has a
 * valid shape already, so only what spans entries is checked (unique names and paths, and each entry again), and
 * zod, which costs some 70 ms of a cold start, is not loaded.
 */
export function deriveSpec(spec: DownwardApiSpec): DownwardApiSpec {
  if (validated.has(spec)) return spec;
  const problems = new SpecProblems();
  const shaped = spec as unknown as ShapedSpec;
  checkSpec(shaped, problems);
  if (problems.list.length > 0) {
    throw new DownwardApiError({ code: 'INVALID_SPEC', summary: 'The Downward API spec is not valid.', problems: problems.list });
  }
  const result = deepFreeze(normalize(shaped));
  validated.add(result);
  return result;
}
