// The container's limits as cgroup v2 states them (memory.max, cpu.max): pure parsers for the two files, and one
// small reader behind an injectable root directory.

import { join, nodeFs } from '../builtins.js';

/** What one limit file says: a limit, no limit (`max`), or text that is not a cgroup v2 limit. */
export type CgroupLimit =
  | { readonly kind: 'limit'; readonly value: bigint }
  | { readonly kind: 'unlimited' }
  | { readonly kind: 'invalid'; readonly text: string };

const DECIMAL = /^(0|[1-9][0-9]{0,19})$/;

/** `memory.max`: `max`, or the limit in bytes; one trailing newline, as the kernel writes it. */
export function parseMemoryMax(text: string): CgroupLimit {
  const line = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (line === 'max') return { kind: 'unlimited' };
  if (DECIMAL.test(line)) return { kind: 'limit', value: BigInt(line) };
  return { kind: 'invalid', text };
}

/**
 * `cpu.max`: `$MAX $PERIOD` in microseconds, `$MAX` being `max` for no limit; the value is the quota in millicores,
 * rounded up (a 150000/100000 quota is 1500 millicores).
 */
export function parseCpuMax(text: string): CgroupLimit {
  const line = text.endsWith('\n') ? text.slice(0, -1) : text;
  const [max, period, ...rest] = line.split(' ');
  if (max === undefined || period === undefined || rest.length > 0 || !DECIMAL.test(period) || period === '0') {
    return { kind: 'invalid', text };
  }
  if (max === 'max') return { kind: 'unlimited' };
  if (!DECIMAL.test(max) || max === '0') return { kind: 'invalid', text };
  const quota = BigInt(max) * 1000n;
  const micros = BigInt(period);
  return { kind: 'limit', value: (quota + micros - 1n) / micros };
}

/** One limit file read from the cgroup directory, or undefined when it cannot be read (no cgroup v2 there). */
export interface CgroupReading {
  readonly path: string;
  readonly limit: CgroupLimit;
}

function readLimit(root: string, file: string, parse: (text: string) => CgroupLimit): CgroupReading | undefined {
  const path = join(root, file);
  let text: string;
  try {
    text = nodeFs.readFileSync(path, 'utf8');
  } catch {
    // Absent on cgroup v1 and in the root cgroup; unreadable in a sandbox: either way, no limit to size from.
    return undefined;
  }
  return { path, limit: parse(text) };
}

/** The container's cgroup v2 memory and CPU limits under `root` (`/sys/fs/cgroup` inside a container). */
export function readCgroupLimits(root: string): { readonly memory: CgroupReading | undefined; readonly cpu: CgroupReading | undefined } {
  return { memory: readLimit(root, 'memory.max', parseMemoryMax), cpu: readLimit(root, 'cpu.max', parseCpuMax) };
}
