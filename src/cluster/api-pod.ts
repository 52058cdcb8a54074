// The own pod as the API server returns it, in the same PodMetadata shape the Downward API gives, plus what only
// the API has; and the one GET that fetches it.

import { DownwardApiError, problem } from '../errors.js';
import { checkDns1123Label, checkDns1123Subdomain } from '../format/names.js';
import { parseQuantity } from '../format/quantity.js';
import { isResourceName, parseResourceValue, type ResourceValue } from '../format/resource.js';
import type { PodMetadata, PodResources } from '../sources/pod-metadata.js';
import { ApiClient, type ApiServerOptions } from './api-client.js';
import { KubernetesApiError, type KubernetesApiErrorCode } from './api-error.js';
import { findNamespace, findPodName, whereabouts, type FoundValue, type IsKubernetesOptions } from './identity.js';

/**
 * A pod's owner, as in `metadata.ownerReferences` (a ReplicaSet, a StatefulSet, a Job, ...).
 *
 * @example
 * ```ts
 * import type { OwnerReference } from 'kube-downward';
 *
 * const owner: OwnerReference = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d9f', uid: '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0', controller: true };
 * ```
 * @public
 */
export interface OwnerReference {
  /** The owner's API version. */
  readonly apiVersion: string;
  /** The owner's kind. */
  readonly kind: string;
  /** The owner's name. */
  readonly name: string;
  /** The owner's uid. */
  readonly uid: string;
  /** True for the managing controller. */
  readonly controller?: boolean;
}

/**
 * The pod read from the API server: the same fields as {@link PodMetadata}, and what only the API has.
 *
 * @remarks
 * `resources` holds the requests and limits of one container (option `container`, or the only one) exactly as the
 * Downward API with divisors `1m` and `1` reads them, except that a limit the container does not set is absent
 * here, where the Downward API gives the node's allocatable.
 *
 * @example
 * ```ts
 * import type { ApiPodMetadata } from 'kube-downward';
 *
 * function controller(pod: ApiPodMetadata): string | undefined {
 *   return pod.ownerReferences.find((owner) => owner.controller === true)?.kind;
 * }
 * ```
 * @public
 */
export interface ApiPodMetadata extends PodMetadata {
  /** `metadata.resourceVersion`: changes with every update of the pod. */
  readonly resourceVersion: string;
  /** `status.phase`: `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`. */
  readonly phase: string | undefined;
  /** `metadata.ownerReferences`. */
  readonly ownerReferences: readonly OwnerReference[];
  /** Every container's requests and limits, by container name. */
  readonly containers: Readonly<Record<string, PodResources>>;
}

/**
 * Options of {@link fetchPodMetadata}.
 *
 * @example
 * ```ts
 * import type { FetchPodMetadataOptions } from 'kube-downward';
 *
 * const options: FetchPodMetadataOptions = { apiServerUrl: 'http://localhost:8001', container: 'web' };
 * ```
 * @public
 */
export interface FetchPodMetadataOptions extends ApiServerOptions, Pick<IsKubernetesOptions, 'spec' | 'volume'> {
  /**
   * The pod's name. Default: the Downward API (the spec's `metadata.name` env var or volume file), else `HOSTNAME`,
   * which is the pod name cut to 63 characters, trailing `-` and `.` dropped (or `spec.hostname` when the pod sets
   * one): expose the name through the Downward API when pod names can be longer.
   */
  readonly name?: string;
  /** The pod's namespace. Default: the Downward API, else the service account's `namespace` file. */
  readonly namespace?: string;
  /** The container whose requests and limits fill `resources`; default the pod's only container. */
  readonly container?: string;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function stringMap(value: unknown): Readonly<Record<string, string>> {
  const map: Record<string, string> = Object.create(null);
  if (isObject(value)) for (const [key, v] of Object.entries(value)) if (typeof v === 'string') map[key] = v;
  return Object.freeze(map);
}

function ips(value: unknown): readonly string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const list = value.flatMap((entry) => (isObject(entry) && typeof entry['ip'] === 'string' ? [entry['ip']] : []));
  return list.length === 0 ? undefined : Object.freeze(list);
}

/** A container's requests and limits read as the Downward API reads them with divisor 1m (CPU) or 1 (the rest). */
function containerResources(container: Json): PodResources {
  const resources: Record<string, ResourceValue> = {};
  const spec = isObject(container['resources']) ? container['resources'] : {};
  for (const kind of ['requests', 'limits'] as const) {
    const quantities = isObject(spec[kind]) ? spec[kind] : {};
    for (const [key, quantity] of Object.entries(quantities)) {
      const resource = `${kind}.${key}`;
      if (!isResourceName(resource) || typeof quantity !== 'string') continue;
      const q = parseQuantity(quantity);
      const cpu = key === 'cpu';
      resources[resource] = parseResourceValue({ resource, value: String(cpu ? q.milliValue() : q.value()), divisor: cpu ? '1m' : '1' });
    }
  }
  return Object.freeze(resources) as PodResources;
}

/** A Pod object from the API as a frozen ApiPodMetadata; `url` names the response in errors. */
export function toApiPodMetadata(pod: unknown, container: string | undefined, url: string): ApiPodMetadata {
  const metadata = isObject(pod) && isObject(pod['metadata']) ? pod['metadata'] : undefined;
  const name = text(metadata?.['name']);
  const resourceVersion = text(metadata?.['resourceVersion']);
  if (metadata === undefined || name === undefined || resourceVersion === undefined) {
    throw new KubernetesApiError({ code: 'BAD_RESPONSE', url, message: `GET ${url} answered with something that is not a Pod (no metadata.name or metadata.resourceVersion).` });
  }
  const spec = isObject((pod as Json)['spec']) ? ((pod as Json)['spec'] as Json) : {};
  const status = isObject((pod as Json)['status']) ? ((pod as Json)['status'] as Json) : {};
  const containers: Record<string, PodResources> = Object.create(null);
  for (const entry of Array.isArray(spec['containers']) ? spec['containers'] : []) {
    if (isObject(entry) && typeof entry['name'] === 'string') containers[entry['name']] = containerResources(entry);
  }
  const names = Object.keys(containers);
  const own = container ?? (names.length === 1 ? names[0] : undefined);
  const owners = (Array.isArray(metadata['ownerReferences']) ? metadata['ownerReferences'] : []).filter(isObject).map((owner) =>
    Object.freeze({
      apiVersion: String(owner['apiVersion']),
      kind: String(owner['kind']),
      name: String(owner['name']),
      uid: String(owner['uid']),
      ...(typeof owner['controller'] === 'boolean' ? { controller: owner['controller'] } : {}),
    }),
  );
  const scalars: Record<string, string | readonly string[] | undefined> = {
    name,
    namespace: text(metadata['namespace']),
    uid: text(metadata['uid']),
    nodeName: text(spec['nodeName']),
    serviceAccountName: text(spec['serviceAccountName']),
    podIP: text(status['podIP']),
    podIPs: ips(status['podIPs']),
    hostIP: text(status['hostIP']),
    hostIPs: ips(status['hostIPs']),
  };
  return Object.freeze({
    ...Object.fromEntries(Object.entries(scalars).filter(([, value]) => value !== undefined)),
    labels: stringMap(metadata['labels']),
    annotations: stringMap(metadata['annotations']),
    resources: (own === undefined ? undefined : containers[own]) ?? Object.freeze({}),
    resourceVersion,
    phase: text(status['phase']),
    ownerReferences: Object.freeze(owners),
    containers: Object.freeze(containers),
  }) as ApiPodMetadata;
}

/** The pod to read and what to tell the user when the API server refuses. */
export interface PodTarget {
  readonly name: string;
  readonly namespace: string;
  readonly nameFrom: FoundValue['from'] | 'option';
}

function missing(what: string, hint: string): DownwardApiError {
  return new DownwardApiError({
    code: 'MISSING',
    summary: `The pod's ${what} is not known, so the API server cannot be asked for the pod.`,
    problems: [problem('MISSING', { kind: 'argument', name: what }, undefined, `the pod's ${what}`, hint)],
  });
}

/** Resolves the pod's name and namespace from the options, the Downward API, HOSTNAME and the service account. */
export function podTarget(options: FetchPodMetadataOptions): PodTarget {
  const where = whereabouts(options);
  const found = options.name === undefined ? findPodName(where) : undefined;
  const name = options.name ?? found?.value;
  const namespace = options.namespace ?? findNamespace(where)?.value;
  if (name === undefined) throw missing('name', 'Pass name, or expose metadata.name through the Downward API (POD_NAME in the default spec).');
  if (namespace === undefined) throw missing('namespace', 'Pass namespace, expose metadata.namespace through the Downward API, or mount the service account.');
  for (const [what, value, broken] of [
    ['name', name, checkDns1123Subdomain(name)],
    ['namespace', namespace, checkDns1123Label(namespace)],
  ] as const) {
    if (broken !== undefined) {
      const source = what === 'name' && found !== undefined ? found.source : { kind: 'argument' as const, name: what };
      throw new DownwardApiError({ code: 'INVALID_METADATA', summary: `The pod's ${what} is not valid.`, problems: [problem('INVALID_NAME', source, value, broken, `Check where the pod's ${what} comes from.`)] });
    }
  }
  return { name, namespace, nameFrom: found?.from ?? 'option' };
}

/** What to do when the API server answers with an error, for this pod. */
export function adviceFor(target: PodTarget, verbs: string): (code: KubernetesApiErrorCode) => string {
  return (code) => {
    switch (code) {
      case 'FORBIDDEN':
        return (
          `The pod's service account (or, behind kubectl proxy, the proxy's credentials) needs a Role in namespace ${target.namespace} with the rule ` +
          `{ apiGroups: [""], resources: ["pods"], verbs: [${verbs}] } (resourceNames: ["${target.name}"] may narrow it) and a RoleBinding to that Role; ` +
          '`kube-downward manifest --api-server` prints all three.'
        );
      case 'UNAUTHORIZED':
        return 'The token was read again and is still refused: check that the service account exists and its token is mounted, or that the proxy holds valid credentials.';
      case 'NOT_FOUND':
        return target.nameFrom === 'hostname'
          ? `The name came from HOSTNAME, which is the pod name cut to 63 characters, trailing '-' and '.' dropped (or spec.hostname): expose metadata.name through the Downward API or pass name.`
          : `Check the pod's name and namespace (${target.namespace}/${target.name}).`;
      case 'GONE':
        return 'The watch lists the pod again.';
      case 'SERVER_ERROR':
        return 'It is retried with backoff.';
      default:
        return 'Check apiServerUrl.';
    }
  };
}

export function podPath(target: PodTarget): string {
  return `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.name)}`;
}

/** The implementation of `fetchPodMetadata` (api-server.ts), loaded on its first call. */
export async function fetchPodMetadata(options: FetchPodMetadataOptions = {}): Promise<ApiPodMetadata> {
  options.signal?.throwIfAborted();
  const target = podTarget(options);
  const client = new ApiClient(options, adviceFor(target, '"get"'));
  try {
    const path = podPath(target);
    return toApiPodMetadata(await client.getJson(path, options.signal), options.container, client.url(path));
  } finally {
    client.close();
  }
}
