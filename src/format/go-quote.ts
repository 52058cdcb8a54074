// Go's strconv.Quote and strconv.Unquote (double-quoted form), as the kubelet uses them for the labels and
// annotations files (fmt's %q is strconv.Quote). Go strings are byte strings, so both sides work on bytes: a value
// may hold invalid UTF-8, which Quote writes as \xNN per byte and Unquote gives back as the same raw bytes.
// Both build a byte buffer, as Go does, and convert once: appending to a string escape by escape is several times
// slower on escape-heavy values such as a last-applied-configuration JSON.

import { decodeUtf8 } from './utf8.js';

const HEX = '0123456789abcdef';
const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const NEWLINE = 0x0a;

/** The escapes Go writes by name; read backwards, the same table is what Unquote accepts after a backslash. */
const NAMED_ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x07, 'a'], [0x08, 'b'], [0x0c, 'f'], [NEWLINE, 'n'], [0x0d, 'r'], [0x09, 't'], [0x0b, 'v'],
  [BACKSLASH, '\\'], [QUOTE, '"'],
]);
const ESCAPED_BYTES: ReadonlyMap<string, number> = new Map([...NAMED_ESCAPES].map(([byte, name]) => [name, byte]));

/** How many hex digits follow each hex escape. */
const HEX_DIGITS: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

/**
 * What Quote writes for each ASCII byte, or `undefined` when the byte is copied as is; precomputed so that the
 * common ASCII case costs one array read and no Unicode lookup.
 */
const ASCII_ESCAPES: readonly (string | undefined)[] = Array.from({ length: 0x80 }, (_, byte) => {
  const name = NAMED_ESCAPES.get(byte);
  if (name !== undefined) return `\\${name}`;
  return byte < 0x20 || byte === 0x7f ? `\\x${HEX[byte >> 4]}${HEX[byte & 0xf]}` : undefined;
});

/** Writes the ASCII `text` into `out` at `at`; returns the index after it. */
function writeAscii(out: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i += 1) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/** Writes `\u` or `\U` and the rune in lower-case hex, as Go does; returns the index after it. */
function writeRuneEscape(out: Uint8Array, at: number, rune: number): number {
  const kind = rune < 0x10000 ? 'u' : 'U';
  const digits = HEX_DIGITS[kind] ?? 0;
  let end = writeAscii(out, at, `\\${kind}`);
  for (let shift = (digits - 1) * 4; shift >= 0; shift -= 4) out[end++] = HEX.charCodeAt((rune >>> shift) & 0xf);
  return end;
}

/** The marker bits of a UTF-8 lead byte, by sequence length. */
const UTF8_LEAD_MARKERS: readonly number[] = [0, 0, 0xc0, 0xe0, 0xf0];

/** Writes a Unicode scalar value as UTF-8; returns the index after it. */
function writeUtf8(out: Uint8Array, at: number, rune: number): number {
  if (rune < 0x80) {
    out[at] = rune;
    return at + 1;
  }
  const width = utf8Width(rune);
  out[at] = (UTF8_LEAD_MARKERS[width] ?? 0) | (rune >>> (6 * (width - 1)));
  for (let i = 1; i < width; i += 1) out[at + i] = 0x80 | ((rune >>> (6 * (width - 1 - i))) & 0x3f);
  return at + width;
}

/** Go's unicode.IsPrint for non-ASCII runes: categories L, M, N, P and S (the only printable space is ASCII's). */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/**
 * Memo of {@link PRINTABLE}, one lazily allocated 64 KiB table per Unicode plane (0 unknown, 1 printable, 2 not),
 * so that long non-Latin or emoji-heavy text runs the regex once per distinct rune.
 */
const printablePlanes: (Uint8Array | undefined)[] = [];

function isPrint(rune: number): boolean {
  const plane = (printablePlanes[rune >>> 16] ??= new Uint8Array(0x10000));
  let known = plane[rune & 0xffff];
  if (known === 0) {
    known = PRINTABLE.test(String.fromCodePoint(rune)) ? 1 : 2;
    plane[rune & 0xffff] = known;
  }
  return known === 1;
}

function continuation(bytes: Uint8Array, at: number, low = 0x80, high = 0xbf): number {
  const byte = bytes[at];
  return byte !== undefined && byte >= low && byte <= high ? byte & 0x3f : -1;
}

/**
 * Go's utf8.DecodeRune for a lead byte at or above 0x80: the rune, or -1 where Go returns (RuneError, 1).
 * Overlong forms, surrogates, runes above U+10FFFF and truncated sequences are all invalid, which is why the width
 * of a decoded rune follows from its value alone ({@link utf8Width}).
 */
function decodeRune(bytes: Uint8Array, at: number): number {
  const lead = bytes[at] ?? 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    const b1 = continuation(bytes, at + 1);
    return b1 < 0 ? -1 : ((lead & 0x1f) << 6) | b1;
  }
  if (lead >= 0xe0 && lead <= 0xef) {
    // Below A0 after E0 would be overlong; from A0 after ED would be a surrogate.
    const b1 = continuation(bytes, at + 1, lead === 0xe0 ? 0xa0 : 0x80, lead === 0xed ? 0x9f : 0xbf);
    const b2 = b1 < 0 ? -1 : continuation(bytes, at + 2);
    return b2 < 0 ? -1 : ((lead & 0x0f) << 12) | (b1 << 6) | b2;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    // Below 90 after F0 would be overlong; from 90 after F4 would pass U+10FFFF.
    const b1 = continuation(bytes, at + 1, lead === 0xf0 ? 0x90 : 0x80, lead === 0xf4 ? 0x8f : 0xbf);
    const b2 = b1 < 0 ? -1 : continuation(bytes, at + 2);
    const b3 = b2 < 0 ? -1 : continuation(bytes, at + 3);
    return b3 < 0 ? -1 : ((lead & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3;
  }
  return -1;
}

function utf8Width(rune: number): number {
  return rune < 0x80 ? 1 : rune < 0x800 ? 2 : rune < 0x10000 ? 3 : 4;
}

/**
 * Exactly Go's `strconv.Quote` of a byte string, which is what the kubelet writes after `key=`.
 *
 * @remarks
 * Printability follows the Unicode tables of this JavaScript engine, the kubelet's follow its Go toolchain; they
 * differ only for code points assigned in between: a kubelet built with an older Go escapes (`\U0001fae0`) what a
 * newer one writes as is. Unquoting reads both forms.
 */
export function goQuote(bytes: Uint8Array): string {
  // The worst case is \xNN: four bytes out for each byte in.
  const out = new Uint8Array(bytes.length * 4 + 2);
  let written = writeAscii(out, 0, '"');
  for (let at = 0; at < bytes.length; ) {
    const byte = bytes[at] ?? 0;
    if (byte < 0x80) {
      const escape = ASCII_ESCAPES[byte];
      if (escape === undefined) out[written++] = byte;
      else written = writeAscii(out, written, escape);
      at += 1;
      continue;
    }
    const rune = decodeRune(bytes, at);
    if (rune < 0) {
      written = writeAscii(out, written, `\\x${HEX[byte >> 4]}${HEX[byte & 0xf]}`);
      at += 1;
    } else {
      written = isPrint(rune) ? writeUtf8(out, written, rune) : writeRuneEscape(out, written, rune);
      at += utf8Width(rune);
    }
  }
  written = writeAscii(out, written, '"');
  return decodeUtf8(out.subarray(0, written));
}

/**
 * Why {@link goUnquote} rejected a text: the code of the broken rule, the rule in words (phrased to follow "must
 * be"), and `offset`, the 0-based index in UTF-16 code units into the text where the fault is.
 */
export interface GoUnquoteFailure {
  readonly code: 'UNQUOTED_VALUE' | 'UNTERMINATED_QUOTE' | 'INVALID_ESCAPE';
  readonly rule: string;
  readonly offset: number;
}

/** {@link goUnquote}'s answer: bytes, or where and why the text is not a Go double-quoted string. */
export type GoUnquoteResult =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly failure: GoUnquoteFailure };

const ESCAPE_RULE =
  'a Go escape: \\a \\b \\f \\n \\r \\t \\v \\\\ \\" \\xNN, \\NNN (octal, at most \\377), \\uNNNN or \\UNNNNNNNN';

/** The value of `count` digits in `base` at `from` (hex in either case, as Go's unhex), or -1 if any is missing. */
function digitsAt(text: string, from: number, count: number, base: 8 | 16): number {
  let value = 0;
  for (let at = from; at < from + count; at += 1) {
    const digit = at < text.length ? HEX.indexOf(text.charAt(at).toLowerCase()) : -1;
    if (digit < 0 || digit >= base) return -1;
    value = value * base + digit;
  }
  return value;
}

/**
 * Go's UnquoteChar for the escape at `at` (a backslash) whose letter is `kind`: the byte or rune it stands for,
 * or the rule it breaks.
 */
function unescape(text: string, at: number, kind: string): number | string {
  const named = ESCAPED_BYTES.get(kind);
  if (named !== undefined) return named;
  const hexDigits = HEX_DIGITS[kind];
  if (hexDigits !== undefined) {
    const value = digitsAt(text, at + 2, hexDigits, 16);
    if (value < 0) return `\\${kind} followed by exactly ${hexDigits} hex digits`;
    if (kind !== 'x' && (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))) {
      return `\\${kind} naming a Unicode scalar value (at most 10ffff, not a surrogate d800-dfff)`;
    }
    return value;
  }
  if (kind >= '0' && kind <= '7') {
    const value = digitsAt(text, at + 1, 3, 8);
    return value < 0 || value > 0xff ? 'an octal escape of exactly three digits, at most \\377' : value;
  }
  return kind === "'" ? `${ESCAPE_RULE} (\\' belongs to single-quoted runes only)` : ESCAPE_RULE;
}

/** The length of a valid escape, in UTF-16 units, from its letter. */
function escapeLength(kind: string): number {
  return kind >= '0' && kind <= '7' ? 4 : 2 + (HEX_DIGITS[kind] ?? 0);
}

function failure(code: GoUnquoteFailure['code'], rule: string, offset: number): GoUnquoteResult {
  return { ok: false, failure: { code, rule, offset } };
}

/**
 * Exactly Go's `strconv.Unquote` for a double-quoted string, returning bytes because `\xNN` and octal escapes are
 * raw bytes that need not form UTF-8 on their own; decode the result with
 * `new TextDecoder('utf-8', { ignoreBOM: true })` so a leading U+FEFF survives.
 *
 * @remarks
 * Returns a result rather than throwing so that a caller can report every bad line of a file, each with its column.
 * Unescaped characters are copied as UTF-8; a lone surrogate becomes U+FFFD, as Go turns an invalid byte into
 * U+FFFD. Linear in the length of `text`.
 */
export function goUnquote(text: string): GoUnquoteResult {
  if (!text.startsWith('"')) return failure('UNQUOTED_VALUE', 'a Go double-quoted string, starting with \'"\'', 0);
  // No escape makes more bytes than its own length, and no UTF-16 unit more than 3 bytes of UTF-8.
  const out = new Uint8Array(text.length * 3);
  let written = 0;
  for (let at = 1; at < text.length; ) {
    const unit = text.charCodeAt(at);
    if (unit === QUOTE) {
      return at === text.length - 1
        ? { ok: true, bytes: out.slice(0, written) }
        : failure('UNTERMINATED_QUOTE', 'a Go double-quoted string with nothing after its closing \'"\'', at + 1);
    }
    if (unit === NEWLINE) return failure('UNTERMINATED_QUOTE', 'a Go double-quoted string on one line', at);
    if (unit !== BACKSLASH) {
      const rune = text.codePointAt(at) ?? unit;
      written = writeUtf8(out, written, rune >= 0xd800 && rune <= 0xdfff ? 0xfffd : rune);
      at += rune > 0xffff ? 2 : 1;
      continue;
    }
    if (at + 1 === text.length) break;
    const kind = text.charAt(at + 1);
    const value = unescape(text, at, kind);
    if (typeof value === 'string') return failure('INVALID_ESCAPE', value, at);
    // As in Go, only \u and \U stand for runes; every other escape is one raw byte.
    if (kind === 'u' || kind === 'U') written = writeUtf8(out, written, value);
    else out[written++] = value;
    at += escapeLength(kind);
  }
  return failure('UNTERMINATED_QUOTE', 'a Go double-quoted string ending with \'"\'', text.length);
}
