// The labels and annotations file read the straightforward way: line by line, each value through Go's Unquote to
// bytes. It gives every problem of a file with its line and column, the exact bytes of every value, and is the
// reference the fast parser of downward-map.ts is held to (a property test compares the two).

import { DownwardApiError, problem, type DownwardApiProblem, type DownwardApiSource } from '../errors.js';
import { goUnquote } from './go-quote.js';
import { checkAnnotationKey, checkQualifiedName } from './names.js';

/** A 1 MiB file of garbage would otherwise make an error message of a million lines. */
const MAX_LISTED_PROBLEMS = 20;

const HINT =
  "This file is written by the kubelet; if you wrote it by hand, quote the value as Go's %q does, or generate it " +
  'with formatDownwardMap.';
const CRLF_HINT =
  'The line ends with a carriage return (\\r): the kubelet ends lines with \\n and never writes a raw \\r, so the ' +
  'file was probably converted to CRLF line endings; convert it back to LF.';

export type KeyRule = 'labels' | 'annotations';

export function keyRule(keys: unknown): KeyRule {
  if (keys === undefined || keys === 'annotations') return 'annotations';
  if (keys === 'labels') return 'labels';
  throw new RangeError(`options.keys must be 'labels' or 'annotations', not ${String(keys)}`);
}

export function checkKey(rule: KeyRule, key: string): string | undefined {
  return rule === 'labels' ? checkQualifiedName(key) : checkAnnotationKey(key);
}

/** Every problem counted, the first {@link MAX_LISTED_PROBLEMS} kept, so the error stays readable. */
export class Problems {
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
 * The file's keys and the exact bytes of their values, or a {@link DownwardApiError} listing every problem; the
 * contract of `parseDownwardMap`, with bytes for values.
 */
export function parseDownwardMapExact(text: string, path: string, rule: KeyRule): Record<string, Uint8Array> {
  const map: Record<string, Uint8Array> = Object.create(null);
  const firstLines = new Map<string, number>();
  const problems = new Problems();
  if (text === '') return map;
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;

  for (let start = 0, lineNumber = 1; start <= body.length; lineNumber += 1) {
    const newline = body.indexOf('\n', start);
    const end = newline < 0 ? body.length : newline;
    const line = body.slice(start, end);
    start = end + 1;

    const report = (code: DownwardApiProblem['code'], column: number, broken: string, hint?: string): void => {
      const source: DownwardApiSource = { kind: 'file', path, line: lineNumber, column };
      problems.add(problem(code, source, line, broken, hint ?? (line.endsWith('\r') ? CRLF_HINT : HINT)));
    };
    const separator = line.indexOf('=');
    if (separator < 0) {
      report('MISSING_SEPARATOR', 1, 'a line of the form key="value", the key followed by \'=\'');
      continue;
    }
    const key = line.slice(0, separator);
    const brokenKeyRule = checkKey(rule, key);
    const firstLine = firstLines.get(key);
    if (brokenKeyRule !== undefined) {
      report('INVALID_NAME', 1, brokenKeyRule, 'Kubernetes rejects this key, so no kubelet wrote it; fix the key.');
    } else if (firstLine === undefined) {
      firstLines.set(key, lineNumber);
    } else {
      report('DUPLICATE_KEY', 1, 'a key on one line only', `The kubelet writes each key once; see line ${firstLine}.`);
    }
    const value = goUnquote(line.slice(separator + 1));
    if (value.ok) map[key] = value.bytes;
    else report(value.failure.code, separator + 2 + value.failure.offset, value.failure.rule);
  }

  problems.throwIfAny(`${path} is not a labels or annotations file as the kubelet writes it`);
  return map;
}
