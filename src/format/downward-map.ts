// The labels and annotations files of a downwardAPI volume, as the kubelet writes them (pkg/fieldpath FormatMap):
// one `key="value"` line per key, sorted by key, the value quoted by Go's %q, joined by \n with no final newline.
//
// Reading is two parsers with one contract. The fast one handles what a kubelet writes: it slices escape-free
// values straight out of the text, hands values whose escapes JSON shares (\" \\ \n \t \r \b \f \uNNNN) to
// JSON.parse, and unquotes the rest with Go's rules into one reused buffer. At anything else (a bad line, a
// duplicate, a key that is not plain ASCII) it gives up and the exact parser of downward-map-exact.ts reads the
// whole file, so every error and every unusual value comes from the straightforward code.

import { problem } from '../errors.js';
import { goQuote, unquoteInto, unquoteText, unquoted } from './go-quote.js';
import { checkKey, keyRule, parseDownwardMapExact, Problems, type KeyRule } from './downward-map-exact.js';
import { isAsciiKeyAt } from './names.js';
import { compareAsGo, printableTable, type UnicodeVersion } from './unicode.js';
import { decodeUtf8 } from './utf8.js';

/**
 * The labels or annotations of a pod, key to value.
 *
 * @remarks
 * A frozen object without a prototype, so every string is a usable key (`constructor` included) and no key is
 * shadowed by an inherited method: `map.toString` is `undefined` unless the pod has a `toString` label.
 *
 * @example
 * ```ts
 * import { parseDownwardMap, type DownwardMap } from 'kube-downward';
 *
 * const labels: DownwardMap = parseDownwardMap('app="web"', { keys: 'labels' });
 * console.log(labels['app']); // 'web'
 * ```
 * @public
 */
export type DownwardMap = Readonly<Record<string, string>>;

/**
 * Options of {@link parseDownwardMap}.
 *
 * @example
 * ```ts
 * import { parseDownwardMap, type ParseDownwardMapOptions } from 'kube-downward';
 *
 * const options: ParseDownwardMapOptions = { path: '/etc/podinfo/labels', keys: 'labels' };
 * parseDownwardMap('tier="backend"', options);
 * ```
 * @public
 */
export interface ParseDownwardMapOptions {
  /** Names the file in errors; defaults to `'<text>'` since the parser itself never touches the file system. */
  readonly path?: string;
  /**
   * Which Kubernetes key rule to enforce. Defaults to `'annotations'`, the looser rule (an upper-case prefix is
   * allowed), so that either file parses when the caller does not say which one it read.
   */
  readonly keys?: 'labels' | 'annotations';
}

/**
 * Options of {@link formatDownwardMap}.
 *
 * @example
 * ```ts
 * import { formatDownwardMap, type FormatDownwardMapOptions } from 'kube-downward';
 *
 * const options: FormatDownwardMapOptions = { keys: 'labels' };
 * formatDownwardMap({ app: 'web' }, options); // 'app="web"'
 * ```
 * @public
 */
export interface FormatDownwardMapOptions {
  /** Which Kubernetes key rule to enforce; defaults to `'annotations'`, as for {@link parseDownwardMap}. */
  readonly keys?: 'labels' | 'annotations';
  /**
   * Which Go's printability tables to quote with: `'15.0'` (the default) writes as a kubelet built with Go 1.21 to
   * 1.26 does, `'17.0'` as one built with Go 1.27 or later. They differ only for code points assigned in 15.1 to
   * 17.0, which the older kubelet escapes (`\U0001fae9`) and the newer one writes as they are.
   */
  readonly unicodeVersion?: UnicodeVersion;
}

/**
 * Values as their exact bytes, returned by {@link parseDownwardMapBytes}.
 *
 * @remarks
 * A frozen object without a prototype, like {@link DownwardMap}; each value is a fresh copy the caller may keep.
 *
 * @example
 * ```ts
 * import { parseDownwardMapBytes, type DownwardMapBytes } from 'kube-downward';
 *
 * const raw: DownwardMapBytes = parseDownwardMapBytes('blob="\\xff\\x00"');
 * console.log(raw['blob']); // Uint8Array(2) [ 255, 0 ]
 * ```
 * @public
 */
export type DownwardMapBytes = Readonly<Record<string, Uint8Array>>;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Past any index of a text: "no further occurrence". */
const NONE = Number.MAX_SAFE_INTEGER;

interface WellFormedText {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/** The next index of `search` in `text` from `from`, or {@link NONE}. */
function next(text: string, search: string, from: number): number {
  const found = text.indexOf(search, from);
  return found < 0 ? NONE : found;
}

/**
 * A backslash before a letter where JSON and Go may part: Go's own escapes (`\a` `\v` `\xNN` `\NNN`
 * `\UNNNNNNNN`), which JSON.parse refuses, `\/`, which Go refuses, and `\u`, which Go refuses for a surrogate.
 */
const NOT_JSON_ESCAPE = /\\[/uxaUv0-7]/g;

function nextNotJsonEscape(text: string, from: number): number {
  NOT_JSON_ESCAPE.lastIndex = from;
  return NOT_JSON_ESCAPE.test(text) ? NOT_JSON_ESCAPE.lastIndex - 2 : NONE;
}

/** Where the next candidate of {@link NOT_JSON_ESCAPE} is, searched for once per file rather than once per value. */
interface Candidate {
  at: number;
}

/**
 * True when every escape of the quoted `text[open, close)` reads the same in JSON and in Go: `\"` `\\` `\n`
 * `\t` `\r` `\b` `\f`, and `\uNNNN` naming no surrogate.
 */
function escapesSharedWithJson(text: string, open: number, close: number, next: Candidate): boolean {
  for (;;) {
    if (next.at < open) next.at = nextNotJsonEscape(text, open);
    const at = next.at;
    if (at >= close) return true;
    // The backslash escapes only after an even run of backslashes; text[open] is the opening quote.
    let run = 0;
    while (text.charCodeAt(at - 1 - run) === BACKSLASH) run += 1;
    if (run % 2 === 0 && (text.charCodeAt(at + 1) !== 0x75 /* u */ || (text.charCodeAt(at + 2) | 0x20) === 0x64 /* d */)) {
      return false;
    }
    next.at = nextNotJsonEscape(text, at + 1);
  }
}

/**
 * The value of the quoted `text[open, close)`, which holds a backslash, or `undefined` when it is not a valid Go
 * double-quoted string.
 */
function unescapeValue(text: string, open: number, close: number, next: Candidate): string | undefined {
  if (escapesSharedWithJson(text, open, close, next)) {
    try {
      return JSON.parse(text.slice(open, close)) as string;
    } catch {
      // Raw control characters, which JSON refuses and Go allows, or no valid string at all: Go's rules decide.
    }
  }
  const value = unquoteText(text, open, close);
  if (value !== null) return value;
  // A raw byte at or above 0x80: through bytes, decoded as Go decodes them.
  const length = unquoteInto(text, open, close);
  return typeof length === 'number' ? decodeUtf8(unquoted().subarray(0, length)) : undefined;
}

/**
 * The map of a file as a kubelet writes it, or `undefined` when the text has anything else: a bad line, a
 * duplicate key, a key that is not plain ASCII. The caller then reads it with the exact parser.
 *
 * `input` may be one of the pieces of whole lines a file was cut into, added to the `map` of the pieces before it;
 * only the `last` piece may be empty or end with the one `\n` a file may end with.
 */
export function parseDownwardMapFast(
  input: string,
  rule: KeyRule,
  map: Record<string, string> = Object.create(null),
  last = true,
): Record<string, string> | undefined {
  if (input === '') return last ? map : undefined;
  // Lone surrogates read as U+FFFD, which toWellFormed writes unit for unit, so columns do not move.
  const wellFormed = input as unknown as WellFormedText;
  const text = wellFormed.isWellFormed() ? input : wellFormed.toWellFormed();
  const annotation = rule === 'annotations';
  const end = last && text.charCodeAt(text.length - 1) === 0x0a ? text.length - 1 : text.length;
  // Where the next '=', '\\' and '"' are, each found once per file rather than once per line.
  let equals = -1;
  let backslash = -1;
  let quote = -1;
  const candidate: Candidate = { at: -1 };
  for (let start = 0; ; ) {
    const newline = next(text, '\n', start);
    const lineEnd = newline < end ? newline : end;
    if (equals < start) equals = next(text, '=', start);
    const separator = equals;
    if (separator >= lineEnd || !isAsciiKeyAt(text, start, separator, annotation)) return undefined;
    const open = separator + 1;
    if (lineEnd - open < 2 || text.charCodeAt(open) !== QUOTE || text.charCodeAt(lineEnd - 1) !== QUOTE) return undefined;
    if (backslash <= open) backslash = next(text, '\\', open + 1);
    let value: string | undefined;
    if (backslash >= lineEnd - 1) {
      if (quote <= open) quote = next(text, '"', open + 1);
      // The first quote after the opening one must be the closing one.
      if (quote !== lineEnd - 1) return undefined;
      value = text.slice(open + 1, lineEnd - 1);
    } else {
      value = unescapeValue(text, open, lineEnd, candidate);
      if (value === undefined) return undefined;
    }
    const key = text.slice(start, separator);
    if (map[key] !== undefined) return undefined;
    map[key] = value;
    if (lineEnd === end) return map;
    start = lineEnd + 1;
  }
}

/**
 * Reads a labels or annotations file of a downwardAPI volume, exactly as the kubelet writes it.
 *
 * @remarks
 * The first `=` of a line ends the key (Kubernetes keys never hold one); the rest must be one complete Go
 * double-quoted string, unquoted as Go's `strconv.Unquote` does, so values from kubelets built with any Go version
 * (which escape different sets of runes) read the same. `\xNN` and octal escapes are raw bytes: the value is
 * decoded from UTF-8 afterwards as Go decodes it, each invalid byte becoming one U+FFFD (`\xf0\x9f\x98` gives
 * three); {@link parseDownwardMapBytes} gives the bytes themselves. Keys are checked as Kubernetes checks them,
 * annotation keys after Go's one-rune-to-one-rune lower-casing (so `example.com/İzmir` is valid). One final `\n`
 * is tolerated; a `\r` is not stripped, since the kubelet never writes one.
 *
 * Parsing is linear in the size of the text and never returns a partial map.
 *
 * @param text - The whole file.
 * @param options - The file's name for errors, and which key rule to enforce.
 * @returns A frozen, prototype-less map.
 * @throws {@link DownwardApiError} with code `INVALID_MAP`, listing each problem (`MISSING_SEPARATOR`,
 * `UNQUOTED_VALUE`, `INVALID_ESCAPE`, `UNTERMINATED_QUOTE`, `DUPLICATE_KEY`, `INVALID_NAME`) with its 1-based line
 * and column (columns count UTF-16 code units, as editors do); at most 20 are listed, all are counted.
 * @throws `RangeError` when `options.keys` is neither `'labels'` nor `'annotations'`.
 *
 * @example
 * ```ts
 * import { parseDownwardMap } from 'kube-downward';
 *
 * const annotations = parseDownwardMap('key1="value1"\nkey2="multi\\nline\\nvalue\\n"', {
 *   path: '/etc/downward/annotations',
 * });
 * console.log(annotations['key2']); // 'multi\nline\nvalue\n'
 * ```
 * @public
 */
export function parseDownwardMap(text: string, options: ParseDownwardMapOptions = {}): DownwardMap {
  return parseDownwardMapLines([text], options);
}

/**
 * {@link parseDownwardMap} of a file decoded as pieces of whole lines (`decodeUtf8Lines`): the same map, and on
 * any fault the same errors, from the whole text.
 */
export function parseDownwardMapLines(pieces: readonly string[], options: ParseDownwardMapOptions = {}): DownwardMap {
  const rule = keyRule(options.keys);
  let fast: Record<string, string> | undefined = Object.create(null);
  for (let i = 0; i < pieces.length && fast !== undefined; i++) fast = parseDownwardMapFast(pieces[i] ?? '', rule, fast, i === pieces.length - 1);
  if (fast !== undefined) return Object.freeze(fast);
  const exact = parseDownwardMapExact(pieces.join('\n'), options.path ?? '<text>', rule);
  const map: Record<string, string> = Object.create(null);
  for (const key in exact) map[key] = decodeUtf8(exact[key] ?? new Uint8Array());
  return Object.freeze(map);
}

/**
 * Reads a labels or annotations file like {@link parseDownwardMap}, giving each value as its exact bytes.
 *
 * @remarks
 * A Go string is bytes, and a value may hold bytes that are not UTF-8 (written `\xNN` by the kubelet); as text
 * they read as U+FFFD, here they are as the kubelet had them. The file itself is always valid UTF-8 (Go's quoting
 * escapes every invalid byte), so reading it as text loses nothing.
 *
 * @param text - The whole file.
 * @param options - The file's name for errors, and which key rule to enforce.
 * @returns A frozen, prototype-less map from key to bytes.
 * @throws {@link DownwardApiError} and `RangeError` as {@link parseDownwardMap} does.
 *
 * @example
 * ```ts
 * import { parseDownwardMapBytes } from 'kube-downward';
 *
 * const raw = parseDownwardMapBytes('example.com/blob="\\xf0\\x9f\\x98"');
 * console.log(raw['example.com/blob']); // Uint8Array(3) [ 240, 159, 152 ]
 * ```
 * @public
 */
export function parseDownwardMapBytes(text: string, options: ParseDownwardMapOptions = {}): DownwardMapBytes {
  return Object.freeze(parseDownwardMapExact(text, options.path ?? '<text>', keyRule(options.keys)));
}

const utf8Encoder = new TextEncoder();

function isReadonlyMap(map: DownwardMap | ReadonlyMap<string, string>): map is ReadonlyMap<string, string> {
  return map instanceof Map;
}

/**
 * Writes a labels or annotations file byte for byte as the kubelet does, for fixtures and test volumes.
 *
 * @remarks
 * Keys are checked first: a formatter must never produce a file that {@link parseDownwardMap} rejects. Keys are
 * sorted by their UTF-8 bytes, as Go sorts them. Values are quoted with the printability tables of the Unicode
 * version asked for (default 15.0, as kubelets built with Go 1.21 to 1.26 quote), pinned in this package, so the
 * output is the same on every Node.js version. A lone surrogate in a value is written as U+FFFD, which is what the
 * API server's JSON decoder would have stored for it.
 *
 * @param map - Keys and values, as an object or a `Map`.
 * @param options - Which key rule to enforce, and which Go's Unicode tables to quote with.
 * @returns The file's text: `key="value"` lines joined by `\n`, no final newline; `''` for an empty map.
 * @throws {@link DownwardApiError} with code `INVALID_MAP` and an `INVALID_NAME` problem for each rejected key.
 * @throws `TypeError` when a value is not a string; `RangeError` when `options.keys` or `options.unicodeVersion`
 * is unknown.
 *
 * @example
 * ```ts
 * import { formatDownwardMap } from 'kube-downward';
 *
 * formatDownwardMap(new Map([['zone', 'eu-1'], ['app', 'say "hi"\n']]));
 * // 'app="say \\"hi\\"\\n"\nzone="eu-1"'
 * formatDownwardMap({ emoji: '\u{1fae9}' }); // 'emoji="\\U0001fae9"', as Go 1.21-1.26 quote it
 * ```
 * @public
 */
export function formatDownwardMap(
  map: DownwardMap | ReadonlyMap<string, string>,
  options: FormatDownwardMapOptions = {},
): string {
  const rule = keyRule(options.keys);
  const printable = printableTable(options.unicodeVersion);
  const entries = isReadonlyMap(map) ? [...map] : Object.entries(map);
  const problems = new Problems();
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw new TypeError(`the value of ${JSON.stringify(key)} must be a string`);
    const broken = checkKey(rule, key);
    if (broken !== undefined) {
      const hint = 'The API server would reject this key, so no kubelet could write it.';
      problems.add(problem('INVALID_NAME', { kind: 'argument', name: 'map key' }, key, broken, hint));
    }
  }
  problems.throwIfAny('the map cannot be written as the kubelet would');
  return entries
    .sort(([a], [b]) => compareAsGo(a, b))
    .map(([key, value]) => `${key}=${goQuote(utf8Encoder.encode(value), printable)}`)
    .join('\n');
}
