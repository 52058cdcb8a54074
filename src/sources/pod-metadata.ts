import * as z from 'zod/mini';
import { parseDownwardMap, type DownwardMap } from '../format/downward-map.js';
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

/** One raw value read from an env var or a file, before validation. */
export interface Reading {
  readonly target: Target;
  readonly raw: string;
  readonly source: DownwardApiSource;
}

interface FieldRule {
  readonly schema: z.ZodMiniType<unknown, string>;
  readonly code: DownwardApiErrorCode;
  readonly rule: string;
}

const dnsSubdomain: FieldRule = {
  schema: z.string().check(z.maxLength(253), z.regex(DNS1123_SUBDOMAIN)),
  code: 'INVALID_NAME',
  rule: DNS1123_SUBDOMAIN_RULE,
};
const ip = z.union([z.ipv4(), z.ipv6()]);
const ipRule: FieldRule = { schema: ip, code: 'INVALID_IP', rule: 'an IPv4 or IPv6 address' };

/** The rule an IP address text breaks, or undefined: the check the reader applies to `podIP` and `hostIP`. */
export function checkIp(value: string): string | undefined {
  return ip.safeParse(value).success ? undefined : ipRule.rule;
}
const ipListRule: FieldRule = {
  schema: z.pipe(
    z.string(),
    z.pipe(
      z.transform((text: string) => text.split(',')),
      z.array(ip),
    ),
  ),
  code: 'INVALID_IP',
  rule: "a list of IPv4 or IPv6 addresses joined by ',' without spaces",
};

const SCALAR_RULES: Readonly<Record<ScalarField, FieldRule>> = {
  name: dnsSubdomain,
  nodeName: dnsSubdomain,
  serviceAccountName: dnsSubdomain,
  namespace: {
    schema: z.string().check(z.maxLength(63), z.regex(DNS1123_LABEL)),
    code: 'INVALID_NAME',
    rule: DNS1123_LABEL_RULE,
  },
  // API-server uids are RFC 4122 UUIDs; static pods carry the kubelet's 32-hex-digit hash of their manifest.
  uid: {
    schema: z.string().check(z.regex(/^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i)),
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
  return SCALAR_RULES.uid.schema.safeParse(value).success ? undefined : SCALAR_RULES.uid.rule;
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

type Slot<V> = { readonly value: V; readonly source: DownwardApiSource };

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
      this.entries.set(key, { value: merged, source: previous.source });
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
    const { target, raw, source } = reading;
    switch (target.kind) {
      case 'scalar': {
        const rule = SCALAR_RULES[target.field];
        const parsed = rule.schema.safeParse(raw);
        if (parsed.success) scalars.put(target.field, { value: parsed.data as string | readonly string[], source }, target.field);
        else problems.push(problem(rule.code, source, raw, rule.rule, hintFor(source, FIELD_PATHS[target.field])));
        break;
      }
      case 'mapKey': {
        const rule = target.field === 'labels' ? checkLabelValue(raw) : undefined;
        if (rule === undefined) maps[target.field].put(target.key, { value: raw, source }, `${target.field}['${target.key}']`);
        else problems.push(problem('INVALID_LABEL_VALUE', source, raw, rule, hintFor(source, `metadata.labels['${target.key}']`)));
        break;
      }
      case 'map':
        try {
          const path = source.kind === 'file' ? source.path : describeSource(source);
          for (const [key, value] of Object.entries(parseDownwardMap(raw, { keys: target.field, path }))) {
            const rule = target.field === 'labels' ? checkLabelValue(value) : undefined;
            if (rule === undefined) maps[target.field].put(key, { value, source }, `${target.field}['${key}']`);
            else problems.push(problem('INVALID_LABEL_VALUE', lineOf(source, raw, key), value, rule, hintFor(source, 'metadata.labels')));
          }
        } catch (error) {
          if (!isDownwardApiError(error)) throw error;
          problems.push(...error.problems);
        }
        break;
      case 'resource':
        try {
          const { resource, divisor } = target;
          const value = parseResourceValue({ resource, value: raw, source, ...(divisor === undefined ? {} : { divisor }) });
          resources.put(target.resource, { value, source }, target.resource);
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

  const meta: Record<string, unknown> = {};
  for (const [field, slot] of scalars.entries) meta[field] = Array.isArray(slot.value) ? Object.freeze([...slot.value]) : slot.value;
  meta['labels'] = frozenMap(maps.labels.entries);
  meta['annotations'] = frozenMap(maps.annotations.entries);
  meta['resources'] = Object.freeze(Object.fromEntries([...resources.entries].map(([name, slot]) => [name, slot.value])));
  return Object.freeze(meta) as unknown as PodMetadata;
}

/** The file source narrowed to the line of `key` and the column of its value (keys hold no `=` or newline). */
function lineOf(source: DownwardApiSource, raw: string, key: string): DownwardApiSource {
  if (source.kind !== 'file') return source;
  const line = raw.split('\n').findIndex((text) => text.startsWith(`${key}=`));
  return line < 0 ? source : { ...source, line: line + 1, column: key.length + 2 };
}

function frozenMap(slots: Map<string, Slot<string>>): DownwardMap {
  const map: Record<string, string> = Object.create(null);
  for (const [key, slot] of slots) map[key] = slot.value;
  return Object.freeze(map);
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
