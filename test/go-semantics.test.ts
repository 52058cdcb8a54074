// Where a rule is Go's, the format layer follows Go and not JavaScript: Unicode tables pinned per Go version,
// strings.ToLower's one-rune-to-one-rune mapping for annotation keys, byte order for sorting, and one U+FFFD per
// invalid byte when decoding.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDownwardMap, parseDownwardMap, parseDownwardMapBytes } from '../src/format/downward-map.js';
import { goQuote } from '../src/format/go-quote.js';
import { checkAnnotationKey, checkQualifiedName } from '../src/format/names.js';
import { compareAsGo, goLowerForKeys, isPrintIn, printableTable } from '../src/format/unicode.js';
import { decodeUtf8 } from '../src/format/utf8.js';
import { createDownwardVolume } from '../src/testing/index.js';
import { goDecode } from './go-utf8.js';
import { failure } from './support.js';

const PRINTABLE_15_0 = printableTable('15.0');
const PRINTABLE_17_0 = printableTable('17.0');

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const hexOf = (value: Uint8Array): string => Buffer.from(value).toString('hex');

describe('printability pinned per Go version', () => {
  // Each code point with the Unicode version that assigned it; Go 1.21-1.26 use 15.0 tables, Go 1.27 uses 17.0.
  it.each([
    ['U+1FAE0 MELTING FACE', 'Unicode 14.0', 0x1fae0, true, true],
    ['U+1FAE8 SHAKING FACE', 'Unicode 15.0', 0x1fae8, true, true],
    ['U+1FAE9 FACE WITH BAGS UNDER EYES', 'Unicode 16.0', 0x1fae9, false, true],
    ['U+10D40 GARAY DIGIT ZERO', 'Unicode 16.0', 0x10d40, false, true],
    ['U+1FAEA DISTORTED FACE', 'Unicode 17.0', 0x1faea, false, true],
    ['U+10940 SIDETIC LETTER N01', 'Unicode 17.0', 0x10940, false, true],
  ])('%s (%s)', (_name, _version, rune, in15, in17) => {
    const text = String.fromCodePoint(rune);
    const escaped = `"\\U${rune.toString(16).padStart(8, '0')}"`;
    expect(isPrintIn(PRINTABLE_15_0, rune)).toBe(in15);
    expect(isPrintIn(PRINTABLE_17_0, rune)).toBe(in17);
    expect(goQuote(utf8(text))).toBe(in15 ? `"${text}"` : escaped);
    expect(goQuote(utf8(text), PRINTABLE_17_0)).toBe(`"${text}"`);
    expect(formatDownwardMap({ k: text })).toBe(`k=${in15 ? `"${text}"` : escaped}`);
    expect(formatDownwardMap({ k: text }, { unicodeVersion: '15.0' })).toBe(formatDownwardMap({ k: text }));
    expect(formatDownwardMap({ k: text }, { unicodeVersion: '17.0' })).toBe(`k="${text}"`);
    // The parser reads what either kubelet wrote.
    expect(parseDownwardMap(`k=${escaped}`)['k']).toBe(text);
    expect(parseDownwardMap(`k="${text}"`)['k']).toBe(text);
  });

  it.each([
    ['ASCII space', 0x20, true],
    ['NO-BREAK SPACE (Zs)', 0xa0, false],
    ['IDEOGRAPHIC SPACE (Zs)', 0x3000, false],
    ['SOFT HYPHEN (Cf)', 0xad, false],
    ['ZERO WIDTH JOINER (Cf)', 0x200d, false],
    ['LINE SEPARATOR (Zl)', 0x2028, false],
    ['a private use rune (Co)', 0xe000, false],
    ['an unassigned rune (Cn)', 0x378, false],
    ['C1 control (Cc)', 0x85, false],
    ['COMBINING GRAVE ACCENT (Mn)', 0x300, true],
    ['COMBINING ENCLOSING KEYCAP (Me)', 0x20e3, true],
    ['VARIATION SELECTOR-16 (Mn)', 0xfe0f, true],
    ['REPLACEMENT CHARACTER (So)', 0xfffd, true],
    ['the last rune, U+10FFFF (Cn)', 0x10ffff, false],
  ])('%s: the same in both versions', (_name, rune, printable) => {
    expect(isPrintIn(PRINTABLE_15_0, rune)).toBe(printable);
    expect(isPrintIn(PRINTABLE_17_0, rune)).toBe(printable);
  });

  it('17.0 only adds runes to 15.0 and agrees with this engine where it implements 17.0', () => {
    const regex = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
    const engineIs17 = (process.versions as Record<string, string | undefined>)['unicode'] === '17.0';
    let added = 0;
    for (let rune = 0; rune <= 0x10ffff; rune += 1) {
      const in15 = isPrintIn(PRINTABLE_15_0, rune);
      const in17 = isPrintIn(PRINTABLE_17_0, rune);
      if (in15 && !in17) throw new Error(`U+${rune.toString(16)} printable in 15.0 only`);
      if (in17 && !in15) added += 1;
      if (engineIs17 && (rune < 0xd800 || rune > 0xdfff)) {
        const engine = rune === 0x20 || regex.test(String.fromCodePoint(rune));
        if (engine !== in17) throw new Error(`U+${rune.toString(16)}: engine ${engine}, table ${in17}`);
      }
    }
    // Unicode 15.1 to 17.0 assigned over ten thousand code points (CJK extensions, new scripts, emoji).
    expect(added).toBeGreaterThan(10_000);
  });

  it('rejects an unknown version', () => {
    expect(() => printableTable('16.0')).toThrow(RangeError);
    expect(() => formatDownwardMap({}, { unicodeVersion: '14.0' as '15.0' })).toThrow(RangeError);
  });
});

describe("annotation keys lowered as Go's strings.ToLower", () => {
  it('differs from toLowerCase on U+0130', () => {
    expect('İ'.toLowerCase()).toBe('i\u0307');
    expect(goLowerForKeys('example.com/İzmir')).toBe('example.com/izmir');
    expect(goLowerForKeys('Example.COM/\u212Aey')).toBe('example.com/key');
  });

  it.each([
    ['example.com/İzmir', true],
    ['İzmir.example.com/city', true],
    ['example.com/\u212Aelvin', true],
    ['İ', true],
    ['example.com/ı', false], // dotless i lowers to itself
    ['example.com/\u1E9E', false], // capital sharp s lowers to ß
    ['example.com/i\u0307', false],
    ['example.com/Å', false], // U+212B ANGSTROM SIGN lowers to å, not ASCII
  ])('%s is an annotation key: %s', (key, valid) => {
    expect(checkAnnotationKey(key) === undefined).toBe(valid);
    // Label keys are not lowered: only ASCII is valid.
    expect(checkQualifiedName(key)).toBeDefined();
    const text = `${key}="v"`;
    if (valid) {
      expect(parseDownwardMap(text)[key]).toBe('v');
      expect(formatDownwardMap({ [key]: 'v' })).toBe(text);
    } else {
      expect(failure(() => parseDownwardMap(text)).problems).toMatchObject([{ code: 'INVALID_NAME' }]);
    }
    expect(failure(() => parseDownwardMap(text, { keys: 'labels' })).problems).toMatchObject([{ code: 'INVALID_NAME' }]);
  });

  it('counts the length of the lowered key, as Go does', () => {
    const name = `İ${'a'.repeat(62)}`;
    expect(checkAnnotationKey(`example.com/${name}`)).toBeUndefined();
    expect(checkAnnotationKey(`example.com/${name}a`)).toBeDefined();
  });
});

describe('byte order, as Go sorts keys', () => {
  it('sorts keys by UTF-8 bytes', () => {
    const map = { 'example.com/\u212Aey': '3', 'example.com/İzmir': '2', 'example.com/zeta': '1', 'Example.com/a': '0' };
    expect(formatDownwardMap(map).split('\n').map((line) => line.slice(-2, -1))).toEqual(['0', '1', '2', '3']);
  });

  it('compares strings by code point, where UTF-16 order differs', () => {
    expect('\u{10000}' < '\uffff').toBe(true);
    expect(compareAsGo('\u{10000}', '\uffff')).toBeGreaterThan(0);
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        const bytes = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
        const sign = Math.sign(compareAsGo(a, b));
        // Buffer.from writes a lone surrogate as U+FFFD, so equal bytes need not be equal strings.
        if (bytes !== 0) expect(sign).toBe(bytes);
      }),
      { numRuns: 300 },
    );
  });
});

describe('invalid UTF-8, decoded as Go does', () => {
  it.each([
    ['a lone continuation byte', '\\x80', [0xfffd], '"\\x80"'],
    ['0xff', '\\xff', [0xfffd], '"\\xff"'],
    ['a valid U+FFFD', '\\xef\\xbf\\xbd', [0xfffd], '"\ufffd"'],
    ['a truncated 4-byte sequence', '\\xf0\\x9f\\x98', [0xfffd, 0xfffd, 0xfffd], '"\\xf0\\x9f\\x98"'],
    ['a truncated 3-byte sequence then ASCII', '\\xe2\\x82A', [0xfffd, 0xfffd, 0x41], '"\\xe2\\x82A"'],
    ['a surrogate encoded in UTF-8', '\\xed\\xa0\\x80', [0xfffd, 0xfffd, 0xfffd], '"\\xed\\xa0\\x80"'],
    ['an overlong slash', '\\xc0\\xaf', [0xfffd, 0xfffd], '"\\xc0\\xaf"'],
    ['above U+10FFFF', '\\xf4\\x90\\x80\\x80', [0xfffd, 0xfffd, 0xfffd, 0xfffd], '"\\xf4\\x90\\x80\\x80"'],
    ['octal escapes forming a valid rune', '\\342\\202\\254', [0x20ac], '"€"'],
    ['a raw byte before a literal rune', '\\xe2€', [0xfffd, 0x20ac], '"\\xe2€"'],
  ])('%s', (_name, escaped, runes, requoted) => {
    const text = `k="${escaped}"`;
    expect(parseDownwardMap(text)['k']).toBe(String.fromCodePoint(...runes));
    // The bytes are the kubelet's: quoting them again gives what a kubelet would write for them.
    expect(goQuote(parseDownwardMapBytes(text)['k'] ?? new Uint8Array())).toBe(requoted);
  });

  it('decodes any bytes as the reference decoder does', () => {
    const bytes = fc.array(
      fc.oneof(fc.integer({ min: 0, max: 0xff }), fc.constantFrom(0x80, 0xbf, 0xc2, 0xe0, 0xed, 0xf0, 0xf4, 0x9f, 0xa0)),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(bytes, (values) => {
        const input = new Uint8Array(values);
        expect(decodeUtf8(input)).toBe(goDecode(input));
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps a leading U+FEFF in every part of a partly invalid value', () => {
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0xff, 0xef, 0xbb, 0xbf]))).toBe('\ufeff\ufffd\ufeff');
  });
});

describe('parseDownwardMapBytes', () => {
  interface Entry {
    readonly key: string;
    readonly value_b64: string;
  }
  const { vectors } = JSON.parse(readFileSync(new URL('../fixtures/vectors/formatmap.json', import.meta.url), 'utf8')) as {
    vectors: readonly { id: string; entries: readonly Entry[]; text: string }[];
  };

  it.each(vectors)('$id gives the exact bytes of every value', ({ entries, text }) => {
    const map = parseDownwardMapBytes(text);
    expect(Object.keys(map).sort()).toEqual(entries.map((entry) => entry.key).sort());
    for (const entry of entries) expect(hexOf(map[entry.key] ?? new Uint8Array([1]))).toBe(Buffer.from(entry.value_b64, 'base64').toString('hex'));
  });

  it('returns a frozen map of fresh copies and reports errors as parseDownwardMap does', () => {
    const map = parseDownwardMapBytes('a="\\x00"\nb="\\x00"');
    expect(Object.isFrozen(map)).toBe(true);
    expect(Object.getPrototypeOf(map)).toBeNull();
    expect(map['a']).not.toBe(map['b']);
    const text = 'a="1"\nbad';
    expect(failure(() => parseDownwardMapBytes(text, { path: 'f' }))).toEqual(failure(() => parseDownwardMap(text, { path: 'f' })));
  });
});

describe('the testing kit writes as the chosen kubelet', () => {
  const items = [{ path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } }];
  const pod = { annotations: { 'example.com/face': '\u{1fae9}', 'example.com/İzmir': 'x' } };

  it.each([
    [undefined, 'example.com/face="\\U0001fae9"\nexample.com/İzmir="x"'],
    ['15.0' as const, 'example.com/face="\\U0001fae9"\nexample.com/İzmir="x"'],
    ['17.0' as const, 'example.com/face="\u{1fae9}"\nexample.com/İzmir="x"'],
  ])('unicodeVersion %s', (unicodeVersion, expected) => {
    const volume = createDownwardVolume({
      pod,
      items,
      kubeletAnnotations: false,
      ...(unicodeVersion === undefined ? {} : { unicodeVersion }),
    });
    try {
      const text = readFileSync(join(volume.directory, 'annotations'), 'utf8');
      expect(text).toBe(expected);
      expect({ ...parseDownwardMap(text) }).toEqual(pod.annotations);
      volume.update({ annotations: { ...pod.annotations, 'example.com/more': '\u{1faea}' } });
      const updated = readFileSync(join(volume.directory, 'annotations'), 'utf8');
      expect(updated.includes('\\U0001faea')).toBe(unicodeVersion !== '17.0');
    } finally {
      volume.remove();
    }
  });

  it('rejects an unknown version before writing anything', () => {
    expect(() => createDownwardVolume({ items, unicodeVersion: '16.0' as '15.0' })).toThrow(RangeError);
  });
});
