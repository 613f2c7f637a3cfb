// resource.Quantity (k8s.io/apimachinery/pkg/api/resource): parsing with
// Kubernetes' grammar and error messages, exact arithmetic on BigInt, and the
// canonical string form the API server writes back ("1000m" -> "1",
// "1024Mi" -> "1Gi", "0.5" -> "500m").

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** value = mantissa x 10^scale, exactly. */
export interface Quantity {
  mantissa: bigint;
  scale: number;
  format: QuantityFormat;
}

export const ErrFormatWrong = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const ErrNumeric = "unable to parse quantity's numeric part";
export const ErrSuffix = "unable to parse quantity's suffix";

export class QuantityError extends Error {}

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

interface Interpreted {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

function interpretSuffix(suffix: string): Interpreted | undefined {
  if (suffix in decimalSuffixes) return { base: 10, exponent: decimalSuffixes[suffix], format: 'DecimalSI' };
  if (suffix in binarySuffixes) return { base: 2, exponent: binarySuffixes[suffix], format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?[0-9]+$/.test(suffix.slice(1))) {
    return { base: 10, exponent: Number.parseInt(suffix.slice(1), 10), format: 'DecimalExponent' };
  }
  return undefined;
}

/** Splits a quantity string as parseQuantityString does; throws ErrFormatWrong on a bad tail. */
function splitQuantity(str: string): { positive: boolean; whole: string; fraction: string; suffix: string } {
  let pos = 0;
  let positive = true;
  if (str[0] === '-' || str[0] === '+') {
    positive = str[0] === '+';
    pos = 1;
  }
  const digitsFrom = (start: number): number => {
    let i = start;
    while (i < str.length && str[i] >= '0' && str[i] <= '9') i++;
    return i;
  };
  const wholeEnd = digitsFrom(pos);
  const whole = str.slice(pos, wholeEnd);
  pos = wholeEnd;
  let fraction = '';
  if (str[pos] === '.') {
    const fractionEnd = digitsFrom(pos + 1);
    fraction = str.slice(pos + 1, fractionEnd);
    pos = fractionEnd;
  }
  const suffixStart = pos;
  while (pos < str.length && 'eEinumkKMGTP'.includes(str[pos])) pos++;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  pos = digitsFrom(pos);
  if (pos < str.length) throw new QuantityError(ErrFormatWrong);
  return { positive, whole, fraction, suffix: str.slice(suffixStart) };
}

const NANO_SCALE = -9;
const MAX_INT64 = (1n << 63n) - 1n;

/** resource.ParseQuantity. Throws QuantityError with Kubernetes' message. */
export function parseQuantity(input: string | number): Quantity {
  const str = typeof input === 'number' ? String(input) : input;
  if (str.length === 0) throw new QuantityError(ErrFormatWrong);
  if (str === '0') return { mantissa: 0n, scale: 0, format: 'DecimalSI' };
  const { positive, whole, fraction, suffix } = splitQuantity(str);
  // Like Kubernetes, a quantity without digits ("m", ".") is zero.
  const interpreted = interpretSuffix(suffix);
  if (!interpreted) throw new QuantityError(ErrSuffix);
  let { format } = interpreted;

  let mantissa = BigInt(`${whole || '0'}${fraction}`);
  let scale = -fraction.length;
  if (interpreted.base === 10) scale += interpreted.exponent;
  else mantissa <<= BigInt(interpreted.exponent);

  // Anything finer than a nano is rounded up (away from zero): asking for some
  // resource should never yield none.
  if (scale < NANO_SCALE) {
    const divisor = 10n ** BigInt(NANO_SCALE - scale);
    const rounded = mantissa / divisor + (mantissa % divisor === 0n ? 0n : 1n);
    mantissa = rounded;
    scale = NANO_SCALE;
  }
  if (format === 'BinarySI') {
    if (compareMagnitude(mantissa, scale, MAX_INT64, 0) > 0) {
      mantissa = MAX_INT64;
      scale = 0;
    }
    if (mantissa !== 0n && compareMagnitude(mantissa, scale, 1n, 0) < 0) format = 'DecimalSI';
  }
  return { mantissa: positive ? mantissa : -mantissa, scale, format };
}

function compareMagnitude(m1: bigint, s1: number, m2: bigint, s2: number): number {
  const s = Math.min(s1, s2);
  const a = m1 * 10n ** BigInt(s1 - s);
  const b = m2 * 10n ** BigInt(s2 - s);
  return a === b ? 0 : a < b ? -1 : 1;
}

export function compareQuantities(a: Quantity, b: Quantity): number {
  return compareMagnitude(a.mantissa, a.scale, b.mantissa, b.scale);
}

export function isNegative(q: Quantity): boolean {
  return q.mantissa < 0n;
}

export function isZero(q: Quantity): boolean {
  return q.mantissa === 0n;
}

/** q.MilliValue() % 1000 == 0, i.e. the quantity is a whole number. */
export function isInteger(q: Quantity): boolean {
  if (q.scale >= 0) return true;
  return q.mantissa % 10n ** BigInt(-q.scale) === 0n;
}

/** Quantity.RoundUp(scale): rounds away from zero to the given decimal scale. */
export function roundUp(q: Quantity, scale: number): Quantity {
  if (q.scale >= scale) return q;
  const divisor = 10n ** BigInt(scale - q.scale);
  const sign = q.mantissa < 0n ? -1n : 1n;
  const magnitude = q.mantissa * sign;
  const rounded = magnitude / divisor + (magnitude % divisor === 0n ? 0n : 1n);
  return { mantissa: rounded * sign, scale, format: q.format };
}

/** The value as an exact integer when it has no fractional part. */
function asInteger(q: Quantity): bigint | undefined {
  if (q.scale >= 0) return q.mantissa * 10n ** BigInt(q.scale);
  const divisor = 10n ** BigInt(-q.scale);
  return q.mantissa % divisor === 0n ? q.mantissa / divisor : undefined;
}

const decimalSuffixByExponent = new Map(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]));
const binarySuffixByExponent = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** Mantissa and a power-of-ten exponent that is a multiple of 3, trailing zeros folded in. */
function canonicalBase10(q: Quantity): { mantissa: bigint; exponent: number } {
  let mantissa = q.mantissa;
  let exponent = q.scale;
  while (mantissa !== 0n && mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  const rem = ((exponent % 3) + 3) % 3;
  if (rem !== 0) {
    mantissa *= 10n ** BigInt(rem);
    exponent -= rem;
  }
  return { mantissa, exponent };
}

/** Quantity.String(): Kubernetes' canonical form. */
export function formatQuantity(q: Quantity): string {
  if (q.mantissa === 0n) return '0';
  let format = q.format;
  let integer: bigint | undefined;
  if (format === 'BinarySI') {
    integer = asInteger(q);
    const small = compareMagnitude(q.mantissa < 0n ? -q.mantissa : q.mantissa, q.scale, 1024n, 0) < 0;
    if (small || integer === undefined) format = 'DecimalSI';
  }
  if (format === 'BinarySI' && integer !== undefined) {
    let value = integer;
    let exponent = 0;
    while (exponent < 6 && value !== 0n && value % 1024n === 0n) {
      value /= 1024n;
      exponent++;
    }
    return `${value}${binarySuffixByExponent[exponent]}`;
  }
  let { mantissa, exponent } = canonicalBase10(q);
  if (format === 'DecimalExponent') return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
  // DecimalSI has no suffix past exa; fold the excess back into the digits.
  while (exponent > 18) {
    mantissa *= 1000n;
    exponent -= 3;
  }
  return `${mantissa}${decimalSuffixByExponent.get(exponent) ?? ''}`;
}

/** Parses and re-renders canonically; throws QuantityError when the string is not a quantity. */
export function canonicalQuantity(input: string | number): string {
  return formatQuantity(parseQuantity(input));
}

/** The parse error message for a value, or undefined when it is a quantity. */
export function quantityError(input: unknown): string | undefined {
  if (typeof input !== 'string' && typeof input !== 'number') return ErrFormatWrong;
  try {
    parseQuantity(input);
    return undefined;
  } catch (e) {
    return e instanceof QuantityError ? e.message : ErrFormatWrong;
  }
}
