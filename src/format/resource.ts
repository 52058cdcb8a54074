// resourceFieldRef values: the API server's divisor validation (pkg/apis/core/validation), the kubelet's
// conversion (pkg/api/v1/resource/helpers.go) and the reverse, reading the kubelet's integer back.
import { DownwardApiError, problem, type DownwardApiSource } from '../errors.js';
import { parseQuantity, Quantity } from './quantity.js';

/**
 * The CPU resources a `resourceFieldRef` may name; their values are counted in millicores.
 *
 * @example
 * ```ts
 * import type { CpuResourceName } from 'kube-downward';
 *
 * const resource: CpuResourceName = 'limits.cpu';
 * ```
 * @public
 */
export type CpuResourceName = 'requests.cpu' | 'limits.cpu';

/**
 * The resources a `resourceFieldRef` may name whose values are counted in bytes.
 *
 * @remarks
 * Hugepages are matched by prefix, as Kubernetes validation matches them (`limits.hugepages-2Mi`).
 *
 * @example
 * ```ts
 * import type { ByteResourceName } from 'kube-downward';
 *
 * const resource: ByteResourceName = 'requests.hugepages-2Mi';
 * ```
 * @public
 */
export type ByteResourceName =
  | 'requests.memory'
  | 'limits.memory'
  | 'requests.ephemeral-storage'
  | 'limits.ephemeral-storage'
  | `requests.hugepages-${string}`
  | `limits.hugepages-${string}`;

/**
 * Every resource a `resourceFieldRef` may name.
 *
 * @example
 * ```ts
 * import type { ResourceName } from 'kube-downward';
 *
 * const resources: ResourceName[] = ['requests.cpu', 'limits.memory'];
 * ```
 * @public
 */
export type ResourceName = CpuResourceName | ByteResourceName;

/**
 * The divisors the API server allows, in canonical form, each with what one of it is worth: millicores for CPU,
 * bytes for the rest. Reading a value needs no quantity parser, which an app would otherwise compile at start-up.
 */
const CPU_UNITS: ReadonlyMap<string, bigint> = new Map([
  ['1m', 1n],
  ['1', 1000n],
]);
const BYTE_UNITS: ReadonlyMap<string, bigint> = new Map([
  ...['1', '1k', '1M', '1G', '1T', '1P', '1E'].map((divisor, i): [string, bigint] => [divisor, 1000n ** BigInt(i)]),
  ...['1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'].map((divisor, i): [string, bigint] => [divisor, 1024n ** BigInt(i + 1)]),
]);
const CPU_HINT = 'Use 1m for millicores or 1 for cores.';
const BYTE_HINT =
  'Use 1 for bytes, or 1 with a decimal (1k, 1M, 1G…) or binary (1Ki, 1Mi, 1Gi…) suffix; not 1024 or 1e3.';

const NAMES = new Set<string>([
  'requests.cpu',
  'limits.cpu',
  'requests.memory',
  'limits.memory',
  'requests.ephemeral-storage',
  'limits.ephemeral-storage',
]);
const HUGEPAGES_PREFIXES = ['requests.hugepages-', 'limits.hugepages-'];
/** MergeContainerResourceLimits fills these from node allocatable; hugepages are never overcommitted, so never. */
const DEFAULTED_LIMITS = new Set<string>(['limits.cpu', 'limits.memory', 'limits.ephemeral-storage']);

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
/** Past ±1e20, Value() and MilliValue() saturate whatever the exact value is, so it is never expanded. */
let int64Bounds: { readonly over: Quantity; readonly under: Quantity } | undefined;
/** What Go's FormatInt writes for a non-negative int64. */
const KUBELET_INTEGER = /^(?:0|[1-9][0-9]{0,18})$/;

/**
 * True when `text` is a resource a `resourceFieldRef` may name, by the API server's rules.
 *
 * @example
 * ```ts
 * import { isResourceName } from 'kube-downward';
 *
 * isResourceName('limits.hugepages-1Gi'); // true
 * isResourceName('limits.nvidia.com/gpu'); // false
 * ```
 * @public
 */
export function isResourceName(text: string): text is ResourceName {
  return NAMES.has(text) || HUGEPAGES_PREFIXES.some((prefix) => text.startsWith(prefix));
}

function isCpu(resource: ResourceName): resource is CpuResourceName {
  return resource === 'requests.cpu' || resource === 'limits.cpu';
}

function unitsOf(resource: ResourceName): ReadonlyMap<string, bigint> {
  return isCpu(resource) ? CPU_UNITS : BYTE_UNITS;
}

function checkResourceName(resource: string): void {
  if (!isResourceName(resource)) {
    throw new TypeError(
      `resource must be requests.* or limits.* of cpu, memory, ephemeral-storage or hugepages-<size>, ` +
        `not ${JSON.stringify(resource)}`,
    );
  }
}

function toQuantity(input: string | Quantity | undefined, name: string): Quantity | undefined {
  if (input === undefined || input instanceof Quantity) return input;
  if (typeof input !== 'string') throw new TypeError(`${name} must be a quantity string or a Quantity`);
  return parseQuantity(input, { kind: 'argument', name });
}

/**
 * Validates a `resourceFieldRef` divisor as the API server does and returns it in canonical form.
 *
 * @remarks
 * An omitted or zero divisor means 1. Otherwise the divisor's canonical string must be `1m` or `1` for CPU, and
 * `1`, `1k` … `1E` or `1Ki` … `1Ei` for the byte resources, so `1000m` passes as `1` and `1000` as `1k`, while
 * `1024` and `1e3` are rejected.
 *
 * @param resource - The resource the divisor applies to.
 * @param divisor - The divisor as written in the spec, or undefined when omitted.
 * @returns The canonical divisor, such as `1m` or `1Mi`.
 * @throws {@link DownwardApiError} with code `INVALID_DIVISOR` for a divisor the API server rejects, or
 * `INVALID_QUANTITY` when the divisor is not a quantity at all.
 *
 * @example
 * ```ts
 * import { canonicalDivisor } from 'kube-downward';
 *
 * canonicalDivisor('limits.memory', '1000'); // '1k'
 * canonicalDivisor('requests.cpu', undefined); // '1'
 * ```
 * @public
 */
export function canonicalDivisor(resource: ResourceName, divisor: string | Quantity | undefined): string {
  checkResourceName(resource);
  const units = unitsOf(resource);
  // A divisor written canonically is its own canonical form.
  if (typeof divisor === 'string' && units.has(divisor)) return divisor;
  const quantity = toQuantity(divisor, 'divisor');
  if (quantity === undefined || quantity.isZero()) return '1';
  const text = quantity.toString();
  if (units.has(text)) return text;
  const written = typeof divisor === 'string' ? divisor : text;
  const rule = `one of ${[...units.keys()].join(', ')} (the divisors the API server allows for ${resource})`;
  throw new DownwardApiError({
    code: 'INVALID_DIVISOR',
    summary: `the API server rejects divisor ${JSON.stringify(written)} for ${resource}`,
    problems: [
      problem(
        'INVALID_DIVISOR',
        { kind: 'argument', name: 'divisor' },
        written,
        rule,
        isCpu(resource) ? CPU_HINT : BYTE_HINT,
      ),
    ],
  });
}

/**
 * Options of {@link formatResourceValue}: one container's resource, as written in its spec.
 *
 * @example
 * ```ts
 * import type { FormatResourceValueOptions } from 'kube-downward';
 *
 * const options: FormatResourceValueOptions = { resource: 'limits.memory', quantity: '4Mi', divisor: '1Ki' };
 * ```
 * @public
 */
export interface FormatResourceValueOptions {
  /** The resource the `resourceFieldRef` names. */
  readonly resource: ResourceName;
  /** The container's request or limit for that resource; absent when the spec does not set it. */
  readonly quantity?: string | Quantity;
  /** The `resourceFieldRef` divisor; absent or zero means 1. */
  readonly divisor?: string | Quantity;
  /**
   * The node's allocatable amount, written for a missing or zero cpu, memory or ephemeral-storage limit; when the
   * node does not list the resource either, the kubelet writes 0.
   */
  readonly nodeAllocatable?: string | Quantity;
}

/**
 * The exact text the kubelet writes for a `resourceFieldRef` (the env var value, or the file's content).
 *
 * @remarks
 * Reproduces the kubelet: an unset request is 0; a missing or zero cpu, memory or ephemeral-storage limit is the
 * node's allocatable, or 0 when `nodeAllocatable` is not given either (hugepages limits are never defaulted); CPU is `ceil(milliValue / divisor's milliValue)` and
 * the rest `ceil(value / divisor's value)`, both in float64, so results above 2^53 carry its rounding. Where Go's
 * int64 overflows, Value() and MilliValue() saturate at the int64 bounds (as current apimachinery does) and a
 * float64 quotient of 2^63 or more converts to -9223372036854775808, as Go's int64(float64) does on amd64.
 *
 * @param options - The resource, the container's quantity, the divisor and, for limits, the node's allocatable.
 * @returns A decimal integer, such as `250` or `4096`.
 * @throws {@link DownwardApiError} with code `INVALID_DIVISOR` or `INVALID_QUANTITY` (also for a malformed
 * `nodeAllocatable`, even where it is not used).
 *
 * @example
 * ```ts
 * import { formatResourceValue } from 'kube-downward';
 *
 * formatResourceValue({ resource: 'requests.cpu', quantity: '250m', divisor: '1m' }); // '250'
 * formatResourceValue({ resource: 'limits.memory', nodeAllocatable: '16Gi', divisor: '1Mi' }); // '16384'
 * ```
 * @public
 */
export function formatResourceValue(options: FormatResourceValueOptions): string {
  const { resource } = options;
  const divisor = parseQuantity(canonicalDivisor(resource, options.divisor));
  const quantity = effectiveQuantity(options);
  const milli = isCpu(resource);
  // Number(bigint) rounds to nearest like Go's float64(int64).
  const ratio = Number(int64(quantity, milli)) / Number(int64(divisor, milli));
  return goInt64(Math.ceil(ratio)).toString();
}

/**
 * MergeContainerResourceLimits: a missing or zero cpu, memory or ephemeral-storage limit becomes the node's
 * allocatable when the node lists that resource; otherwise it stays as it is, and a missing quantity reads as zero.
 */
function effectiveQuantity({ resource, quantity, nodeAllocatable }: FormatResourceValueOptions): Quantity {
  const own = toQuantity(quantity, 'quantity');
  const allocatable = toQuantity(nodeAllocatable, 'nodeAllocatable');
  const defaulted = DEFAULTED_LIMITS.has(resource) && (own === undefined || own.isZero());
  return (defaulted ? allocatable : undefined) ?? own ?? parseQuantity('0');
}

/** Go's Value()/MilliValue() as an int64, saturated where Go's int64 would overflow. */
function int64(quantity: Quantity, milli: boolean): bigint {
  int64Bounds ??= { over: parseQuantity('1e20'), under: parseQuantity('-1e20') };
  if (quantity.cmp(int64Bounds.over) > 0) return INT64_MAX;
  if (quantity.cmp(int64Bounds.under) < 0) return INT64_MIN;
  const exact = milli ? quantity.milliValue() : quantity.value();
  return exact > INT64_MAX ? INT64_MAX : exact < INT64_MIN ? INT64_MIN : exact;
}

/** Go's int64(f) for an integral float64; out of range, amd64 gives math.MinInt64 (arm64 would saturate). */
function goInt64(value: number): bigint {
  return value >= 2 ** 63 || value < -(2 ** 63) ? INT64_MIN : BigInt(value);
}

/**
 * Where the true value lies, given the kubelet's rounded-up integer: above `above`, at most `atMost`.
 *
 * @example
 * ```ts
 * import type { ResourceInterval } from 'kube-downward';
 *
 * const interval: ResourceInterval = { above: 0n, atMost: 1000n }; // 1 with divisor 1: up to one core
 * ```
 * @public
 */
export interface ResourceInterval {
  /** Exclusive lower bound: (n - 1) × divisor. */
  readonly above: bigint;
  /** Inclusive upper bound: n × divisor. */
  readonly atMost: bigint;
}

/**
 * A CPU `resourceFieldRef` value read back, in millicores.
 *
 * @example
 * ```ts
 * import { parseResourceValue, type CpuResourceValue } from 'kube-downward';
 *
 * const cpu: CpuResourceValue = parseResourceValue({ resource: 'requests.cpu', value: '15', divisor: '1m' });
 * cpu.millicores; // 15n
 * ```
 * @public
 */
export interface CpuResourceValue {
  /** The resource the value was read for. */
  readonly resource: CpuResourceName;
  /** The canonical divisor the value is counted in (`1m` or `1`). */
  readonly divisor: string;
  /** The value × divisor: an upper bound, exact when the divisor is 1m. */
  readonly millicores: bigint;
  /** Where the true millicores lie. */
  readonly interval: ResourceInterval;
}

/**
 * A memory, ephemeral-storage or hugepages `resourceFieldRef` value read back, in bytes.
 *
 * @example
 * ```ts
 * import { parseResourceValue, type ByteResourceValue } from 'kube-downward';
 *
 * const memory: ByteResourceValue = parseResourceValue({ resource: 'limits.memory', value: '4096', divisor: '1Ki' });
 * memory.bytes; // 4194304n
 * ```
 * @public
 */
export interface ByteResourceValue {
  /** The resource the value was read for. */
  readonly resource: ByteResourceName;
  /** The canonical divisor the value is counted in (`1`, `1Mi`, …). */
  readonly divisor: string;
  /** The value × divisor: an upper bound, exact when the divisor is 1. */
  readonly bytes: bigint;
  /** Where the true bytes lie. */
  readonly interval: ResourceInterval;
}

/**
 * A `resourceFieldRef` value read back: millicores for CPU, bytes for the rest.
 *
 * @example
 * ```ts
 * import { parseResourceValue, type ResourceValue } from 'kube-downward';
 *
 * const value: ResourceValue = parseResourceValue({ resource: 'limits.cpu', value: '2' });
 * const cores = 'millicores' in value ? Number(value.millicores) / 1000 : undefined; // 2
 * ```
 * @public
 */
export type ResourceValue = CpuResourceValue | ByteResourceValue;

/**
 * Options of {@link parseResourceValue}.
 *
 * @example
 * ```ts
 * import type { ParseResourceValueOptions } from 'kube-downward';
 *
 * const options: ParseResourceValueOptions = {
 *   resource: 'limits.memory',
 *   value: process.env.MEMORY_LIMIT ?? '',
 *   divisor: '1Mi',
 *   source: { kind: 'env', name: 'MEMORY_LIMIT' },
 * };
 * ```
 * @public
 */
export interface ParseResourceValueOptions {
  /** The resource the `resourceFieldRef` names. */
  readonly resource: ResourceName;
  /** The text the kubelet wrote. */
  readonly value: string;
  /** The `resourceFieldRef` divisor; absent or zero means 1. */
  readonly divisor?: string | Quantity;
  /** Where the value came from, for the error (default: the argument `value`). */
  readonly source?: DownwardApiSource;
}

/**
 * Reads back the integer the kubelet wrote for a `resourceFieldRef`, in millicores (CPU) or bytes (the rest).
 *
 * @remarks
 * The kubelet rounds up, so the true value lies in `((n - 1) × divisor, n × divisor]`; that holds exactly while the
 * kubelet's float64 arithmetic is exact (values below 2^53). The product itself is exact bigint arithmetic.
 *
 * @param options - The resource, the text, the divisor and where the text came from.
 * @returns A frozen {@link CpuResourceValue} for a CPU resource, a {@link ByteResourceValue} for the rest (typed so
 * when `resource` is a literal, a {@link ResourceValue} otherwise).
 * @throws {@link DownwardApiError} with code `INVALID_RESOURCE_VALUE` unless the text is `0` or a decimal integer
 * without sign or leading zero, at most 2^63-1; `INVALID_DIVISOR` or `INVALID_QUANTITY` for a bad divisor.
 *
 * @example
 * ```ts
 * import { parseResourceValue } from 'kube-downward';
 *
 * const memory = parseResourceValue({ resource: 'limits.memory', value: '4096', divisor: '1Ki' });
 * // { resource: 'limits.memory', divisor: '1Ki', bytes: 4194304n, interval: { above: 4193280n, atMost: 4194304n } }
 * ```
 * @public
 */
export function parseResourceValue<R extends ResourceName>(
  options: ParseResourceValueOptions & { readonly resource: R },
): R extends CpuResourceName ? CpuResourceValue : ByteResourceValue {
  const { value } = options;
  const resource: ResourceName = options.resource;
  const divisor = canonicalDivisor(resource, options.divisor);
  if (!KUBELET_INTEGER.test(value) || BigInt(value) > INT64_MAX) {
    throw new DownwardApiError({
      code: 'INVALID_RESOURCE_VALUE',
      summary: `not a ${resource} value written by the kubelet`,
      problems: [
        problem(
          'INVALID_RESOURCE_VALUE',
          options.source ?? { kind: 'argument', name: 'value' },
          value,
          'the non-negative decimal integer the kubelet writes',
          'Expect digits only, such as 250: no sign, decimal point, unit suffix, leading zero or whitespace.',
        ),
      ],
    });
  }
  // canonicalDivisor returned one of the keys.
  const unit = unitsOf(resource).get(divisor) as bigint;
  const n = BigInt(value);
  const interval = Object.freeze({ above: (n - 1n) * unit, atMost: n * unit });
  const result: ResourceValue = isCpu(resource)
    ? Object.freeze({ resource, divisor, millicores: n * unit, interval })
    : Object.freeze({ resource, divisor, bytes: n * unit, interval });
  return result as R extends CpuResourceName ? CpuResourceValue : ByteResourceValue;
}
