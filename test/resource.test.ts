import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseQuantity } from '../src/format/quantity.js';
import {
  canonicalDivisor,
  formatResourceValue,
  isResourceName,
  parseResourceValue,
  type ByteResourceName,
  type ResourceName,
  type ResourceValue,
} from '../src/format/resource.js';
import { failure } from './support.js';

interface DivisorVector {
  readonly resource: ResourceName;
  readonly container_value: string | null;
  readonly node_allocatable?: string;
  readonly effective_quantity: string;
  readonly divisor: string | null;
  readonly divisor_string?: string;
  readonly divisor_passes_api_validation: boolean;
  readonly result: string;
}

const vectors = (
  JSON.parse(readFileSync(new URL('../fixtures/vectors/resource-divisor.json', import.meta.url), 'utf8')) as {
    vectors: DivisorVector[];
  }
).vectors;

function optionsOf(vector: DivisorVector) {
  return {
    resource: vector.resource,
    ...(vector.container_value === null ? {} : { quantity: vector.container_value }),
    ...(vector.divisor === null ? {} : { divisor: vector.divisor }),
    ...(vector.node_allocatable === undefined ? {} : { nodeAllocatable: vector.node_allocatable }),
  };
}

const named = (list: DivisorVector[]) =>
  list.map((v) => [`${v.resource} ${v.container_value ?? 'unset'} / ${v.divisor ?? 'omitted'}`, v] as const);


function millicoresOrBytes(value: ResourceValue): bigint {
  return 'millicores' in value ? value.millicores : value.bytes;
}

describe('formatResourceValue: reference vectors from the kubelet', () => {
  it('covers every vector', () => {
    expect(vectors).toHaveLength(242);
  });

  it.each(named(vectors.filter((v) => v.divisor_passes_api_validation)))('%s', (_, vector) => {
    expect(formatResourceValue(optionsOf(vector))).toBe(vector.result);
    expect(canonicalDivisor(vector.resource, vector.divisor ?? undefined)).toBe(
      vector.divisor_string === undefined || vector.divisor_string === '0' ? '1' : vector.divisor_string,
    );
  });

  it.each(named(vectors.filter((v) => !v.divisor_passes_api_validation)))('%s is rejected', (_, vector) => {
    const error = failure(() => formatResourceValue(optionsOf(vector)));
    expect(error.code).toBe('INVALID_DIVISOR');
    expect(error.problems[0]).toMatchObject({
      code: 'INVALID_DIVISOR',
      source: { kind: 'argument', name: 'divisor' },
      value: vector.divisor,
    });
    expect(error.message).toContain(vector.resource);
  });
});

describe('the seed pod (requests.cpu 15m, limits.memory 4Mi)', () => {
  it('writes and reads back requests.cpu with divisor 1m', () => {
    const value = formatResourceValue({ resource: 'requests.cpu', quantity: '15m', divisor: '1m' });
    expect(value).toBe('15');
    expect(parseResourceValue({ resource: 'requests.cpu', value, divisor: '1m' })).toEqual({
      resource: 'requests.cpu',
      divisor: '1m',
      millicores: 15n,
      interval: { above: 14n, atMost: 15n },
    });
  });

  it('writes and reads back limits.memory with divisor 1Ki', () => {
    const value = formatResourceValue({ resource: 'limits.memory', quantity: '4Mi', divisor: '1Ki' });
    expect(value).toBe('4096');
    expect(parseResourceValue({ resource: 'limits.memory', value, divisor: '1Ki' })).toEqual({
      resource: 'limits.memory',
      divisor: '1Ki',
      bytes: 4194304n,
      interval: { above: 4193280n, atMost: 4194304n },
    });
  });
});

describe('canonicalDivisor', () => {
  it.each([
    ['requests.cpu', '1000m', '1'],
    ['requests.cpu', '0.001', '1m'],
    ['limits.memory', '1000', '1k'],
    ['limits.memory', '1024Ki', '1Mi'],
    ['requests.hugepages-2Mi', '1Gi', '1Gi'],
    ['limits.ephemeral-storage', '0Ki', '1'],
    ['requests.cpu', '1.0', '1'],
  ] as const)('%s accepts %s as %s', (resource, divisor, canonical) => {
    expect(canonicalDivisor(resource, divisor)).toBe(canonical);
    expect(canonicalDivisor(resource, parseQuantity(divisor))).toBe(canonical);
  });

  it.each([
    ['requests.cpu', '1k', 'use 1m for millicores'],
    ['limits.memory', '1024', '1Ki'],
    ['limits.memory', '1e3', '1Ki'],
    ['limits.memory', '1m', '1Ki'],
    ['limits.hugepages-1Gi', '2Mi', '1Ki'],
    // Go's String() returns these texts as written (it caches them as canonical), so the API server rejects them.
    ['requests.cpu', '+1', 'use 1m'],
    ['limits.memory', '01Ki', '1Ki'],
  ] as const)('%s rejects %s', (resource, divisor, hint) => {
    const error = failure(() => canonicalDivisor(resource, divisor));
    expect(error.code).toBe('INVALID_DIVISOR');
    expect(error.problems[0]?.rule).toContain(resource);
    expect(error.problems[0]?.hint.toLowerCase()).toContain(hint.toLowerCase());
  });

  it('reports a divisor that is not a quantity as INVALID_QUANTITY', () => {
    const error = failure(() => canonicalDivisor('requests.cpu', '1 m'));
    expect(error.code).toBe('INVALID_QUANTITY');
    expect(error.problems[0]?.source).toEqual({ kind: 'argument', name: 'divisor' });
  });

  it('throws a TypeError for a resource a resourceFieldRef cannot name', () => {
    expect(() => canonicalDivisor('limits.nvidia.com/gpu' as ResourceName, '1')).toThrow(TypeError);
  });
});

describe('isResourceName', () => {
  it.each(['requests.cpu', 'limits.ephemeral-storage', 'limits.hugepages-2Mi', 'requests.hugepages-1Gi'])(
    'accepts %s',
    (name) => expect(isResourceName(name)).toBe(true),
  );
  it.each(['cpu', 'limits.gpu', 'requests.hugepages', 'limits.CPU', 'requests.storage'])('rejects %s', (name) =>
    expect(isResourceName(name)).toBe(false),
  );
});

describe('formatResourceValue: limits and defaults', () => {
  it('writes 0 for a missing or zero limit when the node lists no allocatable for it, as the kubelet does', () => {
    expect(formatResourceValue({ resource: 'limits.cpu' })).toBe('0');
    expect(formatResourceValue({ resource: 'limits.ephemeral-storage', quantity: '0' })).toBe('0');
    const options = { resource: 'limits.ephemeral-storage', nodeAllocatable: '100Gi', divisor: '1Gi' } as const;
    expect(formatResourceValue(options)).toBe('100');
  });

  it('leaves requests and hugepages limits alone', () => {
    expect(formatResourceValue({ resource: 'requests.cpu' })).toBe('0');
    expect(formatResourceValue({ resource: 'limits.hugepages-2Mi' })).toBe('0');
  });

  it('rounds through float64 as the kubelet does', () => {
    // float64(9007199254740993) is 9007199254740992, a multiple of 1024.
    expect(formatResourceValue({ resource: 'requests.memory', quantity: '9007199254740993', divisor: '1Ki' })).toBe(
      '8796093022208',
    );
  });

  it('saturates past int64 and converts 2^63 as Go does on amd64', () => {
    expect(formatResourceValue({ resource: 'limits.memory', quantity: '8Ei' })).toBe('-9223372036854775808');
    expect(formatResourceValue({ resource: 'limits.memory', quantity: '1e999999', divisor: '1Ei' })).toBe('8');
    expect(formatResourceValue({ resource: 'limits.cpu', quantity: '1e30', divisor: '1' })).toBe('9223372036854776');
  });

  it('names the option a bad quantity came from', () => {
    const error = failure(() => formatResourceValue({ resource: 'limits.memory', nodeAllocatable: '16 Gi' }));
    expect(error.problems[0]?.source).toEqual({ kind: 'argument', name: 'nodeAllocatable' });
  });
});

describe('parseResourceValue', () => {
  it('multiplies exactly far beyond 2^53', () => {
    const value = parseResourceValue({ resource: 'limits.memory', value: '9007199254740993', divisor: '1Ei' });
    expect(millicoresOrBytes(value)).toBe(9007199254740993n * 2n ** 60n);
    expect(value.interval.above).toBe(9007199254740992n * 2n ** 60n);
  });

  it('counts CPU in millicores whatever the divisor', () => {
    const cpu = parseResourceValue({ resource: 'limits.cpu', value: '2' });
    expect(cpu).toMatchObject({ divisor: '1', millicores: 2000n });
    expect(parseResourceValue({ resource: 'limits.cpu', value: '0', divisor: '0' }).interval).toEqual({
      above: -1000n,
      atMost: 0n,
    });
  });

  it('returns frozen results', () => {
    const value = parseResourceValue({ resource: 'requests.memory', value: '1' });
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value.interval)).toBe(true);
  });

  it.each(['', '1.5', '-3', ' 15', '15 ', '015', '1e3', '+1', '1Ki', '9223372036854775808'])(
    'rejects %j',
    (text) => {
      const error = failure(() => parseResourceValue({ resource: 'requests.cpu', value: text }));
      expect(error.code).toBe('INVALID_RESOURCE_VALUE');
      expect(error.problems[0]).toMatchObject({
        source: { kind: 'argument', name: 'value' },
        value: text,
        rule: 'the non-negative decimal integer the kubelet writes',
      });
    },
  );

  it('names the source it is given', () => {
    const source = { kind: 'file', path: '/etc/podinfo/cpu_limit' } as const;
    const error = failure(() => parseResourceValue({ resource: 'limits.cpu', value: '1\n', source }));
    expect(error.problems[0]?.source).toEqual(source);
  });
});

describe('round trip: the value read back brackets the true value', () => {
  const byteResources: ByteResourceName[] = [
    'requests.memory',
    'limits.memory',
    'requests.ephemeral-storage',
    'limits.ephemeral-storage',
    'requests.hugepages-2Mi',
    'limits.hugepages-1Gi',
  ];
  const divisorOf = (allowed: string[]) => fc.option(fc.constantFrom(...allowed), { nil: undefined });
  // Spellings of one amount, all below 2^53 base units so the kubelet's float64 arithmetic is exact.
  const cpu = fc.record({
    resource: fc.constantFrom<ResourceName>('requests.cpu', 'limits.cpu'),
    quantity: fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 50n }).map((m) => `${m}m`),
      fc.bigInt({ min: 0n, max: 2n ** 40n }).map(String),
      fc.bigInt({ min: 0n, max: 2n ** 50n }).map((n) => `${n}n`),
      fc.tuple(fc.nat(10_000), fc.nat(999)).map(([whole, fraction]) => `${whole}.${fraction}`),
    ),
    divisor: divisorOf(['1m', '1', '1000m', '0.001']),
  });
  const bytes = fc.record({
    resource: fc.constantFrom<ResourceName>(...byteResources),
    quantity: fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 52n }).map(String),
      fc.tuple(fc.nat(100_000), fc.constantFrom('Ki', 'Mi', 'Gi', 'k', 'M', 'G', 'T')).map(([n, s]) => `${n}${s}`),
      fc.tuple(fc.nat(1000), fc.nat(999), fc.constantFrom('Ki', 'Mi', 'Gi', 'M')).map(([w, f, s]) => `${w}.${f}${s}`),
      fc.bigInt({ min: 0n, max: 2n ** 50n }).map((m) => `${m}m`),
    ),
    divisor: divisorOf(['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei', '1000']),
  });

  it('holds for random quantities and divisors', () => {
    fc.assert(
      fc.property(fc.oneof(cpu, bytes), ({ resource, quantity, divisor }) => {
        // A zero limit is replaced by allocatable; giving the same quantity keeps the true value unchanged.
        const base = { resource, quantity, nodeAllocatable: quantity };
        const options = divisor === undefined ? base : { ...base, divisor };
        const read = parseResourceValue({
          resource,
          value: formatResourceValue(options),
          ...(divisor === undefined ? {} : { divisor }),
        });
        const q = parseQuantity(quantity);
        const truth = 'millicores' in read ? q.milliValue() : q.value();
        expect(read.interval.above < truth && truth <= read.interval.atMost).toBe(true);
        expect(millicoresOrBytes(read)).toBe(read.interval.atMost);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('formatResourceValue: every combination of set and unset request, limit and allocatable', () => {
  // What each resource's spec value, node allocatable and true amount (millicores or bytes) are in this table.
  const amounts: Record<string, { set: string; setValue: bigint; allocatable: string; allocatableValue: bigint }> = {
    cpu: { set: '1500m', setValue: 1500n, allocatable: '3900m', allocatableValue: 3900n },
    memory: { set: '3Gi', setValue: 3n * 2n ** 30n, allocatable: '15.5Gi', allocatableValue: 31n * 2n ** 29n },
    'ephemeral-storage': { set: '20G', setValue: 20n * 10n ** 9n, allocatable: '100Gi', allocatableValue: 100n * 2n ** 30n },
    'hugepages-2Mi': { set: '6Mi', setValue: 6n * 2n ** 20n, allocatable: '1Gi', allocatableValue: 2n ** 30n },
  };
  const CPU_DIVISORS = ['1m', '1'];
  const BYTE_DIVISORS = ['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'];
  const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;
  const cases = Object.entries(amounts).flatMap(([name, amount]) =>
    (['requests', 'limits'] as const).flatMap((kind) =>
      (['unset', 'zero', 'set'] as const).flatMap((own) =>
        (['unset', 'zero', 'set'] as const).flatMap((node) =>
          (name === 'cpu' ? CPU_DIVISORS : BYTE_DIVISORS).map((divisor) => ({ name, amount, kind, own, node, divisor })),
        ),
      ),
    ),
  );

  it.each(cases.map((c) => [`${c.kind}.${c.name} ${c.own}, allocatable ${c.node}, divisor ${c.divisor}`, c] as const))(
    '%s',
    (_, { name, amount, kind, own, node, divisor }) => {
      const resource = `${kind}.${name}` as ResourceName;
      // MergeContainerResourceLimits: only cpu, memory and ephemeral-storage limits, only when missing or zero,
      // only when the node lists the resource.
      const defaulted = kind === 'limits' && name !== 'hugepages-2Mi' && own !== 'set' && node !== 'unset';
      const value = defaulted ? (node === 'set' ? amount.allocatableValue : 0n) : own === 'set' ? amount.setValue : 0n;
      const unit = name === 'cpu' ? parseQuantity(divisor).milliValue() : parseQuantity(divisor).value();
      const expected = ceilDiv(value, unit).toString();
      const options = {
        resource,
        divisor,
        ...(own === 'unset' ? {} : { quantity: own === 'set' ? amount.set : '0' }),
        ...(node === 'unset' ? {} : { nodeAllocatable: node === 'set' ? amount.allocatable : '0' }),
      };
      const written = formatResourceValue(options);
      expect(written).toBe(expected);
      const read = parseResourceValue({ resource, value: written, divisor });
      if (value > 0n) expect(value > read.interval.above && value <= read.interval.atMost).toBe(true);
      else expect(read.interval.atMost).toBe(0n);
    },
  );
});
