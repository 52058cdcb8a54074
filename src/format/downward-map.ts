// The labels and annotations files of a downwardAPI volume, as the kubelet writes them (pkg/fieldpath FormatMap):
// one `key="value"` line per key, sorted by key, the value quoted by Go's %q, joined by \n with no final newline.

import { DownwardApiError, problem, type DownwardApiProblem, type DownwardApiSource } from '../errors.js';
import { goQuote, goUnquote } from './go-quote.js';
import { checkAnnotationKey, checkQualifiedName } from './names.js';
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
}

/** A 1 MiB file of garbage would otherwise make an error message of a million lines. */
const MAX_LISTED_PROBLEMS = 20;

const utf8Encoder = new TextEncoder();

const HINT =
  "This file is written by the kubelet; if you wrote it by hand, quote the value as Go's %q does, or generate it " +
  'with formatDownwardMap.';
const CRLF_HINT =
  'The line ends with a carriage return (\\r): the kubelet ends lines with \\n and never writes a raw \\r, so the ' +
  'file was probably converted to CRLF line endings; convert it back to LF.';

function keyRule(keys: unknown): (key: string) => string | undefined {
  if (keys === undefined || keys === 'annotations') return checkAnnotationKey;
  if (keys === 'labels') return checkQualifiedName;
  throw new RangeError(`options.keys must be 'labels' or 'annotations', not ${String(keys)}`);
}

/** Every problem counted, the first {@link MAX_LISTED_PROBLEMS} kept, so the error stays readable. */
class Problems {
  private readonly listed: DownwardApiProblem[] = [];
  private count = 0;

  add(found: DownwardApiProblem): void {
    this.count += 1;
    if (this.listed.length < MAX_LISTED_PROBLEMS) this.listed.push(found);
  }

  throwIfAny(subject: string): void {
    if (this.count === 0) return;
    const plural = this.count === 1 ? '' : 's';
    const unlisted = this.count > this.listed.length ? `, the first ${this.listed.length} listed` : '';
    throw new DownwardApiError({
      code: 'INVALID_MAP',
      summary: `${subject}: ${this.count} problem${plural}${unlisted}`,
      problems: this.listed,
    });
  }
}

/**
 * Reads a labels or annotations file of a downwardAPI volume, exactly as the kubelet writes it.
 *
 * @remarks
 * The first `=` of a line ends the key (Kubernetes keys never hold one); the rest must be one complete Go
 * double-quoted string, unquoted as Go's `strconv.Unquote` does, so values from older kubelets that escaped more
 * runes read the same. `\xNN` escapes are raw bytes: the value is decoded as UTF-8 afterwards, invalid sequences
 * becoming U+FFFD. One final `\n` is tolerated; a `\r` is not stripped, since the kubelet never writes one.
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
  const path = options.path ?? '<text>';
  const checkKey = keyRule(options.keys);
  const map: Record<string, string> = Object.create(null);
  const firstLines = new Map<string, number>();
  const problems = new Problems();
  if (text === '') return Object.freeze(map);
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;

  for (let start = 0, lineNumber = 1; start <= body.length; lineNumber += 1) {
    const newline = body.indexOf('\n', start);
    const end = newline < 0 ? body.length : newline;
    const line = body.slice(start, end);
    start = end + 1;

    const report = (code: DownwardApiProblem['code'], column: number, rule: string, hint?: string): void => {
      const source: DownwardApiSource = { kind: 'file', path, line: lineNumber, column };
      problems.add(problem(code, source, line, rule, hint ?? (line.endsWith('\r') ? CRLF_HINT : HINT)));
    };
    const separator = line.indexOf('=');
    if (separator < 0) {
      report('MISSING_SEPARATOR', 1, 'a line of the form key="value", the key followed by \'=\'');
      continue;
    }
    const key = line.slice(0, separator);
    const brokenKeyRule = checkKey(key);
    const firstLine = firstLines.get(key);
    if (brokenKeyRule !== undefined) {
      report('INVALID_NAME', 1, brokenKeyRule, 'Kubernetes rejects this key, so no kubelet wrote it; fix the key.');
    } else if (firstLine === undefined) {
      firstLines.set(key, lineNumber);
    } else {
      report('DUPLICATE_KEY', 1, 'a key on one line only', `The kubelet writes each key once; see line ${firstLine}.`);
    }
    const value = goUnquote(line.slice(separator + 1));
    if (value.ok) map[key] = decodeUtf8(value.bytes);
    else report(value.failure.code, separator + 2 + value.failure.offset, value.failure.rule);
  }

  problems.throwIfAny(`${path} is not a labels or annotations file as the kubelet writes it`);
  return Object.freeze(map);
}

function isReadonlyMap(map: DownwardMap | ReadonlyMap<string, string>): map is ReadonlyMap<string, string> {
  return map instanceof Map;
}

/**
 * Writes a labels or annotations file byte for byte as the kubelet does, for fixtures and test volumes.
 *
 * @remarks
 * Keys are checked first: a formatter must never produce a file that {@link parseDownwardMap} rejects. Valid keys
 * are ASCII, so sorting them as strings is sorting them by their UTF-8 bytes, as Go does. A lone surrogate in a
 * value is written as U+FFFD, which is what the API server's JSON decoder would have stored for it.
 *
 * @param map - Keys and values, as an object or a `Map`.
 * @param options - Which key rule to enforce.
 * @returns The file's text: `key="value"` lines joined by `\n`, no final newline; `''` for an empty map.
 * @throws {@link DownwardApiError} with code `INVALID_MAP` and an `INVALID_NAME` problem for each rejected key.
 * @throws `TypeError` when a value is not a string; `RangeError` when `options.keys` is unknown.
 *
 * @example
 * ```ts
 * import { formatDownwardMap } from 'kube-downward';
 *
 * formatDownwardMap(new Map([['zone', 'eu-1'], ['app', 'say "hi"\n']]));
 * // 'app="say \\"hi\\"\\n"\nzone="eu-1"'
 * ```
 * @public
 */
export function formatDownwardMap(
  map: DownwardMap | ReadonlyMap<string, string>,
  options: FormatDownwardMapOptions = {},
): string {
  const checkKey = keyRule(options.keys);
  const entries = isReadonlyMap(map) ? [...map] : Object.entries(map);
  const problems = new Problems();
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw new TypeError(`the value of ${JSON.stringify(key)} must be a string`);
    const broken = checkKey(key);
    if (broken !== undefined) {
      const hint = 'The API server would reject this key, so no kubelet could write it.';
      problems.add(problem('INVALID_NAME', { kind: 'argument', name: 'map key' }, key, broken, hint));
    }
  }
  problems.throwIfAny('the map cannot be written as the kubelet would');
  return entries
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${goQuote(utf8Encoder.encode(value))}`)
    .join('\n');
}
