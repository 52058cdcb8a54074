import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { goQuote, goUnquote, unquoteText, type GoUnquoteFailure } from '../src/format/go-quote.js';
import { goDecode } from './go-utf8.js';

interface Entry {
  readonly key: string;
  readonly value_b64: string;
  readonly quoted_value: string;
}
interface Vector {
  readonly id: string;
  readonly entries: readonly Entry[];
}

const { vectors } = JSON.parse(
  readFileSync(new URL('../fixtures/vectors/formatmap.json', import.meta.url), 'utf8'),
) as { vectors: readonly Vector[] };

const entries = vectors.flatMap((vector) =>
  vector.entries.map((entry) => ({ name: `${vector.id} ${entry.key}`, ...entry })),
);

const bytesOf = (b64: string): Uint8Array => new Uint8Array(Buffer.from(b64, 'base64'));
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
/** Hex compares fast on large values and shows a readable diff. */
const hexOf = (value: Uint8Array): string => Buffer.from(value).toString('hex');

function unquoted(text: string): string {
  const result = goUnquote(text);
  if (!result.ok) throw new Error(`unexpected failure ${JSON.stringify(result.failure)}`);
  return hexOf(result.bytes);
}

describe('goQuote', () => {
  it.each(entries)('quotes $name as Go did', ({ value_b64, quoted_value }) => {
    expect(goQuote(bytesOf(value_b64))).toBe(quoted_value);
  });

  it.each([
    ['empty', bytes(), '""'],
    ['quote and backslash', utf8('"\\'), '"\\"\\\\"'],
    ['single quote kept', utf8("it's"), '"it\'s"'],
    ['named controls', bytes(7, 8, 12, 10, 13, 9, 11), '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['other controls and DEL as \\x', bytes(0, 0x1b, 0x7f), '"\\x00\\x1b\\x7f"'],
    ['C1 control, NBSP, soft hyphen as \\u', utf8('\u0085\u00a0\u00ad'), '"\\u0085\\u00a0\\u00ad"'],
    ['BOM and line separator', utf8('\ufeffa\u2028'), '"\\ufeffa\\u2028"'],
    ['astral non-printable as \\U', utf8('\u{e0001}\u{10ffff}'), '"\\U000e0001\\U0010ffff"'],
    ['printable astral, CJK and marks literal', utf8('😀日\u0301'), '"😀日\u0301"'],
    ['a valid U+FFFD literal', utf8('\ufffd'), '"\ufffd"'],
    ['invalid bytes one by one', bytes(0x61, 0xff, 0xc0, 0xaf, 0xed, 0xa0, 0x80), '"a\\xff\\xc0\\xaf\\xed\\xa0\\x80"'],
    ['truncated sequence then ASCII', bytes(0xe2, 0x82, 0x41), '"\\xe2\\x82A"'],
    ['above U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80), '"\\xf4\\x90\\x80\\x80"'],
  ])('%s', (_name, input, expected) => {
    expect(goQuote(input)).toBe(expected);
  });

  it('quotes a 1 MiB value', () => {
    const value = 'a"\u00e9\n'.repeat(1 << 18);
    expect(goQuote(utf8(value))).toBe(`"${'a\\"\u00e9\\n'.repeat(1 << 18)}"`);
  });
});

describe('goUnquote', () => {
  it.each(entries)('unquotes $name to the exact bytes', ({ value_b64, quoted_value }) => {
    expect(unquoted(quoted_value)).toBe(hexOf(bytesOf(value_b64)));
  });

  it.each([
    ['no escapes', '"plain"', utf8('plain')],
    ['named escapes', '"\\a\\b\\f\\n\\r\\t\\v\\\\\\""', bytes(7, 8, 12, 10, 13, 9, 11, 0x5c, 0x22)],
    ['\\x in either case is a raw byte', '"\\xfF\\x41"', bytes(0xff, 0x41)],
    ['octal, up to \\377', '"\\101\\000\\377"', bytes(0x41, 0, 0xff)],
    ['\\u as UTF-8', '"\\u00e9\\uFEFF"', bytes(0xc3, 0xa9, 0xef, 0xbb, 0xbf)],
    ['\\U as UTF-8', '"\\U0001F600\\U0010ffff"', bytes(0xf0, 0x9f, 0x98, 0x80, 0xf4, 0x8f, 0xbf, 0xbf)],
    ['older kubelet escaping a now-printable rune', '"\\U0001fae0"', utf8('\u{1fae0}')],
    ['raw control characters (Go accepts them)', '"a\tb\rc"', utf8('a\tb\rc')],
    ['raw astral and single quote', "\"😀'\"", utf8("😀'")],
    ['lone surrogate as U+FFFD', '"a\ud800"', utf8('a\ufffd')],
  ])('%s', (_name, input, expected) => {
    expect(unquoted(input)).toBe(hexOf(expected));
  });

  it.each<[string, string, GoUnquoteFailure['code'], number]>([
    ['no opening quote', 'abc"', 'UNQUOTED_VALUE', 0],
    ['single-quoted', "'a'", 'UNQUOTED_VALUE', 0],
    ['empty text', '', 'UNQUOTED_VALUE', 0],
    ['no closing quote', '"abc', 'UNTERMINATED_QUOTE', 4],
    ['only an escaped closing quote', '"abc\\"', 'UNTERMINATED_QUOTE', 6],
    ['trailing backslash', '"abc\\', 'UNTERMINATED_QUOTE', 5],
    ['text after the closing quote', '"abc"x', 'UNTERMINATED_QUOTE', 5],
    ['unescaped quote inside', '"a"b"', 'UNTERMINATED_QUOTE', 3],
    ['raw newline', '"a\nb"', 'UNTERMINATED_QUOTE', 2],
    ['unknown escape', '"a\\q"', 'INVALID_ESCAPE', 2],
    ["\\' inside double quotes", '"\\\'"', 'INVALID_ESCAPE', 1],
    ['escaped newline', '"\\\n"', 'INVALID_ESCAPE', 1],
    ['escaped non-ASCII', '"\\é"', 'INVALID_ESCAPE', 1],
    ['short \\x', '"ab\\x4"', 'INVALID_ESCAPE', 3],
    ['non-hex \\x', '"\\xg0"', 'INVALID_ESCAPE', 1],
    ['short \\u', '"\\u12"', 'INVALID_ESCAPE', 1],
    ['surrogate \\u', '"\\ud800"', 'INVALID_ESCAPE', 1],
    ['surrogate \\U', '"\\U0000dfff"', 'INVALID_ESCAPE', 1],
    ['\\U above 10ffff', '"\\U00110000"', 'INVALID_ESCAPE', 1],
    ['\\U far above', '"\\Uffffffff"', 'INVALID_ESCAPE', 1],
    ['octal above 255', '"\\400"', 'INVALID_ESCAPE', 1],
    ['short octal', '"\\12"', 'INVALID_ESCAPE', 1],
    ['octal with 8', '"\\128"', 'INVALID_ESCAPE', 1],
  ])('rejects %s', (_name, input, code, offset) => {
    const result = goUnquote(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failure).toMatchObject({ code, offset });
    expect(result.failure.rule.length).toBeGreaterThan(0);
  });

  it('unquotes a 1 MiB value', () => {
    const value = 'x'.repeat(1 << 20);
    expect(unquoted(`"${value}\\n"`)).toBe(hexOf(utf8(`${value}\n`)));
  });
});

describe('goQuote and goUnquote', () => {
  it('round-trip any bytes, valid UTF-8 or not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (input) => {
        expect(unquoted(goQuote(input))).toBe(hexOf(input));
      }),
    );
  });

  it('round-trip any string without lone surrogates', () => {
    // Any code point but a surrogate (fc's own 'binary' unit takes a second to initialise).
    const scalar = fc.integer({ min: 0, max: 0x10f7ff }).map((n) => String.fromCodePoint(n < 0xd800 ? n : n + 0x800));
    fc.assert(
      fc.property(fc.string({ unit: scalar }), (input) => {
        expect(unquoted(goQuote(utf8(input)))).toBe(hexOf(utf8(input)));
      }),
    );
  });
});

describe('unquoteText, straight to a string', () => {
  const quotedish = fc
    .array(
      fc.oneof(
        fc.constantFrom('\\"', '\\\\', '\\n', '\\a', '\\v', '\\x41', '\\xff', '\\x7f', '\\101', '\\377', '\\u00e9', '\\ud800', '\\U0001f600', '\\U00110000', '\\q', '\\', '"', '\n', '\t', '\ud83d\ude00', '\ud800', '\udc00', 'é'),
        fc.string({ maxLength: 4 }),
      ),
      { maxLength: 12 },
    )
    .map((parts) => `"${parts.join('')}"`);

  it('gives what Unquote and Go UTF-8 decoding give, or hands raw bytes to them', () => {
    fc.assert(
      fc.property(quotedish, (text) => {
        const bytes = goUnquote(text);
        const value = unquoteText(text, 0, text.length);
        // null hands the text to Unquote's bytes at the first raw byte, before reading the rest.
        if (value === null) expect(!bytes.ok || [...bytes.bytes].some((byte) => byte >= 0x80)).toBe(true);
        else if (!bytes.ok) expect(value).toBeUndefined();
        else expect(value).toBe(goDecode(bytes.bytes));
      }),
      { numRuns: 5000 },
    );
  });
});
