import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDownwardMap, parseDownwardMap, type ParseDownwardMapOptions } from '../src/format/downward-map.js';
import { DownwardApiError, isDownwardApiError, type DownwardApiErrorCode } from '../src/errors.js';
import { checkAnnotationKey, checkQualifiedName } from '../src/format/names.js';
import { goDecode } from './go-utf8.js';
import { failure } from './support.js';

interface Entry {
  readonly key: string;
  readonly value_b64: string;
  readonly value_valid_utf8: boolean;
}
interface Vector {
  readonly id: string;
  readonly entries: readonly Entry[];
  readonly text: string;
}

const { vectors } = JSON.parse(
  readFileSync(new URL('../fixtures/vectors/formatmap.json', import.meta.url), 'utf8'),
) as { vectors: readonly Vector[] };

const encoder = new TextEncoder();
const bytesOf = (b64: string): Uint8Array => new Uint8Array(Buffer.from(b64, 'base64'));
const hexOf = (value: Uint8Array): string => Buffer.from(value).toString('hex');
/** What a reader can hold for an entry: the kubelet's bytes as Go reads them, one U+FFFD per invalid byte. */
const expectedValue = (entry: Entry): string => goDecode(bytesOf(entry.value_b64));

const parseError = (text: string, options?: ParseDownwardMapOptions) => failure(() => parseDownwardMap(text, options));

describe('parseDownwardMap over the kubelet vectors', () => {
  it.each(vectors)('$id parses to its entries', ({ entries, text }) => {
    const map = parseDownwardMap(text);
    expect(Object.keys(map).sort()).toEqual(entries.map((entry) => entry.key).sort());
    for (const entry of entries) {
      const expected = entry.value_valid_utf8 ? bytesOf(entry.value_b64) : encoder.encode(expectedValue(entry));
      expect(hexOf(encoder.encode(map[entry.key] ?? '')), entry.key).toBe(hexOf(expected));
    }
  });
});

describe('formatDownwardMap over the kubelet vectors', () => {
  const formattable = vectors.filter((vector) => vector.entries.every((entry) => entry.value_valid_utf8));

  it('covers most vectors', () => {
    expect(formattable.length).toBeGreaterThan(150);
  });

  it.each(formattable)('$id formats to exactly its text', ({ entries, text }) => {
    const map = Object.fromEntries(entries.map((entry) => [entry.key, expectedValue(entry)]));
    expect(formatDownwardMap(map)).toBe(text);
    expect(formatDownwardMap(new Map(Object.entries(map)))).toBe(text);
  });
});

describe('parseDownwardMap', () => {
  it('reads the seed annotations', () => {
    const text = 'key1="value1"\nkey2="multi\\nline\\nvalue\\n"';
    expect({ ...parseDownwardMap(text) }).toEqual({ key1: 'value1', key2: 'multi\nline\nvalue\n' });
    expect(formatDownwardMap({ key2: 'multi\nline\nvalue\n', key1: 'value1' })).toBe(text);
  });

  it('splits at the first = and reads = and " inside the value', () => {
    expect({ ...parseDownwardMap('eq="a=b\\"c=\\"\\"="') }).toEqual({ eq: 'a=b"c=""=' });
  });

  it('reads an empty file as an empty map', () => {
    expect(Object.keys(parseDownwardMap(''))).toEqual([]);
  });

  it('tolerates one final newline, not two', () => {
    expect({ ...parseDownwardMap('a="1"\n') }).toEqual({ a: '1' });
    expect(parseError('a="1"\n\n').problems).toMatchObject([{ code: 'MISSING_SEPARATOR', source: { line: 2 } }]);
  });

  it('keeps a leading U+FEFF and turns invalid UTF-8 into U+FFFD', () => {
    expect(parseDownwardMap('bom="\\ufeffx"')['bom']).toBe('\ufeffx');
    expect(parseDownwardMap('bad="a\\xffb\\xe2\\x82"')['bad']).toBe('a\ufffdb\ufffd\ufffd');
  });

  it('reads runes an older kubelet escaped', () => {
    expect(parseDownwardMap('a="\\U0001fae0"')['a']).toBe(parseDownwardMap('a="\u{1fae0}"')['a']);
  });

  it('returns a frozen map without a prototype', () => {
    const map = parseDownwardMap('constructor="c"\nhasOwnProperty="h"');
    expect(Object.getPrototypeOf(map)).toBeNull();
    expect(Object.isFrozen(map)).toBe(true);
    expect(map['toString']).toBeUndefined();
    expect(map['constructor']).toBe('c');
    expect(map['hasOwnProperty']).toBe('h');
  });

  it('applies the label key rule only when asked', () => {
    expect(parseDownwardMap('Example.COM/Key="v"')['Example.COM/Key']).toBe('v');
    expect(parseError('Example.COM/Key="v"', { keys: 'labels' }).problems).toMatchObject([{ code: 'INVALID_NAME' }]);
  });

  it('rejects unknown options', () => {
    expect(() => parseDownwardMap('', { keys: 'pods' as 'labels' })).toThrow(RangeError);
  });

  it('reads a 1 MiB map and a 1 MiB value', () => {
    const many = Object.fromEntries(
      Array.from({ length: 16_384 }, (_, i) => [`example.com/k${i}`, `value ${i} "quoted" ${'x'.repeat(40)}`]),
    );
    const text = formatDownwardMap(many);
    expect(text.length).toBeGreaterThan(1 << 20);
    expect({ ...parseDownwardMap(text) }).toEqual(many);

    const value = 'line "one"\n\u00e9\u{1f600}\ufeff\\'.repeat(1 << 16);
    const big = formatDownwardMap({ big: value });
    expect(big.length).toBeGreaterThan(1 << 20);
    expect(parseDownwardMap(big)['big']).toBe(value);
  });
});

describe('parseDownwardMap errors', () => {
  const path = '/etc/podinfo/annotations';

  it.each<[string, string, DownwardApiErrorCode, number, number, ParseDownwardMapOptions?]>([
    ['a line without =', 'a="1"\nno separator', 'MISSING_SEPARATOR', 2, 1],
    ['an empty line', 'a="1"\n\nb="2"', 'MISSING_SEPARATOR', 2, 1],
    ['an unquoted value', 'a=1', 'UNQUOTED_VALUE', 1, 3],
    ['a single-quoted value', "a='1'", 'UNQUOTED_VALUE', 1, 3],
    ['an unknown escape', 'a="x\\q"', 'INVALID_ESCAPE', 1, 5],
    ["\\' in double quotes", 'a="it\\\'s"', 'INVALID_ESCAPE', 1, 6],
    ['a surrogate escape', 'ab="\\ud800"', 'INVALID_ESCAPE', 1, 5],
    ['an octal escape above 255', 'a="\\400"', 'INVALID_ESCAPE', 1, 4],
    ['a missing closing quote', 'a="abc', 'UNTERMINATED_QUOTE', 1, 7],
    ['text after the closing quote', 'a="abc" # note', 'UNTERMINATED_QUOTE', 1, 8],
    ['an unescaped quote inside', 'a="say "hi""', 'UNTERMINATED_QUOTE', 1, 9],
    ['a duplicate key', 'a="1"\nb="2"\na="3"', 'DUPLICATE_KEY', 3, 1],
    ['a key Kubernetes rejects', 'bad key="1"', 'INVALID_NAME', 1, 1],
    ['an empty key', '="1"', 'INVALID_NAME', 1, 1],
    ['an upper-case label prefix', 'Example.COM/Key="v"', 'INVALID_NAME', 1, 1, { keys: 'labels' }],
  ])('reports %s', (_name, text, code, line, column, options) => {
    const error = parseError(text, { path, ...options });
    expect(isDownwardApiError(error)).toBe(true);
    expect(error.code).toBe('INVALID_MAP');
    expect(error.problems).toHaveLength(1);
    const [found] = error.problems;
    expect(found).toMatchObject({ code, source: { kind: 'file', path, line, column } });
    expect(found?.value).toBe(text.split('\n')[line - 1]);
    expect(found?.rule).not.toBe('');
    expect(found?.hint).not.toBe('');
    expect(error.message).toContain(`file ${path}:${line}:${column}`);
  });

  it('names the file by default as <text>', () => {
    expect(parseError('oops').message).toContain('<text>');
  });

  it('lists every problem, in line order, and never returns a partial map', () => {
    const error = parseError('ok="1"\nbroken\nbad key="x\\q"\nok="2"', { path });
    expect(error.problems.map((p) => [p.code, p.source])).toEqual([
      ['MISSING_SEPARATOR', { kind: 'file', path, line: 2, column: 1 }],
      ['INVALID_NAME', { kind: 'file', path, line: 3, column: 1 }],
      ['INVALID_ESCAPE', { kind: 'file', path, line: 3, column: 11 }],
      ['DUPLICATE_KEY', { kind: 'file', path, line: 4, column: 1 }],
    ]);
    expect(error.problems[3]?.hint).toContain('line 1');
  });

  it('rejects CRLF line endings with a hint saying so', () => {
    const error = parseError('a="1"\r\nb="2"\r\n', { path });
    expect(error.problems).toMatchObject([
      { code: 'UNTERMINATED_QUOTE', source: { line: 1, column: 6 }, value: 'a="1"\r' },
      { code: 'UNTERMINATED_QUOTE', source: { line: 2, column: 6 } },
    ]);
    for (const found of error.problems) expect(found.hint).toContain('carriage return');
  });

  it('explains how to write the file by hand', () => {
    expect(parseError('a=1').problems[0]?.hint).toContain('formatDownwardMap');
  });

  it('lists the first 20 problems and counts the rest, even for 1 MiB of garbage', () => {
    const error = parseError('garbage\n'.repeat(1 << 17), { path });
    expect(error.problems).toHaveLength(20);
    expect(error.message).toContain(`${1 << 17} problems`);
    expect(error.message.length).toBeLessThan(10_000);

    const oneLine = parseError('x'.repeat(1 << 20), { path });
    expect(oneLine.problems[0]?.value?.length).toBeLessThanOrEqual(80);
  });
});

describe('formatDownwardMap', () => {
  it('writes an empty map as an empty file', () => {
    expect(formatDownwardMap({})).toBe('');
    expect(formatDownwardMap(new Map())).toBe('');
  });

  it('rejects every key Kubernetes would reject', () => {
    const error = (() => {
      try {
        formatDownwardMap({ ok: '1', 'bad key': '2', 'a=b': '3', 'x\ny': '4' });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DownwardApiError);
    expect((error as DownwardApiError).code).toBe('INVALID_MAP');
    expect((error as DownwardApiError).problems.map((p) => [p.code, p.value])).toEqual([
      ['INVALID_NAME', 'bad key'],
      ['INVALID_NAME', 'a=b'],
      ['INVALID_NAME', 'x\ny'],
    ]);
  });

  it('applies the label key rule only when asked', () => {
    expect(formatDownwardMap({ 'Example.COM/Key': 'v' })).toBe('Example.COM/Key="v"');
    expect(() => formatDownwardMap({ 'Example.COM/Key': 'v' }, { keys: 'labels' })).toThrow(DownwardApiError);
  });

  it('writes a lone surrogate as U+FFFD', () => {
    expect(formatDownwardMap({ a: 'x\ud800y' })).toBe('a="x\ufffdy"');
  });

  it('rejects values that are not strings', () => {
    expect(() => formatDownwardMap({ a: 1 } as unknown as Record<string, string>)).toThrow(TypeError);
  });
});

describe('documented examples', () => {
  it('DownwardMap', () => {
    expect(parseDownwardMap('app="web"', { keys: 'labels' })['app']).toBe('web');
  });

  it('ParseDownwardMapOptions', () => {
    expect({ ...parseDownwardMap('tier="backend"', { path: '/etc/podinfo/labels', keys: 'labels' }) }).toEqual({
      tier: 'backend',
    });
  });

  it('FormatDownwardMapOptions', () => {
    expect(formatDownwardMap({ app: 'web' }, { keys: 'labels' })).toBe('app="web"');
  });

  it('parseDownwardMap', () => {
    const annotations = parseDownwardMap('key1="value1"\nkey2="multi\\nline\\nvalue\\n"', {
      path: '/etc/downward/annotations',
    });
    expect(annotations['key2']).toBe('multi\nline\nvalue\n');
  });

  it('formatDownwardMap', () => {
    expect(formatDownwardMap(new Map([['zone', 'eu-1'], ['app', 'say "hi"\n']]))).toBe(
      'app="say \\"hi\\"\\n"\nzone="eu-1"',
    );
  });
});

describe('parse(format(map))', () => {
  const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?$/);
  const mixedCaseLabel = fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9]{0,8}[A-Za-z0-9])?$/);
  const name = fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,20}[A-Za-z0-9])?$/);
  const key = (label: fc.Arbitrary<string>, check: (key: string) => string | undefined): fc.Arbitrary<string> =>
    fc
      .tuple(fc.option(fc.array(label, { minLength: 1, maxLength: 3 }), { nil: undefined }), name)
      .map(([prefix, last]) => (prefix === undefined ? last : `${prefix.join('.')}/${last}`))
      .filter((candidate) => check(candidate) === undefined);

  // Any code point but a surrogate (fc's own 'binary' unit takes a second to initialise).
  const scalar = fc.integer({ min: 0, max: 0x10f7ff }).map((n) => String.fromCodePoint(n < 0xd800 ? n : n + 0x800));
  const tricky = fc.constantFrom(
    '\ufeff', '\u2028', '\u2029', '\u0301', '\u200d', '\n', '\r', '\t', '"', '\\', '=', '\x00', '\x7f', '\u0085',
    '\u00a0', '\u00ad', '\u{e0001}', '\u{10ffff}', '\u{1f600}', '\u{1f468}\u200d\u{1f469}', 'e\u0301', '\ufffd',
    '\\x41', '\\u00e9', '\\"',
  );
  const value = fc
    .tuple(fc.boolean(), fc.array(fc.oneof(scalar, tricky, fc.string()), { maxLength: 12 }))
    .map(([bom, parts]) => (bom ? '\ufeff' : '') + parts.join(''));

  it.each([
    ['labels', key(dnsLabel, checkQualifiedName)],
    ['annotations', key(mixedCaseLabel, checkAnnotationKey)],
  ] as const)('gives back the %s map', (keys, keyArbitrary) => {
    fc.assert(
      fc.property(fc.dictionary(keyArbitrary, value, { maxKeys: 8 }), (map) => {
        expect({ ...parseDownwardMap(formatDownwardMap(map, { keys }), { keys }) }).toEqual({ ...map });
      }),
    );
  });
});
