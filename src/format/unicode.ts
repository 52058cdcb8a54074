// Go's view of Unicode, from tables pinned in unicode-tables.ts: what strconv.Quote prints raw and what
// strings.ToLower gives, so that results never depend on the Unicode version of the JavaScript engine.

import { LOWER_TO_ASCII, PRINTABLE_15_0_RANGES, PRINTABLE_17_0_RANGES } from './unicode-tables.js';

/**
 * The Unicode version whose printability tables a kubelet's Go quotes with: `'15.0'` for kubelets built with
 * Go 1.21 to 1.26, `'17.0'` for Go 1.27 and later.
 *
 * @example
 * ```ts
 * import { formatDownwardMap, type UnicodeVersion } from 'kube-downward';
 *
 * const unicodeVersion: UnicodeVersion = '17.0';
 * formatDownwardMap({ emoji: '\u{1fae9}' }, { unicodeVersion }); // 'emoji="\u{1fae9}"'
 * ```
 * @public
 */
export type UnicodeVersion = '15.0' | '17.0';

/** The kubelets in the field today are built with Go 1.21-1.26. */
export const DEFAULT_UNICODE_VERSION: UnicodeVersion = '15.0';

const tables = new Map<UnicodeVersion, readonly number[]>();

/** `begin-end` ranges in hex to the flat [begin, end, begin, end, …] list {@link isPrintIn} searches. */
function decodeRanges(text: string): readonly number[] {
  return Object.freeze(
    text
      .trim()
      .split(/\s+/)
      .flatMap((range) => range.split('-').map((bound) => Number.parseInt(bound, 16))),
  );
}

/** The printability table of Go built with `version`'s Unicode tables (default 15.0), decoded on first use. */
export function printableTable(version: unknown = DEFAULT_UNICODE_VERSION): readonly number[] {
  if (version !== '15.0' && version !== '17.0') throw new RangeError(`unicodeVersion must be '15.0' or '17.0', not ${String(version)}`);
  let table = tables.get(version);
  if (table === undefined) {
    table = decodeRanges(version === '15.0' ? PRINTABLE_15_0_RANGES : PRINTABLE_17_0_RANGES);
    tables.set(version, table);
  }
  return table;
}

/** Go's unicode.IsPrint: binary search of half-open [begin, end) pairs. */
export function isPrintIn(table: readonly number[], rune: number): boolean {
  let low = 0;
  let high = table.length >> 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (rune < (table[2 * middle + 1] ?? 0)) high = middle;
    else low = middle + 1;
  }
  return low < table.length >> 1 && rune >= (table[2 * low] ?? 0);
}

/**
 * Go's strings.ToLower as far as a Kubernetes key check can tell: ASCII letters and the runes whose simple lower
 * case is ASCII (U+0130 `İ` to `i`, U+212A KELVIN SIGN to `k`) are lowered one rune to one rune. Any other
 * non-ASCII rune is left as it is: its Go lower case is non-ASCII too, so the key is invalid either way.
 * JavaScript's toLowerCase uses full case mapping and turns `İ` into `i` + U+0307, which no key rule accepts.
 */
export function goLowerForKeys(text: string): string {
  let lowered = '';
  let copied = 0;
  for (let at = 0; at < text.length; at += 1) {
    const unit = text.charCodeAt(at);
    const lower = unit >= 0x41 && unit <= 0x5a ? unit + 0x20 : unit > 0x7f ? (LOWER_TO_ASCII.get(unit) ?? -1) : -1;
    if (lower < 0) continue;
    lowered += text.slice(copied, at) + String.fromCharCode(lower);
    copied = at + 1;
  }
  return copied === 0 ? text : lowered + text.slice(copied);
}

function codePointRank(unit: number): number {
  return unit >= 0xd800 && unit <= 0xdfff ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit;
}

/**
 * Go's string comparison, by UTF-8 bytes, which is code point order: UTF-16 units agree with it except that
 * surrogates (U+D800-DFFF, standing for U+10000 and above) sort after U+E000-FFFF.
 */
export function compareAsGo(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let at = 0; at < length; at += 1) {
    const x = a.charCodeAt(at);
    const y = b.charCodeAt(at);
    if (x === y) continue;
    return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}
