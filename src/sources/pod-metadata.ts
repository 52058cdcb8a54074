import { parseDownwardMapLines, type DownwardMap } from '../format/downward-map.js';
import { DownwardApiError, describeSource, isDownwardApiError, problem, type DownwardApiErrorCode, type DownwardApiProblem, type DownwardApiSource } from '../errors.js';
import { fieldTarget, type FieldTarget, type ScalarField } from '../format/field-path.js';
import { DNS1123_LABEL, DNS1123_LABEL_RULE, DNS1123_SUBDOMAIN, DNS1123_SUBDOMAIN_RULE, checkLabelValue } from '../format/names.js';
import {
  parseResourceValue,
  type ByteResourceName,
  type ByteResourceValue,
  type CpuResourceName,
  type CpuResourceValue,
  type ResourceName,
  type ResourceValue,
} from '../format/resource.js';
import type { DownwardValueSource } from '../spec/spec.js';
import { freezeSnapshot } from './snapshot.js';

/**
 * A container's requests and limits, keyed by Kubernetes resource name: `millicores` for CPU, `bytes` for the rest.
 *
 * @example
 * ```ts
 * import { readPodMetadataSync } from 'kube-downward';
 *
 * const { resources } = readPodMetadataSync();
 * const cpu = resources['requests.cpu']?.millicores; // 15n in the README's pod
 * ```
 * @public
 */
export type PodResources = { readonly [R in CpuResourceName]?: CpuResourceValue } & {
  readonly [R in ByteResourceName]?: ByteResourceValue;
};

/**
 * One frozen snapshot of what the pod knows about itself, with fields named as Kubernetes names them.
 *
 * @remarks
 * A field is absent when the spec does not read it (or an optional env var is absent). `labels` and `annotations`
 * hold the whole map when read from the volume, and only the keys read one by one otherwise.
 *
 * @example
 * ```ts
 * import { readPodMetadataSync, type PodMetadata } from 'kube-downward';
 *
 * const meta: PodMetadata = readPodMetadataSync();
 * console.log(`${meta.namespace}/${meta.name} on ${meta.nodeName}`);
 * ```
 * @public
 */
export interface PodMetadata {
  /** `metadata.name`. */
  readonly name?: string;
  /** `metadata.namespace`. */
  readonly namespace?: string;
  /** `metadata.uid`. */
  readonly uid?: string;
  /** `spec.nodeName`. */
  readonly nodeName?: string;
  /** `spec.serviceAccountName`. */
  readonly serviceAccountName?: string;
  /** `status.podIP`: the pod's IP of the node's preferred family. */
  readonly podIP?: string;
  /** `status.podIPs`: every pod IP, `podIP` first. */
  readonly podIPs?: readonly string[];
  /** `status.hostIP`: the node's IP. */
  readonly hostIP?: string;
  /** `status.hostIPs`: every node IP, `hostIP` first. */
  readonly hostIPs?: readonly string[];
  /** `metadata.labels`. */
  readonly labels: DownwardMap;
  /** `metadata.annotations`, including the kubelet's own `kubernetes.io/config.*` keys when read from a volume. */
  readonly annotations: DownwardMap;
  /** Requests and limits read through `resourceFieldRef`. */
  readonly resources: PodResources;
  /** Where each value came from: the env var or file, and whether it was a fallback. */
  readonly sources: PodMetadataSources;
}

/**
 * Where one value of a snapshot came from: an env var or a file, and whether it is a fallback rather than a
 * Downward API value (the namespace from the service account's `namespace` file, the name from `HOSTNAME`).
 *
 * @example
 * ```ts
 * import { readPodMetadataSync } from 'kube-downward';
 *
 * const pod = readPodMetadataSync({ env: { HOSTNAME: 'web-0', KUBERNETES_SERVICE_HOST: '10.0.0.1' } });
 * console.log(pod.sources.name); // { kind: 'env', name: 'HOSTNAME', fallback: true }
 * ```
 * @public
 */
export type PodMetadataSource =
  | { readonly kind: 'env'; readonly name: string; readonly fallback?: true }
  | { readonly kind: 'file'; readonly path: string; readonly fallback?: true };

/**
 * The sources of a snapshot's values, field by field: one source per field and resource, and for `labels` and
 * `annotations` every source that gave a key (the volume's file, env vars of single keys).
 *
 * @example
 * ```ts
 * import { readPodMetadataSync } from 'kube-downward';
 *
 * const { sources } = readPodMetadataSync();
 * if (sources.name?.fallback) console.warn('the pod name is a guess from HOSTNAME');
 * ```
 * @public
 */
export interface PodMetadataSources {
  /** Where `name` came from. */
  readonly name?: PodMetadataSource;
  /** Where `namespace` came from. */
  readonly namespace?: PodMetadataSource;
  /** Where `uid` came from. */
  readonly uid?: PodMetadataSource;
  /** Where `nodeName` came from. */
  readonly nodeName?: PodMetadataSource;
  /** Where `serviceAccountName` came from. */
  readonly serviceAccountName?: PodMetadataSource;
  /** Where `podIP` came from. */
  readonly podIP?: PodMetadataSource;
  /** Where `podIPs` came from. */
  readonly podIPs?: PodMetadataSource;
  /** Where `hostIP` came from. */
  readonly hostIP?: PodMetadataSource;
  /** Where `hostIPs` came from. */
  readonly hostIPs?: PodMetadataSource;
  /** Every source that gave a label, in the order read; empty when there are none. */
  readonly labels: readonly PodMetadataSource[];
  /** Every source that gave an annotation, in the order read; empty when there are none. */
  readonly annotations: readonly PodMetadataSource[];
  /** Where each resource came from. */
  readonly resources: Readonly<Partial<Record<ResourceName, PodMetadataSource>>>;
}

/** Where a spec entry's value lands. */
export type Target =
  | FieldTarget
  | { readonly kind: 'resource'; readonly resource: ResourceName; readonly divisor: string | undefined };

/** The PodMetadata slot a validated spec entry fills. */
export function targetOf(source: DownwardValueSource): Target {
  if (source.resourceFieldRef !== undefined) {
    const { resource, divisor } = source.resourceFieldRef;
    return { kind: 'resource', resource: resource as ResourceName, divisor };
  }
  const target = fieldTarget(source.fieldRef.fieldPath);
  if (target === undefined) throw new TypeError(`unvalidated spec: unknown fieldPath ${source.fieldRef.fieldPath}`);
  return target;
}

/**
 * One raw value read from an env var or a file, before validation. A labels or annotations file comes as pieces of
 * whole lines (`decodeUtf8Lines`), whose `join('\n')` is its text.
 */
export interface Reading {
  readonly target: Target;
  readonly raw: string | readonly string[];
  readonly source: DownwardApiSource;
  /** Read where the Downward API gave nothing (HOSTNAME, the service account's namespace file). */
  readonly fallback?: true;
}

interface FieldRule {
  /** The parsed value, or undefined when the text breaks the rule. */
  readonly parse: (raw: string) => string | readonly string[] | undefined;
  readonly code: DownwardApiErrorCode;
  readonly rule: string;
}

// Hand-written rather than zod: the synchronous reader runs at every process start, and these few rules are the
// same as zod's `ipv4()`/`ipv6()` (test/pod-metadata-rules.test.ts holds them to it).
const IPV4 = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])$/;
const IPV6_ALPHABET = /^[0-9a-fA-F:.]+$/;
const UID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i;

function isIp(text: string): boolean {
  // IPv6 as zod checks it: only hex digits, ':' and '.', and a valid URL host in brackets (which also takes the
  // IPv4-mapped form `::ffff:1.2.3.4`).
  return IPV4.test(text) || (IPV6_ALPHABET.test(text) && URL.canParse(`http://[${text}]`));
}

const matching = (test: (raw: string) => boolean) => (raw: string) => (test(raw) ? raw : undefined);

const dnsSubdomain: FieldRule = {
  parse: matching((raw) => raw.length <= 253 && DNS1123_SUBDOMAIN.test(raw)),
  code: 'INVALID_NAME',
  rule: DNS1123_SUBDOMAIN_RULE,
};
const ipRule: FieldRule = { parse: matching(isIp), code: 'INVALID_IP', rule: 'an IPv4 or IPv6 address' };

/** The rule an IP address text breaks, or undefined: the check the reader applies to `podIP` and `hostIP`. */
export function checkIp(value: string): string | undefined {
  return isIp(value) ? undefined : ipRule.rule;
}
const ipListRule: FieldRule = {
  parse: (raw) => {
    const list = raw.split(',');
    return list.every(isIp) ? list : undefined;
  },
  code: 'INVALID_IP',
  rule: "a list of IPv4 or IPv6 addresses joined by ',' without spaces",
};

const SCALAR_RULES: Readonly<Record<ScalarField, FieldRule>> = {
  name: dnsSubdomain,
  nodeName: dnsSubdomain,
  serviceAccountName: dnsSubdomain,
  namespace: {
    parse: matching((raw) => raw.length <= 63 && DNS1123_LABEL.test(raw)),
    code: 'INVALID_NAME',
    rule: DNS1123_LABEL_RULE,
  },
  // API-server uids are RFC 4122 UUIDs; static pods carry the kubelet's 32-hex-digit hash of their manifest.
  uid: {
    parse: matching((raw) => UID.test(raw)),
    code: 'INVALID_UID',
    rule: 'a UUID (8-4-4-4-12 hex digits) or, for a static pod, 32 hex digits',
  },
  podIP: ipRule,
  hostIP: ipRule,
  podIPs: ipListRule,
  hostIPs: ipListRule,
};

/** The rule a uid text breaks, or undefined: the check the reader applies to `metadata.uid`. */
export function checkUid(value: string): string | undefined {
  return UID.test(value) ? undefined : SCALAR_RULES.uid.rule;
}

function hintFor(source: DownwardApiSource, fieldPath: string): string {
  const where =
    source.kind === 'env'
      ? `that ${source.name} is set from valueFrom.fieldRef.fieldPath ${fieldPath}`
      : `that this file comes from a downwardAPI item with fieldPath ${fieldPath}`;
  return `Check ${where} in the pod manifest, not from a literal value (\`kube-downward manifest\` prints the entries).`;
}

const FIELD_PATHS: Readonly<Record<ScalarField, string>> = {
  name: 'metadata.name',
  namespace: 'metadata.namespace',
  uid: 'metadata.uid',
  nodeName: 'spec.nodeName',
  serviceAccountName: 'spec.serviceAccountName',
  podIP: 'status.podIP',
  podIPs: 'status.podIPs',
  hostIP: 'status.hostIP',
  hostIPs: 'status.hostIPs',
};

type Slot<V> = { readonly value: V; readonly source: DownwardApiSource; readonly fallback?: true };

function sameText<V extends string | readonly string[]>(a: V, b: V): V | undefined {
  return String(a) === String(b) ? a : undefined;
}

/**
 * Two readings of one resource (say, an env var in KiB and a file in bytes) agree when their intervals overlap;
 * the result is the narrower reading, bounded by the overlap.
 */
function mergeResource(a: ResourceValue, b: ResourceValue): ResourceValue | undefined {
  const above = a.interval.above > b.interval.above ? a.interval.above : b.interval.above;
  const atMost = a.interval.atMost < b.interval.atMost ? a.interval.atMost : b.interval.atMost;
  if (above >= atMost) return undefined;
  const width = (v: ResourceValue): bigint => v.interval.atMost - v.interval.above;
  const narrower = width(a) <= width(b) ? a : b;
  const interval = Object.freeze({ above, atMost });
  return Object.freeze('millicores' in narrower ? { ...narrower, millicores: atMost, interval } : { ...narrower, bytes: atMost, interval });
}

/** The values of one kind of field, keyed, checking that every source of a key agrees. */
class Slots<K, V> {
  readonly entries = new Map<K, Slot<V>>();

  /**
   * @param merge - Combines two agreeing values, or returns undefined when they conflict.
   * @param live - Whether a volume file can change while env stays as it was at container start; then the file wins.
   */
  constructor(
    private readonly merge: (a: V, b: V) => V | undefined,
    private readonly live: boolean,
    private readonly problems: DownwardApiProblem[],
  ) {}

  put(key: K, slot: Slot<V>, label: string): void {
    const previous = this.entries.get(key);
    if (previous === undefined) {
      this.entries.set(key, slot);
      return;
    }
    if (this.live && previous.source.kind !== slot.source.kind) {
      if (slot.source.kind === 'file') this.entries.set(key, slot);
      return;
    }
    const merged = this.merge(previous.value, slot.value);
    if (merged !== undefined) {
      this.entries.set(key, { ...previous, value: merged });
      return;
    }
    const shown = (v: V): string | undefined => (typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : undefined);
    const before = shown(previous.value);
    this.problems.push(
      problem(
        'CONFLICT',
        slot.source,
        shown(slot.value),
        `equal to ${label} from ${describeSource(previous.source)}${before === undefined ? '' : ` (${JSON.stringify(before)})`}`,
        'Both sources should come from the same pod field; check the manifest for a literal value or a stale copy.',
      ),
    );
  }
}

/**
 * Validates every reading, checks that sources agree, and builds one frozen PodMetadata; `found` holds the problems
 * met while reading (missing values, unreadable files), reported together with the rest.
 */
export function assemblePodMetadata(readings: readonly Reading[], found: readonly DownwardApiProblem[]): PodMetadata {
  const problems: DownwardApiProblem[] = [...found];
  const scalars = new Slots<ScalarField, string | readonly string[]>(sameText, false, problems);
  const maps = {
    labels: new Slots<string, string>(sameText, true, problems),
    annotations: new Slots<string, string>(sameText, true, problems),
  };
  const resources = new Slots<ResourceName, ResourceValue>(mergeResource, true, problems);

  for (const reading of readings) {
    const { target, source } = reading;
    const from = reading.fallback === true ? { source, fallback: true as const } : { source };
    if (target.kind === 'map') {
      // Parsed in the pieces it was read in: joining a large labels or annotations file is what they avoid.
      try {
        const path = source.kind === 'file' ? source.path : describeSource(source);
        for (const [key, value] of Object.entries(parseDownwardMapLines(piecesOf(reading.raw), { keys: target.field, path }))) {
          const rule = target.field === 'labels' ? checkLabelValue(value) : undefined;
          if (rule === undefined) maps[target.field].put(key, { value, ...from }, `${target.field}['${key}']`);
          else problems.push(problem('INVALID_LABEL_VALUE', lineOf(source, wholeText(reading.raw), key), value, rule, hintFor(source, 'metadata.labels')));
        }
      } catch (error) {
        if (!isDownwardApiError(error)) throw error;
        problems.push(...error.problems);
      }
      continue;
    }
    const raw = wholeText(reading.raw);
    switch (target.kind) {
      case 'scalar': {
        const rule = SCALAR_RULES[target.field];
        const parsed = rule.parse(raw);
        if (parsed !== undefined) scalars.put(target.field, { value: parsed, ...from }, target.field);
        else problems.push(problem(rule.code, source, raw, rule.rule, hintFor(source, FIELD_PATHS[target.field])));
        break;
      }
      case 'mapKey': {
        const rule = target.field === 'labels' ? checkLabelValue(raw) : undefined;
        if (rule === undefined) maps[target.field].put(target.key, { value: raw, ...from }, `${target.field}['${target.key}']`);
        else problems.push(problem('INVALID_LABEL_VALUE', source, raw, rule, hintFor(source, `metadata.labels['${target.key}']`)));
        break;
      }
      case 'resource':
        try {
          const { resource, divisor } = target;
          const value = parseResourceValue({ resource, value: raw, source, ...(divisor === undefined ? {} : { divisor }) });
          resources.put(target.resource, { value, ...from }, target.resource);
        } catch (error) {
          if (!isDownwardApiError(error)) throw error;
          problems.push(...error.problems);
        }
        break;
    }
  }

  checkIpList(scalars.entries, 'podIP', 'podIPs', problems);
  checkIpList(scalars.entries, 'hostIP', 'hostIPs', problems);

  if (problems.length > 0) {
    throw new DownwardApiError({
      code: 'INVALID_METADATA',
      summary: `The pod's Downward API values are not valid (${problems.length} problem${problems.length === 1 ? '' : 's'}).`,
      problems,
    });
  }

  const fields: Record<string, string | readonly string[]> = {};
  const sources: Record<string, PodMetadataSource> = {};
  for (const [field, slot] of scalars.entries) {
    fields[field] = slot.value;
    sources[field] = sourceOf(slot);
  }
  const mapOf = (slots: Map<string, Slot<string>>) => new Map([...slots].map(([key, slot]) => [key, slot.value]));
  const sourcesOf = (slots: Iterable<Slot<unknown>>) => {
    const seen = new Map<string, PodMetadataSource>();
    for (const slot of slots) seen.set(JSON.stringify(slot.source), sourceOf(slot));
    return [...seen.values()];
  };
  return freezeSnapshot({
    fields,
    labels: mapOf(maps.labels.entries),
    annotations: mapOf(maps.annotations.entries),
    resources: new Map([...resources.entries].map(([name, slot]) => [name, slot.value])),
    sources: {
      ...sources,
      labels: sourcesOf(maps.labels.entries.values()),
      annotations: sourcesOf(maps.annotations.entries.values()),
      resources: Object.fromEntries([...resources.entries].map(([name, slot]) => [name, sourceOf(slot)])),
    },
  });
}

const piecesOf = (raw: string | readonly string[]): readonly string[] => (typeof raw === 'string' ? [raw] : raw);
const wholeText = (raw: string | readonly string[]): string => (typeof raw === 'string' ? raw : raw.join('\n'));

/** The snapshot names a file by its path only: lines and columns belong to problems. */
function sourceOf(slot: Slot<unknown>): PodMetadataSource {
  const fallback = slot.fallback === true ? { fallback: true as const } : {};
  const { source } = slot;
  if (source.kind === 'env') return { kind: 'env', name: source.name, ...fallback };
  if (source.kind === 'file') return { kind: 'file', path: source.path, ...fallback };
  throw new TypeError(`a reading comes from an env var or a file, not from ${describeSource(source)}`);
}

/** The file source narrowed to the line of `key` and the column of its value (keys hold no `=` or newline). */
function lineOf(source: DownwardApiSource, raw: string, key: string): DownwardApiSource {
  if (source.kind !== 'file') return source;
  const line = raw.split('\n').findIndex((text) => text.startsWith(`${key}=`));
  return line < 0 ? source : { ...source, line: line + 1, column: key.length + 2 };
}

/** The kubelet puts `status.podIP` first in `status.podIPs`; anything else means the values were not injected. */
function checkIpList(
  scalars: Map<ScalarField, Slot<string | readonly string[]>>,
  single: 'podIP' | 'hostIP',
  list: 'podIPs' | 'hostIPs',
  problems: DownwardApiProblem[],
): void {
  const one = scalars.get(single);
  const many = scalars.get(list);
  if (one === undefined || many === undefined) return;
  const first = (many.value as readonly string[])[0];
  if (first !== one.value) {
    problems.push(
      problem(
        'IP_LIST_MISMATCH',
        many.source,
        (many.value as readonly string[]).join(','),
        `a list whose first entry equals ${single} from ${describeSource(one.source)} (${String(one.value)})`,
        `Set both from the same pod: ${FIELD_PATHS[list]} and ${FIELD_PATHS[single]} are written together by the kubelet.`,
      ),
    );
  }
}
