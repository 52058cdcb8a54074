// Kubernetes resource.Quantity (apimachinery pkg/api/resource), ported for reading: parse, String(), Value(),
// MilliValue(). The value is kept exactly as unscaled × 10^-scale, so `1e999999` never becomes a huge bigint.
import { DownwardApiError, problem, type DownwardApiSource } from '../errors.js';

/**
 * How a {@link Quantity} prints itself, remembered from the suffix it was written with.
 *
 * @remarks
 * `DecimalSI`: `n u m k M G T P E` (and no suffix). `BinarySI`: `Ki Mi Gi Ti Pi Ei`. `DecimalExponent`: `e3`,
 * `E-6`. A binary quantity whose magnitude is below 1 (`.000001Ki`) becomes `DecimalSI`, as in Go.
 *
 * @example
 * ```ts
 * import { parseQuantity, type QuantityFormat } from 'kube-downward';
 *
 * const format: QuantityFormat = parseQuantity('1.5Gi').format; // 'BinarySI'
 * ```
 * @public
 */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const INT64_MAX = 2n ** 63n - 1n;
/** Beyond this many digits value(), milliValue() and toDecimalString() refuse rather than allocate. */
const MAX_RESULT_DIGITS = 10_000;
/** ParseQuantity keeps nothing finer than a nano (scale 9) and rounds finer values up to it. */
const NANO_SCALE = 9;

const DECIMAL_EXPONENTS = new Map<string, number>([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);
const DECIMAL_SUFFIXES = new Map([...DECIMAL_EXPONENTS].map(([suffix, exponent]) => [exponent, suffix]));
/** Index i is 1024^i. */
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const SUFFIX_CHARS = 'eEinumkKMGTP';

const SPLIT_RULE = "a match for the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const SUFFIX_RULE =
  'a number followed by a known suffix: n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or e/E with a signed integer exponent';
const NUMERIC_RULE = 'a number with at least one digit before its exponent';
const HINT = 'Write 100Mi, 1.5, 250m or 1e3; no spaces, no upper-case K.';

type CreateQuantity = (
  unscaled: bigint,
  scale: number,
  format: QuantityFormat,
  cached: string | undefined,
  int64Backed: boolean,
) => Quantity;

/** The only way to construct a Quantity, handed out by the class so that users go through parseQuantity. */
let createQuantity: CreateQuantity;

/**
 * A Kubernetes quantity (`250m`, `1.5Gi`, `1e3`), exactly as apimachinery's `resource.Quantity` holds it.
 *
 * @remarks
 * Create one with {@link parseQuantity}. The value is exact (a bigint and a power of ten), rounded up to whole
 * nanos as Go does on parse; binary quantities are capped at 2^63-1, also as Go does.
 *
 * @example
 * ```ts
 * import { parseQuantity } from 'kube-downward';
 *
 * const memory = parseQuantity('1.5Gi');
 * memory.toString(); // '1536Mi'
 * memory.value(); // 1610612736n
 * parseQuantity('250m').milliValue(); // 250n
 * ```
 * @public
 */
export class Quantity {
  /** The suffix family the quantity prints with; see {@link QuantityFormat}. */
  readonly format: QuantityFormat;
  /** No trailing zeros unless the value is zero, so equal values have equal fields. */
  readonly #unscaled: bigint;
  readonly #scale: number;
  readonly #text: string;
  /**
   * Whether Go keeps this quantity in its int64 form rather than as an inf.Dec. The two forms round an inexact
   * negative Value() differently (see {@link Quantity.value}), so it has to be remembered.
   */
  readonly #int64Backed: boolean;

  private constructor(
    unscaled: bigint,
    scale: number,
    format: QuantityFormat,
    cached: string | undefined,
    int64Backed: boolean,
  ) {
    const digits = unscaled.toString();
    let end = digits.length;
    while (end > 1 && digits.charCodeAt(end - 1) === 0x30) end--;
    this.#unscaled = BigInt(digits.slice(0, end));
    this.#scale = unscaled === 0n ? 0 : scale - (digits.length - end);
    this.format = format;
    this.#int64Backed = int64Backed;
    this.#text = cached ?? canonicalize(this.#unscaled, this.#scale, format);
    Object.freeze(this);
  }

  static {
    createQuantity = (unscaled, scale, format, cached, int64Backed) =>
      new Quantity(unscaled, scale, format, cached, int64Backed);
  }

  /**
   * Go's `String()`: the canonical form (`1536Mi`, `1500m`, `1e9`), or the text it was parsed from when Go
   * considered that text canonical already and cached it (`100.035k`, `00100`, `1E-3`, `+1`).
   *
   * @remarks
   * Kubernetes compares divisors by this string, so the cached text matters: it is what the API server sees.
   */
  toString(): string {
    return this.#text;
  }

  /**
   * The exact value in base units as a plain decimal (`0.000000005`, `-1.024`, `102435.84`).
   *
   * @throws RangeError when the result would have more than 10 000 digits (such as for `1e999999`).
   */
  toDecimalString(): string {
    const negative = this.#unscaled < 0n;
    const digits = (negative ? -this.#unscaled : this.#unscaled).toString();
    const sign = negative ? '-' : '';
    if (this.#scale <= 0) {
      checkDigits(digits.length - this.#scale);
      return `${sign}${digits}${'0'.repeat(-this.#scale)}`;
    }
    const padded = digits.padStart(this.#scale + 1, '0');
    const point = padded.length - this.#scale;
    return `${sign}${padded.slice(0, point)}.${padded.slice(point)}`;
  }

  /**
   * Go's `Value()`: the value in base units, rounded up when inexact, as an exact bigint (Go's int64 would wrap
   * past 2^63-1).
   *
   * @remarks
   * For the non-negative quantities Kubernetes accepts as resources this is the ceiling. For a negative inexact
   * value it reproduces the apimachinery the reference vectors come from: a quantity Go holds as an int64 rounds
   * away from zero (`-5m` gives -1), one it holds as an inf.Dec truncates and adds one (`-.001Ki` gives 0).
   *
   * @throws RangeError when the result would have more than 10 000 digits.
   */
  value(): bigint {
    return this.#scaledUp(0);
  }

  /**
   * Go's `MilliValue()`: the value in thousandths, rounded as {@link Quantity.value} rounds; how Kubernetes
   * reads CPU.
   *
   * @throws RangeError when the result would have more than 10 000 digits.
   */
  milliValue(): bigint {
    return this.#scaledUp(3);
  }

  /** True for every spelling of zero (`0`, `0Ki`, `-0`, `0.0e5`). */
  isZero(): boolean {
    return this.#unscaled === 0n;
  }

  /** -1, 0 or 1 as the quantity is negative, zero or positive. */
  sign(): -1 | 0 | 1 {
    return this.#unscaled < 0n ? -1 : this.#unscaled > 0n ? 1 : 0;
  }

  /** Compares exact values, whatever their formats: `1Ki` equals `1024`. */
  cmp(other: Quantity): -1 | 0 | 1 {
    const a = this.sign();
    const b = other.sign();
    if (a !== b) return a < b ? -1 : 1;
    if (a === 0) return 0;
    // Orders of magnitude first, so that 1e2000000000 is never expanded; equal orders keep the alignment short.
    const magnitudeA = digitCount(this.#unscaled) - this.#scale;
    const magnitudeB = digitCount(other.#unscaled) - other.#scale;
    if (magnitudeA !== magnitudeB) return (magnitudeA > magnitudeB) === (a > 0) ? 1 : -1;
    const scale = Math.max(this.#scale, other.#scale);
    const x = this.#unscaled * 10n ** BigInt(scale - this.#scale);
    const y = other.#unscaled * 10n ** BigInt(scale - other.#scale);
    return x < y ? -1 : x > y ? 1 : 0;
  }

  /** The value × 10^digits as an integer, rounded the way Go's ScaledValue rounds. */
  #scaledUp(digits: number): bigint {
    const shift = digits - this.#scale;
    if (shift >= 0) {
      checkDigits(digitCount(this.#unscaled) + shift);
      return this.#unscaled * 10n ** BigInt(shift);
    }
    // A parsed quantity has at most nine decimals, so this divisor stays small.
    const divisor = 10n ** BigInt(-shift);
    const truncated = this.#unscaled / divisor;
    if (truncated * divisor === this.#unscaled) return truncated;
    return this.#unscaled < 0n && this.#int64Backed ? truncated - 1n : truncated + 1n;
  }
}

function digitCount(value: bigint): number {
  return (value < 0n ? -value : value).toString().length;
}

function checkDigits(count: number): void {
  if (count > MAX_RESULT_DIGITS) {
    throw new RangeError(`the quantity's exact value would have ${count} digits, more than ${MAX_RESULT_DIGITS}`);
  }
}

/** Go's CanonicalizeBytes: the largest suffix that keeps the value exact and leaves no fraction. */
function canonicalize(unscaled: bigint, scale: number, format: QuantityFormat): string {
  if (unscaled === 0n) return '0';
  if (format === 'BinarySI') {
    const binary = canonicalizeBinary(unscaled, scale);
    if (binary !== undefined) return binary;
  }
  let mantissa = unscaled;
  let exponent = -scale;
  while (exponent % 3 !== 0) {
    mantissa *= 10n;
    exponent -= 1;
  }
  // A binary quantity that cannot print exactly in Ki…Ei prints as DecimalSI. DecimalSI has no suffix past E
  // (10^18): newer apimachinery falls back to an exponent there rather than drop it.
  const suffix = format === 'DecimalExponent' ? undefined : DECIMAL_SUFFIXES.get(exponent);
  return `${mantissa}${suffix ?? (exponent === 0 ? '' : `e${exponent}`)}`;
}

/** Binary suffixes only for whole values of at least 1024 in magnitude; Go prints the rest as DecimalSI. */
function canonicalizeBinary(unscaled: bigint, scale: number): string | undefined {
  if (scale > 0) return undefined;
  // Binary quantities are capped at 2^63-1 on parse, so this power of ten is small.
  let value = unscaled * 10n ** BigInt(-scale);
  if (value > -1024n && value < 1024n) return undefined;
  let power = 0;
  while (value % 1024n === 0n) {
    value /= 1024n;
    power += 1;
  }
  // The cap keeps power at 6 (Ei) or below.
  return `${value}${BINARY_SUFFIXES[power] ?? ''}`;
}

interface Scanned {
  readonly positive: boolean;
  /** Integer digits without leading zeros, or '0'. */
  readonly num: string;
  /** Fraction digits, possibly empty. */
  readonly denom: string;
  readonly suffix: string;
  /** Whether the number has a digit at all: Go's slow path rejects `.` alone, its fast path reads it as 0. */
  readonly hasDigits: boolean;
}

function isDigit(char: string): boolean {
  return char >= '0' && char <= '9';
}

/** Go's parseQuantityString; undefined where Go returns ErrFormatWrong. */
function scan(text: string): Scanned | undefined {
  const length = text.length;
  const positive = text.charAt(0) !== '-';
  let pos = text.charAt(0) === '-' || text.charAt(0) === '+' ? 1 : 0;
  const start = pos;
  while (pos < length && text.charAt(pos) === '0') pos++;
  if (pos === length) return { positive, num: '0', denom: '', suffix: '', hasDigits: true };
  const numStart = pos;
  while (pos < length && isDigit(text.charAt(pos))) pos++;
  const num = text.slice(numStart, pos) || '0';
  let denom = '';
  let dot = 0;
  if (text.charAt(pos) === '.') {
    dot = 1;
    pos++;
    const denomStart = pos;
    while (pos < length && isDigit(text.charAt(pos))) pos++;
    denom = text.slice(denomStart, pos);
  }
  const hasDigits = pos - start > dot;
  const suffixStart = pos;
  while (pos < length && SUFFIX_CHARS.includes(text.charAt(pos))) pos++;
  if (text.charAt(pos) === '-' || text.charAt(pos) === '+') pos++;
  while (pos < length && isDigit(text.charAt(pos))) pos++;
  if (pos < length) return undefined;
  return { positive, num, denom, suffix: text.slice(suffixStart), hasDigits };
}

interface Suffix {
  readonly base: 2 | 10;
  readonly exponent: number;
  readonly format: QuantityFormat;
}

/** Go's suffixHandler.interpret. */
function interpret(suffix: string): Suffix | undefined {
  const decimal = DECIMAL_EXPONENTS.get(suffix);
  if (decimal !== undefined) return { base: 10, exponent: decimal, format: 'DecimalSI' };
  const binary = BINARY_SUFFIXES.indexOf(suffix);
  if (binary > 0) return { base: 2, exponent: binary * 10, format: 'BinarySI' };
  const exponent = suffix.slice(1);
  if ((suffix.startsWith('e') || suffix.startsWith('E')) && /^[+-]?[0-9]+$/.test(exponent)) {
    const parsed = BigInt(exponent);
    // strconv.ParseInt(…, 64) then int32(): Go accepts any int64 exponent and silently truncates it to 32 bits.
    if (parsed <= INT64_MAX && parsed >= -INT64_MAX - 1n) {
      return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: 'DecimalExponent' };
    }
  }
  return undefined;
}

function invalidQuantity(text: string, source: DownwardApiSource, rule: string): DownwardApiError {
  return new DownwardApiError({
    code: 'INVALID_QUANTITY',
    summary: 'not a Kubernetes quantity',
    problems: [problem('INVALID_QUANTITY', source, text, rule, HINT)],
  });
}

/**
 * Parses a Kubernetes quantity exactly as apimachinery's `resource.ParseQuantity` does.
 *
 * @remarks
 * Go's quirks are kept: values finer than a nano round up (`0.9n` is `1n`), binary quantities above 2^63-1 are
 * capped, `1.` and `.5` are accepted, and an exponent beyond 32 bits is truncated to 32 bits. No text is too long
 * or too large to parse: the value is kept as digits and a power of ten.
 *
 * @param text - The quantity, such as `250m`, `1.5Gi` or `1e3`; no whitespace.
 * @param source - Where the text came from, for the error (default: the argument `quantity`).
 * @returns The quantity.
 * @throws {@link DownwardApiError} with code `INVALID_QUANTITY` when Go would reject the text.
 *
 * @example
 * ```ts
 * import { parseQuantity } from 'kube-downward';
 *
 * parseQuantity('0.5').toString(); // '500m'
 * parseQuantity(process.env.MEMORY_LIMIT ?? '0', { kind: 'env', name: 'MEMORY_LIMIT' });
 * ```
 * @public
 */
export function parseQuantity(
  text: string,
  source: DownwardApiSource = { kind: 'argument', name: 'quantity' },
): Quantity {
  if (text === '') throw invalidQuantity(text, source, SPLIT_RULE);
  if (text === '0') return createQuantity(0n, 0, 'DecimalSI', text, true);
  const scanned = scan(text);
  if (scanned === undefined) throw invalidQuantity(text, source, SPLIT_RULE);
  const suffix = interpret(scanned.suffix);
  if (suffix === undefined) throw invalidQuantity(text, source, SUFFIX_RULE);
  const fast = parseInt64(text, scanned, suffix);
  if (fast !== undefined) return fast;
  if (!scanned.hasDigits) throw invalidQuantity(text, source, NUMERIC_RULE);
  return parseDecimal(scanned, suffix);
}

/** Go's fast path: small enough for an int64 mantissa and a scale of at least nano. */
function parseInt64(
  text: string,
  { positive, num, denom }: Scanned,
  { exponent, format }: Suffix,
): Quantity | undefined {
  const binary = format === 'BinarySI';
  // Go estimates precision from digit counts; float32(exponent)*3/10 is exact for 10..60.
  const precision = binary
    ? denom === ''
      ? 15 - num.length - Math.trunc((exponent * 3) / 10) - 1
      : -1
    : 18 - (num.length + denom.length);
  const scale = (binary ? 0 : exponent) - denom.length;
  if (precision < 0 || scale < -NANO_SCALE) return undefined;
  const shifted = num + denom;
  const digits = BigInt(shifted);
  const magnitude = binary ? digits << BigInt(exponent) : digits;
  // Go caches the input as the String() when it looks canonical by these rough tests (hence "00100" stays).
  const canonical = binary
    ? (digits & 7n) !== 0n
    : scale % 3 === 0 && !shifted.endsWith('000') && !shifted.startsWith('0');
  return createQuantity(positive ? magnitude : -magnitude, -scale, format, canonical ? text : undefined, true);
}

/** Go's inf.Dec path: exact, rounded up to whole nanos, binary capped at 2^63-1. */
function parseDecimal({ positive, num, denom }: Scanned, { base, exponent, format }: Suffix): Quantity {
  let magnitude = BigInt(num + denom);
  let scale = denom.length;
  if (base === 10) scale -= exponent;
  else magnitude <<= BigInt(exponent);
  if (magnitude !== 0n && scale > NANO_SCALE) {
    const drop = scale - NANO_SCALE;
    // num + denom bounds the digit count, so a drop past it leaves less than a nano: round up to 1n.
    magnitude = drop >= num.length + denom.length + 19 ? 1n : ceilDiv(magnitude, 10n ** BigInt(drop));
    scale = NANO_SCALE;
  }
  let resultFormat = format;
  if (format === 'BinarySI') {
    const one = 10n ** BigInt(scale);
    if (magnitude > INT64_MAX * one) {
      magnitude = INT64_MAX;
      scale = 0;
    } else if (magnitude !== 0n && magnitude < one) {
      resultFormat = 'DecimalSI';
    }
  }
  return createQuantity(positive ? magnitude : -magnitude, scale, resultFormat, undefined, false);
}

function ceilDiv(dividend: bigint, divisor: bigint): bigint {
  return (dividend + divisor - 1n) / divisor;
}
