// Sizing Node's runtime from the container's limits: the V8 heap ceiling from the memory limit and the libuv thread
// pool from the CPU limit or request, read from the Downward API, else from cgroup v2, else left alone.

import { isDownwardApiError, type DownwardApiError } from '../errors.js';
import { readPodMetadataSync, type ReadPodMetadataOptions } from '../sources/read.js';
import type { PodResources } from '../sources/pod-metadata.js';
import { subSpec, withIntegrations } from '../spec/integrations.js';
import { defaultSpec } from '../spec/spec.js';
import { readCgroupLimits, type CgroupReading } from './cgroup.js';

/**
 * Options of {@link runtimeSizing}: where the Downward API is read from, the cgroup directory, and what the user has
 * set already.
 *
 * @example
 * ```ts
 * import type { RuntimeSizingOptions } from 'kube-downward';
 *
 * const options: RuntimeSizingOptions = { volume: '/etc/downward', cgroupRoot: '/sys/fs/cgroup', args: ['node', 'app.js'] };
 * ```
 * @public
 */
export interface RuntimeSizingOptions extends ReadPodMetadataOptions {
  /** The container's cgroup v2 directory, read when the Downward API gives no limit; default `/sys/fs/cgroup`. */
  readonly cgroupRoot?: string;
  /** The command line about to run: a `--max-old-space-size` flag on it is the user's and is left alone. */
  readonly args?: readonly string[];
  /**
   * Memory the container holds besides the app, in bytes, taken off the limit first (`kube-downward exec` passes
   * its own resident memory, since it stays while the app runs); default 0.
   */
  readonly reservedBytes?: number;
}

/**
 * Where a {@link RuntimeSetting} comes from: the Downward API, cgroup v2, the user (already set: left alone), or
 * nowhere (no limit known: the runtime's default applies).
 *
 * @example
 * ```ts
 * import type { RuntimeSettingSource } from 'kube-downward';
 *
 * const source: RuntimeSettingSource = 'downward-api';
 * ```
 * @public
 */
export type RuntimeSettingSource = 'downward-api' | 'cgroup' | 'user' | 'none';

/**
 * One runtime setting: the value to use (undefined: leave it alone), where it comes from, and one line that says so.
 *
 * @example
 * ```ts
 * import { runtimeSizing, type RuntimeSetting } from 'kube-downward';
 *
 * const heap: RuntimeSetting = runtimeSizing({ env: {}, cgroupRoot: '/nonexistent' }).maxOldSpaceSizeMiB;
 * console.log(heap.source, heap.value); // 'none' undefined
 * ```
 * @public
 */
export interface RuntimeSetting {
  /** The value, or undefined when no limit is known or the user set it. */
  readonly value: number | undefined;
  /** Where the value comes from. */
  readonly source: RuntimeSettingSource;
  /** One line for a log: the setting, the limit it derives from, where that was read, and the rule applied. */
  readonly description: string;
}

/**
 * What {@link runtimeSizing} decided for the V8 heap and the libuv thread pool.
 *
 * @example
 * ```ts
 * import { runtimeSizing, type RuntimeSizing } from 'kube-downward';
 *
 * const sizing: RuntimeSizing = runtimeSizing({ env: {}, cgroupRoot: '/nonexistent' });
 * console.log(sizing.uvThreadpoolSize.description);
 * ```
 * @public
 */
export interface RuntimeSizing {
  /** `--max-old-space-size`, in MiB. */
  readonly maxOldSpaceSizeMiB: RuntimeSetting;
  /** `UV_THREADPOOL_SIZE`. */
  readonly uvThreadpoolSize: RuntimeSetting;
  /** The errors met reading the Downward API, one per resource whose value was then not used. */
  readonly problems: readonly DownwardApiError[];
}

const MIB = 1024n * 1024n;
/** V8's young generation in Node 20 (three 16 MiB semi-spaces), which `--max-old-space-size` does not include. */
const YOUNG_GENERATION_MIB = 48;
/** The least heap sizing ever sets: below it, even a small app spends its time collecting garbage. */
const MIN_OLD_SPACE_MIB = 16;
/** libuv's own default, kept as the floor: the pool also waits on disk and DNS, which take no CPU. */
const MIN_THREADPOOL = 4;
/** libuv's maximum (MAX_THREADPOOL_SIZE). */
const MAX_THREADPOOL = 1024;

/**
 * The heap ceiling for a memory limit: 75% of it for V8 (old space plus the young generation), 25% for what lies
 * outside the heap (Buffers, native code, thread stacks), at least {@link MIN_OLD_SPACE_MIB}.
 */
export function maxOldSpaceSizeFor(limitBytes: bigint, reservedBytes = 0n): number {
  const available = limitBytes > reservedBytes ? limitBytes - reservedBytes : 0n;
  const v8 = Number((available * 3n) / 4n / MIB);
  return Math.max(MIN_OLD_SPACE_MIB, v8 - YOUNG_GENERATION_MIB);
}

/** The thread pool for a CPU amount: one thread per CPU, rounded up, from libuv's default 4 up to its maximum 1024. */
export function threadpoolSizeFor(millicores: bigint): number {
  const cpus = Number((millicores + 999n) / 1000n);
  return Math.min(MAX_THREADPOOL, Math.max(MIN_THREADPOOL, cpus));
}

const HEAP_FLAG = /^--max[-_](?:old[-_]space|heap)[-_]size(?:=|$)/;

function describeBytes(bytes: bigint): string {
  return bytes % MIB === 0n ? `${bytes / MIB} MiB` : `${bytes} bytes`;
}

/** Says so when a cgroup file was there but did not hold a limit the kernel writes. */
function unusable(cgroup: CgroupReading | undefined): string {
  return cgroup?.limit.kind === 'invalid' ? `: ${cgroup.path} holds ${JSON.stringify(cgroup.limit.text.slice(0, 40))}, not a cgroup v2 limit` : '';
}

const NO_LIMIT_NOTE = 'the kubelet writes the node\'s allocatable amount for a limit that is not set';

const SIZED = ['limits.memory', 'limits.cpu', 'requests.cpu'] as const;

/** Each resource read on its own, so that a missing or invalid one does not take the others with it. */
function readResources(options: RuntimeSizingOptions): { resources: PodResources; problems: DownwardApiError[] } {
  const spec = withIntegrations(options.spec ?? defaultSpec, ['runtime-sizing']);
  const resources: Record<string, unknown> = {};
  const problems: DownwardApiError[] = [];
  for (const name of SIZED) {
    try {
      const read = readPodMetadataSync({ ...options, spec: subSpec(spec, (source) => source.resourceFieldRef?.resource === name) });
      if (read.resources[name] !== undefined) resources[name] = read.resources[name];
    } catch (error) {
      if (!isDownwardApiError(error)) throw error;
      problems.push(error);
    }
  }
  return { resources: resources as PodResources, problems };
}

function heapSetting(options: RuntimeSizingOptions, env: Readonly<Record<string, string | undefined>>, resources: PodResources, cgroup: CgroupReading | undefined): RuntimeSetting {
  const reserved = BigInt(options.reservedBytes ?? 0);
  const less = reserved === 0n ? '' : ` less ${describeBytes(reserved)} reserved`;
  const flag = 'max-old-space-size';
  if ((env['NODE_OPTIONS'] ?? '').split(/\s+/).some((option) => HEAP_FLAG.test(option))) {
    return { value: undefined, source: 'user', description: `--${flag} left as NODE_OPTIONS sets it` };
  }
  if ((options.args ?? []).some((arg) => HEAP_FLAG.test(arg))) {
    return { value: undefined, source: 'user', description: `--${flag} left as the command line sets it` };
  }
  const limit = resources['limits.memory'];
  const rule = `75% of it less ${YOUNG_GENERATION_MIB} MiB for V8's young generation, at least ${MIN_OLD_SPACE_MIB} MiB`;
  if (limit !== undefined) {
    // The lower bound: a value rounded up by its divisor may exceed the real limit.
    const bytes = limit.interval.above + 1n;
    if (cgroup?.limit.kind === 'unlimited') {
      return {
        value: undefined,
        source: 'none',
        description: `--${flag} not set: ${cgroup.path} says "max", so limits.memory (${describeBytes(limit.bytes)}) is no limit (${NO_LIMIT_NOTE}); V8's default applies`,
      };
    }
    const value = maxOldSpaceSizeFor(bytes, reserved);
    const amount = bytes === limit.bytes ? describeBytes(bytes) : `${describeBytes(limit.bytes)} at most (divisor ${limit.divisor}: sized from the least it can be)`;
    return { value, source: 'downward-api', description: `--${flag}=${value} from limits.memory ${amount} (Downward API)${less}: ${rule}` };
  }
  if (cgroup?.limit.kind === 'limit') {
    const value = maxOldSpaceSizeFor(cgroup.limit.value, reserved);
    return { value, source: 'cgroup', description: `--${flag}=${value} from ${cgroup.path} ${describeBytes(cgroup.limit.value)}${less}: ${rule}` };
  }
  return { value: undefined, source: 'none', description: `--${flag} not set: no memory limit found (Downward API limits.memory, cgroup v2 memory.max${unusable(cgroup)}); V8's default applies` };
}

function threadpoolSetting(env: Readonly<Record<string, string | undefined>>, resources: PodResources, cgroup: CgroupReading | undefined): RuntimeSetting {
  const name = 'UV_THREADPOOL_SIZE';
  const set = env[name];
  if (set !== undefined && set !== '') return { value: undefined, source: 'user', description: `${name} left as the environment sets it (${set})` };
  const rule = `one thread per CPU rounded up, from libuv's default ${MIN_THREADPOOL} to ${MAX_THREADPOOL}`;
  const from = (millicores: bigint, what: string, source: RuntimeSettingSource): RuntimeSetting => {
    const value = threadpoolSizeFor(millicores);
    return { value, source, description: `${name}=${value} from ${what} ${millicores}m: ${rule}` };
  };
  const limit = resources['limits.cpu'];
  const unlimited = cgroup?.limit.kind === 'unlimited';
  if (limit !== undefined && !unlimited) return from(limit.millicores, 'limits.cpu (Downward API)', 'downward-api');
  if (limit === undefined && cgroup?.limit.kind === 'limit') return from(cgroup.limit.value, cgroup.path, 'cgroup');
  const request = resources['requests.cpu'];
  if (request !== undefined && request.millicores > 0n) {
    const why = unlimited ? ` (${cgroup?.path} says "max": no CPU limit)` : '';
    return from(request.millicores, `requests.cpu (Downward API)${why}`, 'downward-api');
  }
  return { value: undefined, source: 'none', description: `${name} not set: no CPU limit or request found (Downward API, cgroup v2 cpu.max${unusable(cgroup)}); libuv's default ${MIN_THREADPOOL} applies` };
}

/**
 * The V8 heap ceiling (`--max-old-space-size`) and the libuv thread pool size (`UV_THREADPOOL_SIZE`) for the
 * container's limits: what `kube-downward exec` sets, for code that builds its own command line.
 *
 * @remarks
 * Memory: the Downward API's `limits.memory`, else cgroup v2 `memory.max`. The heap gets 75% of the limit less
 * V8's young generation (48 MiB in Node 20, outside `--max-old-space-size`), at least 16 MiB: the other 25% is for
 * what lives outside the V8 heap (Buffers, native code, thread stacks). CPU: `limits.cpu`, else cgroup v2 `cpu.max`,
 * else `requests.cpu`; one thread per CPU rounded up, never below libuv's default 4 (the pool also waits on disk
 * and DNS, which take no CPU) nor above 1024. When cgroup v2 says `max`, the Downward API value is the node's
 * allocatable amount (the kubelet's stand-in for a limit that is not set) and is not used as a limit.
 *
 * With `reservedBytes`, that much is taken off the memory limit first: memory the container holds besides the app.
 *
 * What the user set is left alone: `--max-old-space-size` in `NODE_OPTIONS` or in `args`, `UV_THREADPOOL_SIZE` in
 * the environment. The Downward API is read with the spec's resource entries only (plus those sizing adds, see
 * {@link DownwardIntegration}); a missing or invalid value there is reported in `problems` and not used (cgroup v2 is read instead).
 *
 * @param options - The Downward API sources, the cgroup directory, the command line.
 * @returns Each setting with its source and a line that describes it.
 * @throws RangeError or TypeError for invalid options; {@link DownwardApiError} with code `INVALID_SPEC` for an
 * invalid spec.
 *
 * @example
 * ```ts
 * import { runtimeSizing } from 'kube-downward';
 *
 * const sizing = runtimeSizing({ env: { CONTAINER_MEMORY_LIMIT_KIBIBYTES: '524288' }, cgroupRoot: '/nonexistent' });
 * const heap = sizing.maxOldSpaceSizeMiB.value; // 335: 75% of the least 512Mi in KiB can be, less 48 MiB
 * const args = heap === undefined ? ['app.js'] : [`--max-old-space-size=${heap}`, 'app.js'];
 * console.log(args, sizing.uvThreadpoolSize.value);
 * ```
 * @public
 */
export function runtimeSizing(options: RuntimeSizingOptions = {}): RuntimeSizing {
  const reserved = options.reservedBytes ?? 0;
  if (!Number.isSafeInteger(reserved) || reserved < 0) throw new RangeError(`reservedBytes must be a non-negative integer, not ${String(options.reservedBytes)}`);
  const root = options.cgroupRoot ?? '/sys/fs/cgroup';
  if (typeof root !== 'string' || root === '') throw new TypeError('cgroupRoot must be a non-empty string');
  const env = options.env ?? process.env;
  const { resources, problems } = readResources(options);
  const cgroup = readCgroupLimits(root);
  return {
    maxOldSpaceSizeMiB: heapSetting(options, env, resources, cgroup.memory),
    uvThreadpoolSize: threadpoolSetting(env, resources, cgroup.cpu),
    problems,
  };
}
