// Bytes to text as Go reads them (`for range`, utf8.DecodeRune, []rune(s)): each byte that does not start a valid
// sequence becomes one U+FFFD, so a truncated `\xf0\x9f\x98` is three. The WHATWG TextDecoder folds a truncated
// sequence into one U+FFFD, so it is used only on input that is valid UTF-8, where both agree. A leading U+FEFF is
// kept, since a plain TextDecoder silently drops it and a value may start with one.

import { isUtf8 } from '../builtins.js';

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

function continuation(bytes: Uint8Array, at: number, end: number, low = 0x80, high = 0xbf): number {
  if (at >= end) return -1;
  const byte = bytes[at] ?? 0;
  return byte >= low && byte <= high ? byte & 0x3f : -1;
}

/**
 * Go's utf8.DecodeRune for a lead byte at or above 0x80, reading no further than `end`: the rune, or -1 where Go
 * returns (RuneError, 1). Overlong forms, surrogates, runes above U+10FFFF and truncated sequences are all
 * invalid, which is why the width of a decoded rune follows from its value alone ({@link utf8Width}).
 */
export function decodeRune(bytes: Uint8Array, at: number, end = bytes.length): number {
  const lead = bytes[at] ?? 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    const b1 = continuation(bytes, at + 1, end);
    return b1 < 0 ? -1 : ((lead & 0x1f) << 6) | b1;
  }
  if (lead >= 0xe0 && lead <= 0xef) {
    // Below A0 after E0 would be overlong; from A0 after ED would be a surrogate.
    const b1 = continuation(bytes, at + 1, end, lead === 0xe0 ? 0xa0 : 0x80, lead === 0xed ? 0x9f : 0xbf);
    const b2 = b1 < 0 ? -1 : continuation(bytes, at + 2, end);
    return b2 < 0 ? -1 : ((lead & 0x0f) << 12) | (b1 << 6) | b2;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    // Below 90 after F0 would be overlong; from 90 after F4 would pass U+10FFFF.
    const b1 = continuation(bytes, at + 1, end, lead === 0xf0 ? 0x90 : 0x80, lead === 0xf4 ? 0x8f : 0xbf);
    const b2 = b1 < 0 ? -1 : continuation(bytes, at + 2, end);
    const b3 = b2 < 0 ? -1 : continuation(bytes, at + 3, end);
    return b3 < 0 ? -1 : ((lead & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3;
  }
  return -1;
}

export function utf8Width(rune: number): number {
  return rune < 0x80 ? 1 : rune < 0x800 ? 2 : rune < 0x10000 ? 3 : 4;
}

/** Decodes `bytes` as Go does: valid runs natively, one U+FFFD per invalid byte. */
export function decodeUtf8(bytes: Uint8Array): string {
  if (isUtf8(bytes)) return decoder.decode(bytes);
  let text = '';
  let run = 0;
  for (let at = 0; at < bytes.length; ) {
    const byte = bytes[at] ?? 0;
    if (byte < 0x80) {
      at += 1;
      continue;
    }
    const rune = decodeRune(bytes, at);
    if (rune >= 0) {
      at += utf8Width(rune);
      continue;
    }
    text += `${decoder.decode(bytes.subarray(run, at))}\ufffd`;
    at += 1;
    run = at;
  }
  return text + decoder.decode(bytes.subarray(run));
}

/** File-system calls return a string or bytes depending on the implementation (node:fs, memfs). */
export function asText(value: string | Uint8Array): string {
  return typeof value === 'string' ? value : decodeUtf8(value);
}

/**
 * Bytes at which {@link decodeUtf8Lines} cuts: small enough that a piece stays below V8's large-object size (128
 * KiB, or 64 Ki UTF-16 units) even when every byte becomes one unit, large enough that pieces are few.
 */
const PIECE_BYTES = 32 * 1024;

/**
 * Decodes a file that is read line by line (labels, annotations) as pieces of whole lines, each about
 * {@link PIECE_BYTES} or a single longer line; `pieces.join('\n')` is what {@link decodeUtf8} would give, since a
 * `\n` byte never belongs to a multi-byte sequence.
 *
 * Why pieces: V8 allocates a string of 128 KiB or more on fresh pages of its own, and on a virtual machine where a
 * page fault is slow that cost more than the decoding and the parsing of the file together (1.5 ms for a 341 KiB
 * annotations file, against 0.1 ms for the same text in pieces).
 */
export function decodeUtf8Lines(bytes: Uint8Array, pieceBytes = PIECE_BYTES): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (bytes.length - start > pieceBytes) {
    let cut = bytes.lastIndexOf(0x0a, start + pieceBytes);
    if (cut < start) cut = bytes.indexOf(0x0a, start + pieceBytes);
    if (cut < 0) break;
    pieces.push(decodeUtf8(bytes.subarray(start, cut)));
    start = cut + 1;
  }
  pieces.push(decodeUtf8(bytes.subarray(start)));
  return pieces;
}
