import { describe, expect, it } from 'vitest';
import { defaultSpec, defineSpec } from '../src/spec/spec.js';
import { failure } from './support.js';

const specError = (spec: unknown) => failure(() => defineSpec(spec));

const envVar = (valueFrom: object, name = 'X') => ({ env: [{ name, valueFrom }] });
const volumeItem = (item: object) => ({ env: [], volume: { mountPath: '/etc/podinfo', items: [item] } });

describe('the default spec', () => {
  it("is the seed's pod: seven env vars, four optional extras, and the seed's volume", () => {
    expect(defineSpec(defaultSpec)).toBe(defaultSpec);
    expect(defaultSpec.env.map((e) => [e.name, e.optional === true])).toEqual([
      ['POD_NAME', false],
      ['POD_NAMESPACE', false],
      ['POD_IP', false],
      ['NODE_NAME', false],
      ['SERVICE_ACCOUNT', false],
      ['CONTAINER_CPU_REQUEST_MILLICORES', false],
      ['CONTAINER_MEMORY_LIMIT_KIBIBYTES', false],
      ['POD_UID', true],
      ['POD_IPS', true],
      ['HOST_IP', true],
      ['HOST_IPS', true],
    ]);
    expect(defaultSpec.env[5]?.valueFrom).toEqual({ resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } });
    expect(defaultSpec.env[6]?.valueFrom).toEqual({ resourceFieldRef: { resource: 'limits.memory', divisor: '1Ki' } });
    expect(defaultSpec.volume?.mountPath).toBe('/etc/downward');
    expect(defaultSpec.volume?.items.map((i) => i.path)).toEqual([
      'podName',
      'podNamespace',
      'labels',
      'annotations',
      'containerCpuRequestMilliCores',
      'containerMemoryLimitBytes',
    ]);
    expect(Object.isFrozen(defaultSpec.env[0]?.valueFrom)).toBe(true);
  });
});

describe('defineSpec', () => {
  it('accepts plain data (as loaded from JSON or YAML) and returns it frozen', () => {
    const spec = defineSpec({
      env: [{ name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: 1000 } } }],
      volume: { mountPath: '/etc/podinfo', items: [{ path: 'sub/dir/cpu', mode: 0o400, resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' } }] },
    });
    expect(spec.env[0]?.valueFrom.resourceFieldRef?.divisor).toBe('1000');
    expect(Object.isFrozen(spec.volume?.items[0])).toBe(true);
  });

  it.each([
    ['env may not read the whole labels map', envVar({ fieldRef: { fieldPath: 'metadata.labels' } }), 'env[0].valueFrom.fieldRef.fieldPath'],
    ['env may not read an unknown field', envVar({ fieldRef: { fieldPath: 'status.phase' } }), 'env[0].valueFrom.fieldRef.fieldPath'],
    ['a label subscript must be a qualified name', envVar({ fieldRef: { fieldPath: "metadata.labels['bad key']" } }), 'env[0].valueFrom.fieldRef.fieldPath'],
    ['only labels and annotations take a subscript', envVar({ fieldRef: { fieldPath: "spec.nodeName['x']" } }), 'env[0].valueFrom.fieldRef.fieldPath'],
    ['apiVersion is v1', envVar({ fieldRef: { fieldPath: 'metadata.name', apiVersion: 'v2' } }), 'env[0].valueFrom.fieldRef.apiVersion'],
    ['CPU divisor 1k', envVar({ resourceFieldRef: { resource: 'requests.cpu', divisor: '1k' } }), 'env[0].valueFrom.resourceFieldRef.divisor'],
    ['memory divisor 1024', envVar({ resourceFieldRef: { resource: 'limits.memory', divisor: '1024' } }), 'env[0].valueFrom.resourceFieldRef.divisor'],
    ['memory divisor 1e3', envVar({ resourceFieldRef: { resource: 'limits.memory', divisor: '1e3' } }), 'env[0].valueFrom.resourceFieldRef.divisor'],
    ['memory divisor 1m', envVar({ resourceFieldRef: { resource: 'limits.memory', divisor: '1m' } }), 'env[0].valueFrom.resourceFieldRef.divisor'],
    ['unknown resource', envVar({ resourceFieldRef: { resource: 'cpu.requests' } }), 'env[0].valueFrom.resourceFieldRef.resource'],
    ['env var name', envVar({ fieldRef: { fieldPath: 'metadata.name' } }, '1BAD'), 'env[0].name'],
    ['both sources', envVar({ fieldRef: { fieldPath: 'metadata.name' }, resourceFieldRef: { resource: 'limits.cpu' } }), 'env[0].valueFrom'],
    ['no source', envVar({}), 'env[0].valueFrom'],
    ['volume may not read spec.nodeName', volumeItem({ path: 'node', fieldRef: { fieldPath: 'spec.nodeName' } }), 'volume.items[0].fieldRef.fieldPath'],
    ['volume resources need a containerName', volumeItem({ path: 'cpu', resourceFieldRef: { resource: 'limits.cpu' } }), 'volume.items[0].resourceFieldRef.containerName'],
    ['item path with ..', volumeItem({ path: 'a/../b', fieldRef: { fieldPath: 'metadata.name' } }), 'volume.items[0].path'],
    ['item path starting with ..', volumeItem({ path: '..data', fieldRef: { fieldPath: 'metadata.name' } }), 'volume.items[0].path'],
    ['absolute item path', volumeItem({ path: '/etc/x', fieldRef: { fieldPath: 'metadata.name' } }), 'volume.items[0].path'],
    ['item mode', volumeItem({ path: 'x', mode: 0o1777, fieldRef: { fieldPath: 'metadata.name' } }), 'volume.items[0].mode'],
    ['unknown key', { env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'metadata.name', extra: 1 } } }] }, 'env[0].valueFrom.fieldRef'],
    ['wrong type', { env: [{ name: 42, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }, 'env[0].name'],
    ['not an object', 'POD_NAME', '(root)'],
  ])('rejects: %s', (_why, spec, path) => {
    const error = specError(spec);
    expect(error.code).toBe('INVALID_SPEC');
    expect(error.problems.map((p) => p.source)).toContainEqual({ kind: 'spec', path });
    expect(error.message).toContain(`spec ${path}`);
  });

  it('accepts the divisors the API server accepts, by canonical string', () => {
    for (const divisor of ['1m', '1', '0.001', '1000m', '0']) {
      expect(() => defineSpec(envVar({ resourceFieldRef: { resource: 'limits.cpu', divisor } }))).not.toThrow();
    }
    for (const divisor of ['1', '1000', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei']) {
      expect(() => defineSpec(envVar({ resourceFieldRef: { resource: 'requests.hugepages-1Gi', divisor } }))).not.toThrow();
    }
  });

  it('lists every problem at once and rejects duplicate names and paths', () => {
    const error = specError({
      env: [
        { name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } },
        { name: 'A', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '2' } } },
      ],
      volume: {
        mountPath: '/etc/podinfo',
        items: [
          { path: 'x', fieldRef: { fieldPath: 'metadata.name' } },
          { path: 'x', fieldRef: { fieldPath: 'metadata.uid' } },
        ],
      },
    });
    expect(error.problems.map((p) => p.source)).toEqual([
      { kind: 'spec', path: 'env[0].valueFrom.fieldRef.fieldPath' },
      { kind: 'spec', path: 'env[1].name' },
      { kind: 'spec', path: 'env[1].valueFrom.resourceFieldRef.divisor' },
      { kind: 'spec', path: 'volume.items[1].path' },
    ]);
  });
});
