// Go's strconv.Quote and strconv.Unquote (double-quoted form), as the kubelet uses them for the labels and
// annotations files (fmt's %q is strconv.Quote). Go strings are byte strings, so both sides work on bytes: a value
// may hold invalid UTF-8, which Quote writes as \xNN per byte and Unquote gives back as the same raw bytes.
// Both build a byte buffer, as Go does, and convert once: appending to a string escape by escape is several times
// slower on escape-heavy values such as a last-applied-configuration JSON.

import { isPrintIn, printableTable } from './unicode.js';
import { decodeRune, decodeUtf8, utf8Width } from './utf8.js';

const HEX = '0123456789abcdef';
const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const NEWLINE = 0x0a;

/** The escapes Go writes by name, byte to letter. */
const NAMED_ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x07, 'a'], [0x08, 'b'], [0x0c, 'f'], [NEWLINE, 'n'], [0x0d, 'r'], [0x09, 't'], [0x0b, 'v'],
  [BACKSLASH, '\\'], [QUOTE, '"'],
]);

/** Read backwards, the same table is what Unquote accepts after a backslash: letter code to byte, -1 for none. */
const UNESCAPED_BYTES: Int16Array = new Int16Array(0x80).fill(-1);
for (const [byte, name] of NAMED_ESCAPES) UNESCAPED_BYTES[name.charCodeAt(0)] = byte;

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
  const digits = rune < 0x10000 ? 4 : 8;
  let end = writeAscii(out, at, digits === 4 ? '\\u' : '\\U');
  for (let shift = (digits - 1) * 4; shift >= 0; shift -= 4) out[end++] = HEX.charCodeAt((rune >>> shift) & 0xf);
  return end;
}

/** Writes a Unicode scalar value as UTF-8; returns the index after it. */
function writeUtf8(out: Uint8Array, at: number, rune: number): number {
  if (rune < 0x80) {
    out[at] = rune;
    return at + 1;
  }
  if (rune < 0x800) {
    out[at] = 0xc0 | (rune >>> 6);
    out[at + 1] = 0x80 | (rune & 0x3f);
    return at + 2;
  }
  if (rune < 0x10000) {
    out[at] = 0xe0 | (rune >>> 12);
    out[at + 1] = 0x80 | ((rune >>> 6) & 0x3f);
    out[at + 2] = 0x80 | (rune & 0x3f);
    return at + 3;
  }
  out[at] = 0xf0 | (rune >>> 18);
  out[at + 1] = 0x80 | ((rune >>> 12) & 0x3f);
  out[at + 2] = 0x80 | ((rune >>> 6) & 0x3f);
  out[at + 3] = 0x80 | (rune & 0x3f);
  return at + 4;
}

/**
 * Exactly Go's `strconv.Quote` of a byte string, which is what the kubelet writes after `key=`.
 *
 * @remarks
 * Printability follows `printable`, one of the pinned tables of unicode-tables.ts (default Unicode 15.0, the
 * tables of Go 1.21-1.26): a kubelet built with an older Go escapes (`\U0001fae9`) what a newer one writes as is.
 * Unquoting reads both forms.
 */
export function goQuote(bytes: Uint8Array, printable: readonly number[] = printableTable()): string {
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
      written = isPrintIn(printable, rune) ? writeUtf8(out, written, rune) : writeRuneEscape(out, written, rune);
      at += utf8Width(rune);
    }
  }
  written = writeAscii(out, written, '"');
  return decodeUtf8(out.subarray(0, written));
}

/**
 * Why {@link goUnquote} rejected a text: the code of the broken rule, the rule in words (phrased to follow "must
 * be"), and `offset`, the 0-based index in UTF-16 code units into the quoted text where the fault is.
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
const OCTAL_RULE = 'an octal escape of exactly three digits, at most \\377';

/** Go's unhex: a hex digit in either case, or -1. */
function hexDigit(unit: number): number {
  if (unit >= 0x30 && unit <= 0x39) return unit - 0x30;
  const lower = unit | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/** The value of `count` hex digits at `from` (not past `end`), or -1 if any is missing. */
function hexAt(text: string, from: number, count: number, end: number): number {
  if (from + count > end) return -1;
  let value = 0;
  for (let at = from; at < from + count; at += 1) {
    const digit = hexDigit(text.charCodeAt(at));
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

function failure(code: GoUnquoteFailure['code'], rule: string, offset: number): GoUnquoteFailure {
  return { code, rule, offset };
}

/** Grown on demand and reused, so that unquoting a file allocates no buffer per value. */
let scratch = new Uint8Array(1 << 16);

/**
 * The buffer {@link unquoteInto} writes to; valid until the next call.
 */
export function unquoted(): Uint8Array {
  return scratch;
}

/**
 * Exactly Go's `strconv.Unquote` of `text[start, end)`, a double-quoted string: writes its bytes at the start of
 * {@link unquoted} and returns their count, or returns where (relative to `start`) and why it is not one.
 * Unescaped characters are copied as UTF-8; a lone surrogate becomes U+FFFD, as Go turns an invalid byte into
 * U+FFFD. As in Go, only `\u` and `\U` stand for runes; `\xNN` and octal escapes are raw bytes.
 */
export function unquoteInto(text: string, start: number, end: number): number | GoUnquoteFailure {
  if (start >= end || text.charCodeAt(start) !== QUOTE) {
    return failure('UNQUOTED_VALUE', 'a Go double-quoted string, starting with \'"\'', 0);
  }
  // No escape makes more bytes than its own length, and no UTF-16 unit more than 3 bytes of UTF-8.
  if (scratch.length < (end - start) * 3) scratch = new Uint8Array((end - start) * 3);
  const out = scratch;
  let written = 0;
  for (let at = start + 1; at < end; ) {
    const unit = text.charCodeAt(at);
    if (unit >= 0x80) {
      if (unit < 0x800) {
        out[written++] = 0xc0 | (unit >>> 6);
        out[written++] = 0x80 | (unit & 0x3f);
        at += 1;
        continue;
      }
      const rune = unit >= 0xd800 && unit <= 0xdfff ? (text.codePointAt(at) ?? unit) : unit;
      written = writeUtf8(out, written, rune >= 0xd800 && rune <= 0xdfff ? 0xfffd : rune);
      at += rune > 0xffff ? 2 : 1;
      continue;
    }
    if (unit === QUOTE) {
      return at === end - 1
        ? written
        : failure('UNTERMINATED_QUOTE', 'a Go double-quoted string with nothing after its closing \'"\'', at + 1 - start);
    }
    if (unit === NEWLINE) return failure('UNTERMINATED_QUOTE', 'a Go double-quoted string on one line', at - start);
    if (unit !== BACKSLASH) {
      out[written++] = unit;
      at += 1;
      continue;
    }
    if (at + 1 === end) break;
    const kind = text.charCodeAt(at + 1);
    const named = kind < 0x80 ? (UNESCAPED_BYTES[kind] ?? -1) : -1;
    if (named >= 0) {
      out[written++] = named;
      at += 2;
    } else if (kind === 0x78 /* x */) {
      const value = hexAt(text, at + 2, 2, end);
      if (value < 0) return failure('INVALID_ESCAPE', '\\x followed by exactly 2 hex digits', at - start);
      out[written++] = value;
      at += 4;
    } else if (kind === 0x75 /* u */ || kind === 0x55 /* U */) {
      const digits = kind === 0x75 ? 4 : 8;
      const letter = String.fromCharCode(kind);
      const value = hexAt(text, at + 2, digits, end);
      if (value < 0) return failure('INVALID_ESCAPE', `\\${letter} followed by exactly ${digits} hex digits`, at - start);
      if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) {
        const rule = `\\${letter} naming a Unicode scalar value (at most 10ffff, not a surrogate d800-dfff)`;
        return failure('INVALID_ESCAPE', rule, at - start);
      }
      written = writeUtf8(out, written, value);
      at += 2 + digits;
    } else if (kind >= 0x30 && kind <= 0x37) {
      const d1 = at + 2 < end ? text.charCodeAt(at + 2) - 0x30 : -1;
      const d2 = at + 3 < end ? text.charCodeAt(at + 3) - 0x30 : -1;
      const value = ((kind - 0x30) << 6) | (d1 << 3) | d2;
      if (d1 < 0 || d1 > 7 || d2 < 0 || d2 > 7 || value > 0xff) return failure('INVALID_ESCAPE', OCTAL_RULE, at - start);
      out[written++] = value;
      at += 4;
    } else {
      const rule = kind === 0x27 ? `${ESCAPE_RULE} (\\' belongs to single-quoted runes only)` : ESCAPE_RULE;
      return failure('INVALID_ESCAPE', rule, at - start);
    }
  }
  return failure('UNTERMINATED_QUOTE', 'a Go double-quoted string ending with \'"\'', end - start);
}

/** Grown on demand and reused: UTF-16 units for {@link unquoteText}. */
let units = new Uint16Array(1 << 15);

/**
 * Go's `strconv.Unquote` of `text[start, end)` straight to a string, for values whose escapes all stand for whole
 * runes: `undefined` when the text is not a valid double-quoted string, `null` as soon as an `\xNN` or octal escape
 * gives a byte at or above 0x80 (a raw byte, which only {@link unquoteInto} and a UTF-8 decoding can place; they
 * then decide, the rest of the text unread here). Otherwise gives what unquoteInto and a Go UTF-8 decoding give,
 * without going through bytes.
 */
export function unquoteText(text: string, start: number, end: number): string | null | undefined {
  if (start >= end || text.charCodeAt(start) !== QUOTE) return undefined;
  if (units.length < end - start) units = new Uint16Array(end - start);
  const out = units;
  let written = 0;
  for (let at = start + 1; at < end; ) {
    const unit = text.charCodeAt(at);
    if (unit !== BACKSLASH) {
      if (unit === QUOTE) return at === end - 1 ? Buffer.from(out.buffer, 0, written * 2).toString('utf16le') : undefined;
      if (unit === NEWLINE) return undefined;
      if (unit >= 0xd800 && unit <= 0xdfff) {
        const low = unit <= 0xdbff && at + 1 < end ? text.charCodeAt(at + 1) : 0;
        if (low >= 0xdc00 && low <= 0xdfff) {
          out[written++] = unit;
          out[written++] = low;
          at += 2;
        } else {
          out[written++] = 0xfffd;
          at += 1;
        }
        continue;
      }
      out[written++] = unit;
      at += 1;
      continue;
    }
    if (at + 1 === end) return undefined;
    const kind = text.charCodeAt(at + 1);
    const named = kind < 0x80 ? (UNESCAPED_BYTES[kind] ?? -1) : -1;
    if (named >= 0) {
      out[written++] = named;
      at += 2;
    } else if (kind === 0x78 /* x */) {
      const value = hexAt(text, at + 2, 2, end);
      if (value < 0) return undefined;
      if (value >= 0x80) return null;
      out[written++] = value;
      at += 4;
    } else if (kind === 0x75 /* u */ || kind === 0x55 /* U */) {
      const digits = kind === 0x75 ? 4 : 8;
      const value = hexAt(text, at + 2, digits, end);
      if (value < 0 || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return undefined;
      if (value > 0xffff) {
        out[written++] = 0xd800 + ((value - 0x10000) >> 10);
        out[written++] = 0xdc00 + ((value - 0x10000) & 0x3ff);
      } else {
        out[written++] = value;
      }
      at += 2 + digits;
    } else if (kind >= 0x30 && kind <= 0x37) {
      const d1 = at + 2 < end ? text.charCodeAt(at + 2) - 0x30 : -1;
      const d2 = at + 3 < end ? text.charCodeAt(at + 3) - 0x30 : -1;
      const value = ((kind - 0x30) << 6) | (d1 << 3) | d2;
      if (d1 < 0 || d1 > 7 || d2 < 0 || d2 > 7 || value > 0xff) return undefined;
      if (value >= 0x80) return null;
      out[written++] = value;
      at += 4;
    } else {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Exactly Go's `strconv.Unquote` for a double-quoted string, returning bytes because `\xNN` and octal escapes are
 * raw bytes that need not form UTF-8 on their own; decode them with `decodeUtf8` (utf8.ts) to read them as Go does.
 *
 * @remarks
 * Returns a result rather than throwing so that a caller can report every bad line of a file, each with its column.
 * Linear in the length of `text`.
 */
export function goUnquote(text: string): GoUnquoteResult {
  const result = unquoteInto(text, 0, text.length);
  return typeof result === 'number' ? { ok: true, bytes: scratch.slice(0, result) } : { ok: false, failure: result };
}
