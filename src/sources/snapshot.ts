// A snapshot as users meet it: frozen, readable in console.log and util.inspect, and JSON in both directions
// (requests and limits are bigints, which JSON cannot hold, so they travel as decimal strings).

import { DownwardApiError, problem, type DownwardApiProblem } from '../errors.js';
import type { DownwardMap } from '../format/downward-map.js';
import { isResourceName, type ResourceName, type ResourceValue } from '../format/resource.js';
import type { PodMetadata, PodMetadataSource, PodMetadataSources } from './pod-metadata.js';

/** What a snapshot is made of, before it is frozen. */
export interface SnapshotParts {
  readonly fields: Readonly<Record<string, string | readonly string[]>>;
  readonly labels: ReadonlyMap<string, string>;
  readonly annotations: ReadonlyMap<string, string>;
  readonly resources: ReadonlyMap<ResourceName, ResourceValue>;
  readonly sources: PodMetadataSources;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

function hide(target: object, key: PropertyKey, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: false });
}

/** Bigints as decimal strings; objects rebuilt with data properties only, so a `__proto__` key stays a key. */
function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(jsonValue);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, jsonValue(child)]));
  }
  return value;
}

function toJSON(this: object): unknown {
  return jsonValue(this);
}

/**
 * A null-prototype map, so that every string is a usable key; it prints as a plain object (a copy made with data
 * properties, which a `__proto__` key cannot turn into a prototype) instead of `[Object: null prototype]`.
 */
function frozenMap(entries: Iterable<readonly [string, string]>): DownwardMap {
  const map: Record<string, string> = Object.create(null);
  for (const [key, value] of entries) map[key] = value;
  hide(map, INSPECT, function (this: DownwardMap) {
    return { ...this };
  });
  return Object.freeze(map);
}

function frozenResource(value: ResourceValue): ResourceValue {
  const copy = { ...value, interval: Object.freeze({ ...value.interval }) };
  hide(copy, 'toJSON', toJSON);
  return Object.freeze(copy);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The one way a snapshot is built: by the readers and by {@link parsePodMetadataJson}. */
export function freezeSnapshot(parts: SnapshotParts): PodMetadata {
  const resources: Record<string, ResourceValue> = {};
  for (const [name, value] of parts.resources) resources[name] = frozenResource(value);
  hide(resources, 'toJSON', toJSON);
  const snapshot: Record<string, unknown> = {};
  const sources: Record<string, unknown> = {};
  // One key order whatever the order of the spec, so that equal snapshots also print and serialise the same.
  for (const field of SCALAR_FIELDS) {
    const value = parts.fields[field];
    if (value !== undefined) snapshot[field] = typeof value === 'string' ? value : Object.freeze([...value]);
    const source = parts.sources[field];
    if (source !== undefined) sources[field] = source;
  }
  snapshot['labels'] = frozenMap(parts.labels);
  snapshot['annotations'] = frozenMap(parts.annotations);
  snapshot['resources'] = Object.freeze(resources);
  snapshot['sources'] = deepFreeze({ ...sources, labels: parts.sources.labels, annotations: parts.sources.annotations, resources: parts.sources.resources });
  hide(snapshot, 'toJSON', toJSON);
  return Object.freeze(snapshot) as unknown as PodMetadata;
}

const SCALAR_FIELDS = ['name', 'namespace', 'uid', 'nodeName', 'serviceAccountName', 'podIP', 'podIPs', 'hostIP', 'hostIPs'] as const;
const LIST_FIELDS: readonly string[] = ['podIPs', 'hostIPs'];
const STRING_FIELDS = SCALAR_FIELDS.filter((field) => !LIST_FIELDS.includes(field));
const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

/** Reads the JSON of a snapshot back, collecting every problem with its JSON path. */
class JsonReader {
  readonly problems: DownwardApiProblem[] = [];

  fail(path: string, value: unknown, rule: string): undefined {
    const shown = value === undefined ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
    this.problems.push(
      problem('INVALID_METADATA', { kind: 'argument', name: `json${path}` }, shown, rule, 'Pass the text JSON.stringify(snapshot) wrote, unchanged.'),
    );
    return undefined;
  }

  object(path: string, value: unknown): Record<string, unknown> | undefined {
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : this.fail(path, value, 'an object');
  }

  string(path: string, value: unknown): string | undefined {
    return typeof value === 'string' ? value : this.fail(path, value, 'a string');
  }

  bigint(path: string, value: unknown): bigint | undefined {
    return typeof value === 'string' && INTEGER.test(value) ? BigInt(value) : this.fail(path, value, 'an integer as a decimal string');
  }

  map(path: string, value: unknown): Map<string, string> {
    const map = new Map<string, string>();
    for (const [key, entry] of Object.entries(this.object(path, value) ?? {})) {
      const text = this.string(`${path}[${JSON.stringify(key)}]`, entry);
      if (text !== undefined) map.set(key, text);
    }
    return map;
  }

  source(path: string, value: unknown): PodMetadataSource | undefined {
    const source = this.object(path, value);
    if (source === undefined) return undefined;
    const fallback = source['fallback'] === true ? { fallback: true as const } : {};
    if (source['kind'] === 'env' && typeof source['name'] === 'string') return { kind: 'env', name: source['name'], ...fallback };
    if (source['kind'] === 'file' && typeof source['path'] === 'string') return { kind: 'file', path: source['path'], ...fallback };
    return this.fail(path, value, "{ kind: 'env', name } or { kind: 'file', path }");
  }

  resource(path: string, name: string, value: unknown): ResourceValue | undefined {
    const entry = this.object(path, value);
    if (entry === undefined) return undefined;
    if (!isResourceName(name) || entry['resource'] !== name) return this.fail(path, value, `a resource value of a resource name, its key (${name})`);
    const divisor = this.string(`${path}.divisor`, entry['divisor']);
    const cpu = name === 'requests.cpu' || name === 'limits.cpu';
    const unit = cpu ? 'millicores' : 'bytes';
    const amount = this.bigint(`${path}.${unit}`, entry[unit]);
    const interval = this.object(`${path}.interval`, entry['interval']);
    const above = this.bigint(`${path}.interval.above`, interval?.['above']);
    const atMost = this.bigint(`${path}.interval.atMost`, interval?.['atMost']);
    const extra = Object.keys(entry).filter((key) => !['resource', 'divisor', unit, 'interval'].includes(key));
    if (extra.length > 0) this.fail(path, value, `free of unknown keys (${extra.join(', ')})`);
    if (divisor === undefined || amount === undefined || above === undefined || atMost === undefined) return undefined;
    return cpu
      ? { resource: name, divisor, millicores: amount, interval: { above, atMost } }
      : { resource: name as Exclude<ResourceName, 'requests.cpu' | 'limits.cpu'>, divisor, bytes: amount, interval: { above, atMost } };
  }
}

/**
 * Reads back the JSON text of a snapshot (what `JSON.stringify(snapshot)` or `kube-downward show --json` writes)
 * as a frozen snapshot, with requests and limits as bigints again.
 *
 * @remarks
 * The shape and the types are checked, and every problem is reported with its JSON path; the values are taken as
 * they were read, not validated against Kubernetes' rules again. JSON written before snapshots carried `sources`
 * reads with empty sources.
 *
 * @param json - The JSON text.
 * @returns The snapshot, equal to the one that was written.
 * @throws {@link DownwardApiError} with code `INVALID_METADATA` when the text is not the JSON of a snapshot.
 *
 * @example
 * ```ts
 * import { parsePodMetadataJson, readPodMetadataSync } from 'kube-downward';
 *
 * const pod = readPodMetadataSync({ env: { POD_NAME: 'web-0', CONTAINER_CPU_REQUEST_MILLICORES: '250' } });
 * const copy = parsePodMetadataJson(JSON.stringify(pod));
 * console.log(copy.resources['requests.cpu']?.millicores); // 250n
 * ```
 * @public
 */
export function parsePodMetadataJson(json: string): PodMetadata {
  if (typeof json !== 'string') throw new TypeError('parsePodMetadataJson takes the JSON text of a snapshot');
  const reader = new JsonReader();
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    reader.fail('', json, `JSON text (${error instanceof Error ? error.message : String(error)})`);
  }
  const root = reader.problems.length === 0 ? reader.object('', data) : undefined;
  if (root !== undefined) {
    const fields: Record<string, string | readonly string[]> = {};
    for (const field of STRING_FIELDS) {
      if (root[field] === undefined) continue;
      const text = reader.string(`.${field}`, root[field]);
      if (text !== undefined) fields[field] = text;
    }
    for (const field of LIST_FIELDS) {
      const list = root[field];
      if (list === undefined) continue;
      if (!Array.isArray(list)) reader.fail(`.${field}`, list, 'an array of strings');
      else fields[field] = list.map((entry, i) => reader.string(`.${field}[${i}]`, entry) ?? '');
    }
    const resources = new Map<ResourceName, ResourceValue>();
    for (const [name, value] of Object.entries(reader.object('.resources', root['resources']) ?? {})) {
      const resource = reader.resource(`.resources[${JSON.stringify(name)}]`, name, value);
      if (resource !== undefined) resources.set(resource.resource, resource);
    }
    const sources = readSources(reader, root['sources']);
    const known = [...STRING_FIELDS, ...LIST_FIELDS, 'labels', 'annotations', 'resources', 'sources'];
    const extra = Object.keys(root).filter((key) => !known.includes(key));
    if (extra.length > 0) reader.fail('', undefined, `a snapshot, free of unknown keys (${extra.join(', ')})`);
    const labels = reader.map('.labels', root['labels']);
    const annotations = reader.map('.annotations', root['annotations']);
    if (reader.problems.length === 0) return freezeSnapshot({ fields, labels, annotations, resources, sources });
  }
  throw new DownwardApiError({ code: 'INVALID_METADATA', summary: 'The text is not the JSON of a pod metadata snapshot.', problems: reader.problems });
}

function readSources(reader: JsonReader, value: unknown): PodMetadataSources {
  if (value === undefined) return { labels: [], annotations: [], resources: {} };
  const sources = reader.object('.sources', value) ?? {};
  const scalars: Record<string, PodMetadataSource> = {};
  for (const field of [...STRING_FIELDS, ...LIST_FIELDS]) {
    if (sources[field] === undefined) continue;
    const source = reader.source(`.sources.${field}`, sources[field]);
    if (source !== undefined) scalars[field] = source;
  }
  const list = (key: 'labels' | 'annotations'): PodMetadataSource[] => {
    const entries = sources[key];
    if (!Array.isArray(entries)) return reader.fail(`.sources.${key}`, entries, 'an array of sources') ?? [];
    return entries.flatMap((entry, i) => reader.source(`.sources.${key}[${i}]`, entry) ?? []);
  };
  const resources: Record<string, PodMetadataSource> = {};
  for (const [name, source] of Object.entries(reader.object('.sources.resources', sources['resources']) ?? {})) {
    const read = reader.source(`.sources.resources[${JSON.stringify(name)}]`, source);
    if (read !== undefined) resources[name] = read;
  }
  return { ...scalars, labels: list('labels'), annotations: list('annotations'), resources };
}
