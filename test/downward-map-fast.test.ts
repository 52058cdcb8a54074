// The fast parser against the exact one: for every text, the same map or the same error, problem for problem.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDownwardMap, parseDownwardMap, parseDownwardMapFast, parseDownwardMapLines } from '../src/format/downward-map.js';
import { parseDownwardMapExact, type KeyRule } from '../src/format/downward-map-exact.js';
import { goQuote } from '../src/format/go-quote.js';
import { printableTable } from '../src/format/unicode.js';

const PRINTABLE_17_0 = printableTable('17.0');
import { decodeUtf8, decodeUtf8Lines } from '../src/format/utf8.js';
import { goDecode } from './go-utf8.js';

/** The exact parser's answer, values decoded as Go decodes them, or its error. */
function exact(text: string, rule: KeyRule): Record<string, string> | unknown {
  try {
    const raw = parseDownwardMapExact(text, 'f', rule);
    return Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, goDecode(value)]));
  } catch (error) {
    return error;
  }
}

function public_(text: string, rule: KeyRule): Record<string, string> | unknown {
  try {
    return { ...parseDownwardMap(text, { path: 'f', keys: rule }) };
  } catch (error) {
    return error;
  }
}

/** Asserts the contract on one text; returns whether the fast path read it on its own. */
function agree(text: string, rule: KeyRule): boolean {
  const reference = exact(text, rule);
  const answer = public_(text, rule);
  expect(answer).toEqual(reference);
  if (answer instanceof Error) {
    expect(answer.message).toBe((reference as Error).message);
    expect((answer as { problems?: unknown }).problems).toEqual((reference as { problems?: unknown }).problems);
  }
  const fast = parseDownwardMapFast(text, rule);
  if (fast === undefined) return false;
  expect(reference).not.toBeInstanceOf(Error);
  expect({ ...fast }).toEqual(reference);
  return true;
}

const keyPart = fc.stringMatching(/^[a-zA-Z0-9]([-a-zA-Z0-9_.]{0,10}[a-zA-Z0-9])?$/);
const prefix = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,6}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,6}[a-z0-9])?){0,2}$/);
const key = fc.oneof(
  keyPart,
  fc.tuple(prefix, keyPart).map(([p, n]) => `${p}/${n}`),
  fc.tuple(prefix, keyPart).map(([p, n]) => `${p.toUpperCase()}/İ${n}`),
);
/** Values heavy in what quoting and unquoting must get right. */
const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: fc.constantFrom('a', '"', '\\', '\n', '\x01', '\t', '\x7f', '\u00a0', 'é', '日', '😀', '\u{1fae9}', '\ufeff', '\ud800', '/', 'u', 'd'), maxLength: 30 }),
  fc.string({ maxLength: 60 }),
);
const map = fc.dictionary(key, value, { maxKeys: 8 });
/** Values as bytes, invalid UTF-8 included, quoted by Go's rules. */
const byteLine = fc.tuple(key, fc.uint8Array({ maxLength: 20 })).map(([k, bytes]) => `${k}=${goQuote(bytes)}`);

/** Mutations that break files in the ways the fast path must notice. */
const edit = fc.tuple(
  fc.nat(),
  fc.constantFrom('', '"', '\\', '\n', '=', '\r', '\\x', '\\u', '\\ud83d', '\\U', '\\400', '\\7', '\\x0', '\t', ' ', 'İ', '\ud800', 'A', '\\/', '\\a'),
  fc.nat({ max: 3 }),
);

function mutate(text: string, edits: readonly [number, string, number][]): string {
  let result = text;
  for (const [at, insert, remove] of edits) {
    const i = result.length === 0 ? 0 : at % (result.length + 1);
    result = result.slice(0, i) + insert + result.slice(i + remove);
  }
  return result;
}

describe('the fast parser reads what the exact parser reads', () => {
  it('on every shared vector, without falling back', () => {
    const { vectors } = JSON.parse(readFileSync(new URL('../fixtures/vectors/formatmap.json', import.meta.url), 'utf8')) as {
      vectors: readonly { text: string }[];
    };
    expect(vectors).toHaveLength(349);
    for (const { text } of vectors) expect(agree(text, 'annotations')).toBe(true);
  });

  it('on random maps as either kubelet writes them, without falling back for ASCII keys', () => {
    fc.assert(
      fc.property(map, fc.constantFrom<'15.0' | '17.0'>('15.0', '17.0'), fc.boolean(), (entries, unicodeVersion, newline) => {
        const formatted = formatDownwardMap(entries, { unicodeVersion });
        // The one final newline the parser tolerates; alone it would be a blank line.
        const text = formatted + (newline && formatted !== '' ? '\n' : '');
        const read = agree(text, 'annotations');
        expect(read || Object.keys(entries).some((k) => /[^\x00-\x7f]/.test(k))).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('on values of arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.array(byteLine, { maxLength: 6 }), (lines) => {
        agree(lines.join('\n'), 'annotations');
      }),
      { numRuns: 1500 },
    );
  });

  it('on mutated files, errors included', () => {
    fc.assert(
      fc.property(map, fc.array(edit, { minLength: 1, maxLength: 4 }), fc.constantFrom<KeyRule>('labels', 'annotations'), (entries, edits, rule) => {
        agree(mutate(formatDownwardMap(entries, { unicodeVersion: '17.0' }), edits), rule);
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['raw control characters, which JSON refuses and Go allows', 'a="x\ty\x01"'],
    ['a \\u escape naming a surrogate', 'a="\\ud83d\\ude00"'],
    ['\\/ which JSON allows and Go does not', 'a="\\/"'],
    ['a lone surrogate in a value', 'a="\ud800"'],
    ['a lone surrogate in a key', '\ud800="v"'],
    ['an escaped closing quote', 'a="x\\"'],
    ['a quote inside', 'a="x"y"'],
    ['a duplicate key', 'a="1"\na="2"'],
    ['a final blank line', 'a="1"\n\n'],
    ['a lone newline', '\n'],
    ['CRLF line ends', 'a="1"\r\nb="2"\r\n'],
    ['no = on the second line, one later', 'a="1"\nb\nc="="'],
    ['JSON and Go escapes mixed', 'a="\\"\\n\\u00e9\\x41\\101\\a\\v\\U0001f600"'],
    ['an upper-case prefix', 'Example.COM/Key="v"'],
    ['escaped backslashes before x, u, / and d', 'a="\\\\x41\\\\u0041\\\\/\\\\ud800"'],
    ['a Go escape after an escaped backslash', 'a="\\\\\\x41\\"\\n"'],
    ['a \\u escape after an escaped backslash', 'a="\\\\\\u00e9"'],
    ['a JSON value with a Go escape in its second line', 'a="\\"x\\""\nb="\\"\\a"'],
  ])('on %s', (_name, text) => {
    agree(text, 'annotations');
    agree(text, 'labels');
  });

  it('reads escaped backslashes before x, u and / as Go does', () => {
    expect(parseDownwardMapFast('a="\\\\x41\\\\u0041\\\\/"', 'annotations')).toEqual({ a: '\\x41\\u0041\\/' });
    expect(parseDownwardMapFast('a="\\\\\\x41"', 'annotations')).toEqual({ a: '\\A' });
    expect(parseDownwardMapFast('a="\\/"', 'annotations')).toBeUndefined();
  });

  it('on a file of many lines without =, in linear time', () => {
    const text = 'x\n'.repeat(100_000);
    agree(text, 'annotations');
  });
});

// A volume reader decodes labels and annotations as pieces of whole lines (32 KiB each); small pieces put every
// kind of line end, blank line and duplicate on a cut.
describe('a file read as pieces of whole lines reads as the whole file', () => {
  const utf8 = new TextEncoder();
  function agreeInPieces(bytes: Uint8Array, pieceBytes: number, rule: KeyRule): void {
    const pieces = decodeUtf8Lines(bytes, pieceBytes);
    const text = decodeUtf8(bytes);
    expect(pieces.join('\n')).toBe(text);
    const answer = (() => {
      try {
        return { ...parseDownwardMapLines(pieces, { path: 'f', keys: rule }) };
      } catch (error) {
        return error;
      }
    })();
    const reference = exact(text, rule);
    expect(answer).toEqual(reference);
    if (answer instanceof Error) expect((answer as { problems?: unknown }).problems).toEqual((reference as { problems?: unknown }).problems);
  }

  it('cuts only at line ends, and joins back to the decoded text, invalid bytes included', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 40 }), (bytes, pieceBytes) => {
        const pieces = decodeUtf8Lines(bytes, pieceBytes);
        expect(pieces.join('\n')).toBe(decodeUtf8(bytes));
        // A piece longer than asked for is one line.
        for (const piece of pieces) expect(piece.length <= pieceBytes || !piece.includes('\n')).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('on random and mutated files, errors and line numbers included', () => {
    fc.assert(
      fc.property(
        map,
        fc.array(edit, { maxLength: 3 }),
        fc.constantFrom('', '\n', '\n\n'),
        fc.integer({ min: 1, max: 64 }),
        fc.constantFrom<KeyRule>('labels', 'annotations'),
        (entries, edits, ending, pieceBytes, rule) => {
          const text = mutate(formatDownwardMap(entries, { unicodeVersion: '17.0' }), edits) + ending;
          agreeInPieces(utf8.encode(text), pieceBytes, rule);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['a blank line on a cut', 'a="1"\n\nb="2"'],
    ['a duplicate key in another piece', 'a="1"\nb="2"\na="3"'],
    ['a final newline on a cut', 'a="1"\nb="2"\n'],
    ['a final blank line on a cut', 'a="1"\nb="2"\n\n'],
    ['a lone newline', '\n'],
  ])('on %s', (_name, text) => {
    for (let pieceBytes = 1; pieceBytes <= text.length + 1; pieceBytes++) agreeInPieces(utf8.encode(text), pieceBytes, 'annotations');
  });
});

describe('quoting both Unicode versions round-trips', () => {
  it('reads back every byte string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        for (const quoted of [goQuote(bytes), goQuote(bytes, PRINTABLE_17_0)]) {
          expect(parseDownwardMap(`k=${quoted}`)['k']).toBe(goDecode(bytes));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
