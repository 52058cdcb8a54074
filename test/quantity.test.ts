import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DownwardApiError } from '../src/errors.js';
import { parseQuantity, type Quantity } from '../src/format/quantity.js';
import { failure } from './support.js';

interface QuantityVector {
  readonly input: string;
  readonly valid: boolean;
  readonly canonical?: string;
  readonly canonical_recomputed?: string;
  readonly format?: string;
  readonly exact_value?: string;
  readonly value_ceil?: string;
  readonly milli_value_ceil?: string;
  readonly error?: string;
}

// Value and MilliValue go past 2^53, so read them as strings before JSON.parse rounds them.
const text = readFileSync(new URL('../fixtures/vectors/quantity.json', import.meta.url), 'utf8').replace(
  /("(?:value_ceil|milli_value_ceil)":\s*)(-?\d+)/g,
  '$1"$2"',
);
const vectors = (JSON.parse(text) as { vectors: QuantityVector[] }).vectors;
const named = (list: QuantityVector[]) => list.map((vector) => [JSON.stringify(vector.input), vector] as const);


describe('parseQuantity: reference vectors from apimachinery', () => {
  it('covers every vector', () => {
    expect(vectors).toHaveLength(80);
  });

  it.each(named(vectors.filter((v) => v.valid)))('parses %s as Go does', (_, vector) => {
    const quantity = parseQuantity(vector.input);
    expect(quantity.toString()).toBe(vector.canonical);
    expect(quantity.format).toBe(vector.format);
    expect(quantity.toDecimalString()).toBe(vector.exact_value);
    if (vector.value_ceil !== undefined) expect(quantity.value()).toBe(BigInt(vector.value_ceil));
    if (vector.milli_value_ceil !== undefined) expect(quantity.milliValue()).toBe(BigInt(vector.milli_value_ceil));
    // A quantity rebuilt from its canonical text has the same value and prints that text.
    const recomputed = parseQuantity(vector.canonical_recomputed ?? vector.canonical ?? '');
    expect(recomputed.cmp(quantity)).toBe(0);
    expect(recomputed.toString()).toBe(vector.canonical_recomputed ?? vector.canonical);
  });

  it.each(named(vectors.filter((v) => !v.valid)))('rejects %s as Go does', (_, vector) => {
    const error = failure(() => parseQuantity(vector.input));
    expect(error.code).toBe('INVALID_QUANTITY');
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({
      code: 'INVALID_QUANTITY',
      source: { kind: 'argument', name: 'quantity' },
      value: vector.input,
    });
    const suffixError = vector.error === "unable to parse quantity's suffix";
    expect(error.problems[0]?.rule).toContain(suffixError ? 'known suffix' : 'regular expression');
  });
});

describe('parseQuantity: Go quirks beyond the vectors', () => {
  it.each([
    ['.', '0'],
    ['-', '0'],
    ['+5', '+5'],
    ['1000E', '1e21'],
    ['1.5Gi', '1536Mi'],
    ['1Pi', '1Pi'],
    ['4Ei', '4Ei'],
    ['-9Ei', '-9223372036854775807'],
    ['1e4294967296', '1e4294967296'],
  ])('reads %j and prints %j', (input, printed) => {
    expect(parseQuantity(input).toString()).toBe(printed);
  });

  it('truncates an exponent beyond 32 bits, as int32(ParseInt(…, 64)) does', () => {
    expect(parseQuantity('1e4294967296').value()).toBe(1n);
    expect(parseQuantity('1e4294967299').value()).toBe(1000n);
    expect(() => parseQuantity('1e9223372036854775808')).toThrow(DownwardApiError);
  });

  it('rejects a point with no digit when the exponent needs the exact path', () => {
    expect(failure(() => parseQuantity('.e-20')).problems[0]?.rule).toContain('at least one digit');
  });

  it('names the source it is given', () => {
    const error = failure(() => parseQuantity('1 Gi', { kind: 'env', name: 'MEMORY' }));
    expect(error.problems[0]?.source).toEqual({ kind: 'env', name: 'MEMORY' });
    expect(error.message).toContain('env MEMORY = "1 Gi"');
  });
});

describe('Quantity', () => {
  const q = (text: string): Quantity => parseQuantity(text);

  it('compares exact values across formats', () => {
    expect(q('1Ki').cmp(q('1024'))).toBe(0);
    expect(q('1k').cmp(q('1Ki'))).toBe(-1);
    expect(q('1e2000000000').cmp(q('1e1999999999'))).toBe(1);
    expect(q('-1e2000000000').cmp(q('1n'))).toBe(-1);
    expect(q('-2').cmp(q('-1.5'))).toBe(-1);
    expect(q('0').cmp(q('-0Ki'))).toBe(0);
  });

  it('reports sign and zero', () => {
    expect([q('-1m').sign(), q('0Mi').sign(), q('1n').sign()]).toEqual([-1, 0, 1]);
    expect(q('0.0e5').isZero()).toBe(true);
  });

  it('rounds an inexact negative value as the Go backing form does', () => {
    expect(q('-5m').value()).toBe(-1n); // int64Amount: away from zero
    expect(q('-.001Ki').value()).toBe(0n); // inf.Dec: truncate, then one up
  });

  it('keeps absurd quantities small and refuses to expand them', () => {
    const huge = q('1e999999');
    expect(huge.toString()).toBe('1e999999');
    expect(q(`0.${'0'.repeat(100_000)}1`).toString()).toBe('1n');
    expect(q(`${'9'.repeat(300)}Ei`).toString()).toBe('9223372036854775807');
    expect(() => huge.value()).toThrow(RangeError);
    expect(() => huge.toDecimalString()).toThrow(RangeError);
    expect(q('1e9990').value()).toBe(10n ** 9990n);
  });

  it('is immutable', () => {
    expect(Object.isFrozen(q('1'))).toBe(true);
  });
});
