// The pod a test describes, and the pod the kubelet would hold for it: defaults filled in, checked against the
// rules the API server applies, so the writer never produces a volume no kubelet could have written.

import { isDownwardApiError } from '../errors.js';
import {
  checkAnnotationKey,
  checkDns1123Label,
  checkDns1123Subdomain,
  checkLabelValue,
  checkQualifiedName,
} from '../format/names.js';
import { checkIp, checkUid } from '../sources/pod-metadata.js';
import { parseQuantity, type Quantity } from '../format/quantity.js';
import { isResourceName } from '../format/resource.js';
import { deepFreeze } from '../spec/spec.js';

/**
 * A container's requests and limits, as in a pod manifest's `resources`: Kubernetes quantity strings keyed by
 * resource name (`cpu`, `memory`, `ephemeral-storage`, `hugepages-2Mi`).
 *
 * @example
 * ```ts
 * import type { ResourceRequirements } from 'kube-downward/testing';
 *
 * const resources: ResourceRequirements = {
 *   requests: { cpu: '250m', memory: '64Mi' },
 *   limits: { memory: '128Mi' },
 * };
 * ```
 * @public
 */
export interface ResourceRequirements {
  /** What the container asks for. A resource with a limit and no request gets the limit, as the API server does. */
  readonly requests?: Readonly<Record<string, string>>;
  /** The most the container may use. A missing cpu, memory or ephemeral-storage limit reads as node allocatable. */
  readonly limits?: Readonly<Record<string, string>>;
}

/**
 * One container of a {@link PodDescription}: the parts a `resourceFieldRef` reads.
 *
 * @example
 * ```ts
 * import type { ContainerDescription } from 'kube-downward/testing';
 *
 * const sidecar: ContainerDescription = { name: 'proxy', resources: { limits: { cpu: '100m' } } };
 * ```
 * @public
 */
export interface ContainerDescription {
  /** The container's name (a DNS-1123 label); volume items name it in `resourceFieldRef.containerName`. */
  readonly name: string;
  /** Its requests and limits; none when omitted. */
  readonly resources?: ResourceRequirements;
}

/**
 * A pod as the kubelet sees it, for writing test volumes and env vars; fields are named as Kubernetes names them.
 *
 * @remarks
 * Every field is optional. What you leave out is taken from {@link seedPod} (the README's example pod), except
 * `labels` and `annotations`, which default to empty, so a test states only what it is about. `podIP` and `podIPs`
 * complete each other (`podIP` is the first of `podIPs`), and so do `hostIP` and `hostIPs`. `nodeAllocatable` is
 * merged key by key over the seed node's.
 *
 * Values are checked against the rules the API server applies (names, the uid, label keys and values, annotation
 * keys and their 256 KiB total, IP addresses with at most one per family, quantities of at least 0, requests at most
 * their limits, resource names a `resourceFieldRef` reads), since no kubelet ever holds a pod that breaks them.
 *
 * @example
 * ```ts
 * import type { PodDescription } from 'kube-downward/testing';
 *
 * const pod: PodDescription = { name: 'web-0', labels: { app: 'web' } };
 * ```
 * @public
 */
export interface PodDescription {
  /** `metadata.name`, a DNS-1123 subdomain. */
  readonly name?: string;
  /** `metadata.namespace`, a DNS-1123 label. */
  readonly namespace?: string;
  /** `metadata.uid`: a UUID, or for a static pod the kubelet's 32 hex digits. */
  readonly uid?: string;
  /** `spec.nodeName`. */
  readonly nodeName?: string;
  /** `spec.serviceAccountName`. */
  readonly serviceAccountName?: string;
  /** `status.podIP`. */
  readonly podIP?: string;
  /** `status.podIPs`, `podIP` first. */
  readonly podIPs?: readonly string[];
  /** `status.hostIP`. */
  readonly hostIP?: string;
  /** `status.hostIPs`, `hostIP` first. */
  readonly hostIPs?: readonly string[];
  /** `metadata.labels`; empty when omitted. */
  readonly labels?: Readonly<Record<string, string>>;
  /** `metadata.annotations` as stored by the API server; empty when omitted. The kubelet adds its own two. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** `spec.containers`, at least one. */
  readonly containers?: readonly ContainerDescription[];
  /** The node's allocatable resources (`cpu`, `memory`, `ephemeral-storage`), written for limits left unset. */
  readonly nodeAllocatable?: Readonly<Record<string, string>>;
}

/**
 * The README's example pod, `downward` in namespace `default`: the pod the README's examples read, from env vars
 * ({@link downwardEnv}) and from a volume ({@link createDownwardVolume}).
 *
 * @remarks
 * Labels `foo=bar`; annotations `key1=value1` and a multi-line `key2`; one container `main` requesting `15m` CPU
 * and `100Ki` memory, limited to `100m` and `4Mi`; pod IP `10.0.0.10` on node `gke-kubia-default-pool-32a2cac8-sgl7`
 * (allocatable `940m` CPU, `2868952Ki` memory, `47093746742` bytes of ephemeral storage); service account
 * `default`. Fields a {@link PodDescription} leaves out are taken from here.
 *
 * @example
 * ```ts
 * import { seedPod, downwardEnv } from 'kube-downward/testing';
 *
 * const env = downwardEnv({ ...seedPod, labels: { ...seedPod.labels, tier: 'web' } });
 * console.log(env['POD_NAME']); // 'downward'
 * ```
 * @public
 */
export const seedPod: PodDescription = deepFreeze({
  name: 'downward',
  namespace: 'default',
  uid: '9d3a9e5c-0d6b-4a77-8c1e-2f6b5a4d3c21',
  nodeName: 'gke-kubia-default-pool-32a2cac8-sgl7',
  serviceAccountName: 'default',
  podIP: '10.0.0.10',
  podIPs: ['10.0.0.10'],
  hostIP: '10.128.0.4',
  hostIPs: ['10.128.0.4'],
  labels: { foo: 'bar' },
  annotations: { key1: 'value1', key2: 'multi\nline\nvalue\n' },
  containers: [
    {
      name: 'main',
      resources: { requests: { cpu: '15m', memory: '100Ki' }, limits: { cpu: '100m', memory: '4Mi' } },
    },
  ],
  nodeAllocatable: { cpu: '940m', memory: '2868952Ki', 'ephemeral-storage': '47093746742' },
});

/** A container with the API server's defaulting applied: requests filled from limits. */
export interface ResolvedContainer {
  readonly name: string;
  readonly requests: Readonly<Record<string, string>>;
  readonly limits: Readonly<Record<string, string>>;
}

/** The pod the kubelet holds: every field present and valid. */
export interface ResolvedPod {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly nodeName: string;
  readonly serviceAccountName: string;
  readonly podIPs: readonly string[];
  readonly hostIPs: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly containers: readonly ResolvedContainer[];
  readonly nodeAllocatable: Readonly<Record<string, string>>;
}

const fail = (at: string, value: unknown, rule: string): RangeError =>
  new RangeError(`pod description ${at} = ${JSON.stringify(value)} must be ${rule}`);

function text(at: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`pod description ${at} must be a string, not ${typeof value}`);
  return value;
}

function checked(at: string, value: unknown, check: (value: string) => string | undefined): string {
  const rule = check(text(at, value));
  if (rule !== undefined) throw fail(at, value, rule);
  return value as string;
}

function record(at: string, value: unknown): Readonly<Record<string, unknown>> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${at === '' ? 'a pod description' : `pod description ${at}`} must be an object`);
  }
  return value as Record<string, unknown>;
}

function stringMap(
  at: string,
  value: unknown,
  checkKey: (key: string) => string | undefined,
  checkValue: (value: string) => string | undefined = () => undefined,
): Readonly<Record<string, string>> {
  const map: Record<string, string> = {};
  for (const [key, entry] of Object.entries(record(at, value))) {
    const brokenKey = checkKey(key);
    if (brokenKey !== undefined) throw fail(`${at} key`, key, brokenKey);
    map[key] = checked(`${at}[${JSON.stringify(key)}]`, entry, checkValue);
  }
  return map;
}

/** `podIP`/`podIPs` (or the host pair) as the kubelet reports them: a non-empty list whose first entry is the IP. */
function ipList(field: 'podIP' | 'hostIP', one: unknown, many: unknown, seed: readonly string[]): readonly string[] {
  const list = many === undefined ? (one === undefined ? seed : [one]) : many;
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError(`pod description ${field}s must be a non-empty array of IP addresses`);
  }
  const ips = list.map((ip: unknown, i) => checked(`${field}s[${i}]`, ip, checkIp));
  const families = new Set(ips.map((ip) => (ip.includes(':') ? 'IPv6' : 'IPv4')));
  if (ips.length > 2 || families.size !== ips.length) {
    throw fail(`${field}s`, ips, 'one address, or two of different families (one IPv4, one IPv6) for a dual-stack pod');
  }
  if (one !== undefined && checked(field, one, checkIp) !== ips[0]) {
    throw fail(field, one, `the first entry of ${field}s (${JSON.stringify(ips[0])})`);
  }
  return ips;
}

function quantityOf(where: string, value: unknown): Quantity {
  let quantity: Quantity;
  try {
    quantity = parseQuantity(text(where, value));
  } catch (error) {
    if (!isDownwardApiError(error)) throw error;
    throw new RangeError(`pod description ${where} = ${JSON.stringify(value)} is not a Kubernetes quantity`, { cause: error });
  }
  if (quantity.sign() < 0) throw fail(where, value, 'a quantity of at least 0');
  return quantity;
}

/** The resources a `resourceFieldRef` can read; the API server refuses other names that carry no domain. */
function checkResourceName(name: string): string | undefined {
  const hugepages = /^hugepages-(.+)$/.exec(name)?.[1];
  if (hugepages !== undefined) {
    try {
      if (parseQuantity(hugepages).sign() > 0) return undefined;
    } catch (error) {
      if (!isDownwardApiError(error)) throw error;
    }
  } else if (isResourceName(`requests.${name}`)) {
    return undefined;
  }
  return 'cpu, memory, ephemeral-storage or hugepages-<size>: the resources a resourceFieldRef reads';
}

function quantities(at: string, value: unknown, checkName?: (name: string) => string | undefined): Readonly<Record<string, string>> {
  const map: Record<string, string> = {};
  for (const [resource, quantity] of Object.entries(record(at, value))) {
    const broken = checkName?.(resource);
    if (broken !== undefined) throw fail(`${at} key`, resource, broken);
    quantityOf(`${at}[${JSON.stringify(resource)}]`, quantity);
    map[resource] = quantity as string;
  }
  return map;
}

/** As the API server: a request is at most its limit, and hugepages are never overcommitted (request = limit). */
function checkRequests(at: string, requests: Readonly<Record<string, string>>, limits: Readonly<Record<string, string>>): void {
  for (const [name, request] of Object.entries(requests)) {
    const where = `${at}.resources.requests[${JSON.stringify(name)}]`;
    const limit = limits[name];
    if (limit === undefined) {
      if (name.startsWith('hugepages-')) throw fail(where, request, `matched by a limit: hugepages cannot be requested without one`);
      continue;
    }
    const order = quantityOf(where, request).cmp(quantityOf(where, limit));
    if (order > 0) throw fail(where, request, `at most its limit ${JSON.stringify(limit)}`);
    if (order < 0 && name.startsWith('hugepages-')) throw fail(where, request, `equal to its limit ${JSON.stringify(limit)}: hugepages cannot be overcommitted`);
  }
}

/** The API server's limit on all annotations of an object: keys and values, in bytes. */
const ANNOTATIONS_MAX_BYTES = 256 * 1024;
const utf8 = new TextEncoder();

function annotationMap(value: unknown): Readonly<Record<string, string>> {
  const map = stringMap('annotations', value, checkAnnotationKey);
  const total = Object.entries(map).reduce((sum, [key, text]) => sum + utf8.encode(key).length + utf8.encode(text).length, 0);
  if (total > ANNOTATIONS_MAX_BYTES) {
    throw new RangeError(`pod description annotations hold ${total} bytes of keys and values; the API server allows at most ${ANNOTATIONS_MAX_BYTES} (256 KiB)`);
  }
  return map;
}

function resolveContainers(value: unknown): readonly ResolvedContainer[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError('pod description containers must be a non-empty array: a pod has at least one container');
  }
  const names = new Set<string>();
  return value.map((container: unknown, i) => {
    const at = `containers[${i}]`;
    const { name, resources } = record(at, container);
    if (names.has(checked(`${at}.name`, name, checkDns1123Label))) throw fail(`${at}.name`, name, 'unique');
    names.add(name as string);
    const { requests, limits } = record(`${at}.resources`, resources);
    const limited = quantities(`${at}.resources.limits`, limits, checkResourceName);
    const requested = { ...limited, ...quantities(`${at}.resources.requests`, requests, checkResourceName) };
    checkRequests(at, requested, limited);
    return { name: name as string, requests: requested, limits: limited };
  });
}

/**
 * Fills in the seed pod's values and checks every field.
 *
 * @throws TypeError for a value of the wrong type; RangeError for one Kubernetes would reject.
 */
export function resolvePod(description: PodDescription): ResolvedPod {
  const pod = record('', description) as PodDescription;
  const seed = seedPod as Required<PodDescription>;
  return {
    name: checked('name', pod.name ?? seed.name, checkDns1123Subdomain),
    namespace: checked('namespace', pod.namespace ?? seed.namespace, checkDns1123Label),
    uid: checked('uid', pod.uid ?? seed.uid, checkUid),
    nodeName: checked('nodeName', pod.nodeName ?? seed.nodeName, checkDns1123Subdomain),
    serviceAccountName: checked('serviceAccountName', pod.serviceAccountName ?? seed.serviceAccountName, checkDns1123Subdomain),
    podIPs: ipList('podIP', pod.podIP, pod.podIPs, seed.podIPs),
    hostIPs: ipList('hostIP', pod.hostIP, pod.hostIPs, seed.hostIPs),
    labels: stringMap('labels', pod.labels, checkQualifiedName, checkLabelValue),
    annotations: annotationMap(pod.annotations),
    containers: resolveContainers(pod.containers ?? seed.containers),
    nodeAllocatable: { ...seed.nodeAllocatable, ...quantities('nodeAllocatable', pod.nodeAllocatable) },
  };
}
