import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isAsciiKeyAt,
  checkAnnotationKey,
  checkDns1123Label,
  checkDns1123Subdomain,
  checkLabelValue,
  checkQualifiedName,
} from '../src/format/names.js';

const valid = (check: (v: string) => string | undefined, value: string) => check(value) === undefined;

describe('Kubernetes name rules', () => {
  it.each([
    ['downward', true],
    ['gke-kubia-default-pool-32a2cac8-sgl7', true],
    ['a.b.c', true],
    ['0abc', true],
    ['a'.repeat(253), true],
    ['a'.repeat(254), false],
    ['Bad', false],
    ['-a', false],
    ['a-', false],
    ['a..b', false],
    ['a_b', false],
    ['', false],
  ])('DNS-1123 subdomain %j -> %s', (value, ok) => {
    expect(valid(checkDns1123Subdomain, value)).toBe(ok);
  });

  it.each([
    ['default', true],
    ['kube-system', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['a.b', false],
    ['UPPER', false],
    ['', false],
  ])('DNS-1123 label %j -> %s', (value, ok) => {
    expect(valid(checkDns1123Label, value)).toBe(ok);
  });

  it.each([
    ['app', true],
    ['app.kubernetes.io/name', true],
    ['A_b.c-D', true],
    ['example.com/' + 'x'.repeat(63), true],
    ['example.com/' + 'x'.repeat(64), false],
    ['/name', false],
    ['a/b/c', false],
    ['Example.com/name', false],
    ['_app', false],
    ['app=', false],
    ['', false],
  ])('qualified name (label key) %j -> %s', (value, ok) => {
    expect(valid(checkQualifiedName, value)).toBe(ok);
  });

  it('accepts an upper-case prefix in annotation keys only', () => {
    expect(valid(checkAnnotationKey, 'Example.COM/Key')).toBe(true);
    expect(valid(checkQualifiedName, 'Example.COM/Key')).toBe(false);
  });

  it.each([
    ['', true],
    ['bar', true],
    ['v1.2_3-x', true],
    ['x'.repeat(63), true],
    ['x'.repeat(64), false],
    ['has space', false],
    ['-lead', false],
    ['a/b', false],
  ])('label value %j -> %s', (value, ok) => {
    expect(valid(checkLabelValue, value)).toBe(ok);
  });
});

describe('isAsciiKeyAt, the parser’s key check without slices or patterns', () => {
  const asciiKey = fc.string({
    unit: fc.constantFrom('a', 'Z', '0', '9', '-', '_', '.', '/', 'k', 'A', ' ', '='),
    maxLength: 70,
  });
  const longKey = fc.tuple(fc.nat({ max: 260 }), fc.nat({ max: 70 })).map(([p, n]) => `${'a'.repeat(p)}/${'b'.repeat(n)}`);

  it('agrees with the full checks on ASCII keys, at any offset in a text', () => {
    fc.assert(
      fc.property(fc.oneof(asciiKey, longKey), fc.string({ maxLength: 3 }), (key, before) => {
        const text = `${before}${key}=`;
        const start = before.length;
        expect(isAsciiKeyAt(text, start, start + key.length, false)).toBe(checkQualifiedName(key) === undefined);
        expect(isAsciiKeyAt(text, start, start + key.length, true)).toBe(checkAnnotationKey(key) === undefined);
      }),
      { numRuns: 5000 },
    );
  });

  it('leaves keys with non-ASCII runes to the full check', () => {
    const key = 'example.com/İzmir';
    expect(checkAnnotationKey(key)).toBeUndefined();
    expect(isAsciiKeyAt(key, 0, key.length, true)).toBe(false);
  });
});
