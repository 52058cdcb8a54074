// Snapshots in the ecosystem: JSON both ways (bigints as decimal strings), readable in console.log/util.inspect, and
// resource values typed by their resource name.
import { inspect } from 'node:util';
import fc from 'fast-check';
import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { parseResourceValue, type ByteResourceValue, type CpuResourceValue } from '../src/format/resource.js';
import { checkIp, type PodMetadata } from '../src/sources/pod-metadata.js';
import { readPodMetadataSync } from '../src/sources/read.js';
import { parsePodMetadataJson } from '../src/sources/snapshot.js';
import type { VolumeFileSystem } from '../src/sources/volume.js';
import { defineSpec } from '../src/spec/spec.js';
import { createDownwardVolume, downwardEnv, seedPod, type VolumeWriterFileSystem } from '../src/testing/index.js';
import { failure } from './support.js';

function seedSnapshot(): PodMetadata {
  const { fs } = memfs({});
  createDownwardVolume({ fs: fs as unknown as VolumeWriterFileSystem, directory: '/etc/downward', pod: seedPod });
  return readPodMetadataSync({ env: downwardEnv(seedPod, { spec: { env: [] } }), fs: fs as unknown as VolumeFileSystem });
}

const hugepages = defineSpec({
  env: [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'IPS', valueFrom: { fieldRef: { fieldPath: 'status.podIPs' } } },
    { name: 'HUGE', valueFrom: { resourceFieldRef: { resource: 'limits.hugepages-2Mi', divisor: '1Mi' } } },
    { name: 'BIG', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
  ],
});

const snapshots: [string, () => PodMetadata][] = [
  ['the seed pod from its volume', seedSnapshot],
  ['the seed pod from env', () => readPodMetadataSync({ env: downwardEnv(seedPod) })],
  ['fallbacks only', () => readPodMetadataSync({ env: { HOSTNAME: 'web-0', KUBERNETES_SERVICE_HOST: '10.96.0.1' }, fs: memfs({}).fs as unknown as VolumeFileSystem })],
  ['IP lists, hugepages and a value past 2^53', () => readPodMetadataSync({ spec: hugepages, env: { POD_NAME: 'web-0', IPS: '10.0.0.7,fd00::7', HUGE: '4', BIG: '9223372036854775807' } })],
];

describe('JSON', () => {
  it.each(snapshots)('JSON.stringify writes %s with bigints as decimal strings, and parsePodMetadataJson reads it back equal', (_name, make) => {
    const pod = make();
    const text = JSON.stringify(pod);
    expect(text).not.toMatch(/\d+n\b/);
    const copy = parsePodMetadataJson(text);
    expect(copy).toEqual(pod);
    expect(JSON.stringify(copy)).toBe(text);
    expect(Object.isFrozen(copy) && Object.isFrozen(copy.labels) && Object.isFrozen(copy.resources) && Object.isFrozen(copy.sources)).toBe(true);
  });

  it('keeps integers beyond 2^53 exact', () => {
    const pod = readPodMetadataSync({ spec: hugepages, env: { POD_NAME: 'web-0', IPS: '10.0.0.7', HUGE: '4', BIG: '9223372036854775807' } });
    const json = JSON.parse(JSON.stringify(pod));
    expect(json.resources['limits.memory']).toEqual({ resource: 'limits.memory', divisor: '1', bytes: '9223372036854775807', interval: { above: '9223372036854775806', atMost: '9223372036854775807' } });
    expect(parsePodMetadataJson(JSON.stringify(pod)).resources['limits.memory']?.bytes).toBe(9223372036854775807n);
  });

  it('serialises a part of a snapshot too: the resources, one resource value', () => {
    const pod = seedSnapshot();
    expect(JSON.parse(JSON.stringify(pod.resources))['requests.cpu'].millicores).toBe('15');
    expect(JSON.parse(JSON.stringify(pod.resources['limits.memory'])).bytes).toBe('4194304');
  });

  it('carries where each value came from', () => {
    const json = JSON.parse(JSON.stringify(seedSnapshot()));
    expect(json.sources.name).toEqual({ kind: 'file', path: '/etc/downward/podName' });
    expect(json.sources.nodeName).toBeUndefined();
  });

  it('reads JSON written before snapshots had sources', () => {
    const { sources: _sources, ...old } = JSON.parse(JSON.stringify(seedSnapshot()));
    expect(parsePodMetadataJson(JSON.stringify(old)).sources).toEqual({ labels: [], annotations: [], resources: {} });
  });

  it('keeps a __proto__ key a key, never a prototype', () => {
    const pod = parsePodMetadataJson('{"labels":{"__proto__":"x","a":"b"},"annotations":{},"resources":{}}');
    expect(pod.labels['__proto__']).toBe('x');
    expect(Object.getPrototypeOf(pod.labels)).toBeNull();
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
    expect(JSON.parse(JSON.stringify(pod)).labels).toEqual(JSON.parse('{"__proto__":"x","a":"b"}'));
  });

  it.each([
    ['not JSON', '{', ['json']],
    ['not an object', '[]', ['json']],
    ['a wrong type, a bad integer and an unknown key, all at once', '{"name":1,"labels":{},"annotations":{"a":2},"resources":{"requests.cpu":{"resource":"requests.cpu","divisor":"1m","millicores":"1.5","interval":{"above":"0","atMost":"2"}}},"extra":true}', ['json.name', 'json.resources["requests.cpu"].millicores', 'json', 'json.annotations["a"]']],
    ['a resource under another name', '{"labels":{},"annotations":{},"resources":{"limits.cpu":{"resource":"requests.cpu","divisor":"1m","millicores":"1","interval":{"above":"0","atMost":"1"}}}}', ['json.resources["limits.cpu"]']],
    ['a source of no known kind', '{"labels":{},"annotations":{},"resources":{},"sources":{"name":{"kind":"guess"},"labels":[],"annotations":[],"resources":{}}}', ['json.sources.name']],
  ])('rejects %s, naming every place at fault', (_name, text, places) => {
    const error = failure(() => parsePodMetadataJson(text));
    expect(error.code).toBe('INVALID_METADATA');
    expect(error.problems.map((p) => (p.source.kind === 'argument' ? p.source.name : p.source.kind))).toEqual(places);
  });
});

describe('printing', () => {
  it('shows labels and annotations as plain objects in util.inspect and console.log', () => {
    const pod = seedSnapshot();
    expect(inspect(pod.labels)).toBe("{ foo: 'bar' }");
    expect(inspect(pod)).not.toContain('null prototype');
    expect(inspect(pod)).toContain("labels: { foo: 'bar' }");
  });

  it('shows a __proto__ key as a key', () => {
    const pod = parsePodMetadataJson('{"labels":{"__proto__":"x"},"annotations":{},"resources":{}}');
    expect(inspect(pod.labels)).toBe("{ ['__proto__']: 'x' }");
  });

  it('adds nothing enumerable to a snapshot: the keys are its fields', () => {
    const pod = seedSnapshot();
    expect(Object.keys(pod).sort()).toEqual(['annotations', 'labels', 'name', 'namespace', 'resources', 'sources']);
    expect(Object.keys(pod.resources).sort()).toEqual(['limits.memory', 'requests.cpu']);
  });
});

describe('resource value types', () => {
  it('are narrowed by the resource name, without a cast', () => {
    const pod = seedSnapshot();
    const fromPod: bigint | undefined = pod.resources['requests.cpu']?.millicores;
    const cpu: CpuResourceValue = parseResourceValue({ resource: 'requests.cpu', value: '15', divisor: '1m' });
    const memory: ByteResourceValue = parseResourceValue({ resource: 'limits.hugepages-2Mi', value: '2', divisor: '1Mi' });
    expect([fromPod, cpu.millicores, parseResourceValue({ resource: 'limits.cpu', value: '1' }).millicores, memory.bytes]).toEqual([15n, 15n, 1000n, 2n * 1024n * 1024n]);
  });
});

describe('the hand-written IP rule', () => {
  const zodIp = z.union([z.ipv4(), z.ipv6()]);
  const agrees = (text: string) => expect([text, checkIp(text) === undefined]).toEqual([text, zodIp.safeParse(text).success]);

  it.each(['10.0.0.1', '010.0.0.1', '10.0.0.300', '::', '::1', 'fd00::6', 'fe80::1%eth0', '::ffff:1.2.3.4', '1::2::3', '2001:db8::', ' ::1', '::1\n', '::@1\\', '1.2.3', ''])('agrees with zod on %j', agrees);

  it('agrees with zod on generated text', () => {
    const ipish = fc.stringMatching(/^[0-9a-fA-F:.]{0,20}$/);
    const v4 = fc.tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300)).map((parts) => parts.join('.'));
    fc.assert(
      fc.property(fc.oneof(ipish, v4, fc.string()), (text) => {
        agrees(text);
      }),
      { numRuns: 2000 },
    );
  });
});
