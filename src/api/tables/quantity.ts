// Canonical rendering of resource.Quantity and IntOrString values.
//
// kube-apiserver re-serialises every quantity in canonical form (1024Mi reads
// back as 1Gi, 1.5 as 1500m), and printers call Quantity.String() on it. We
// store whatever the client sent, so the printer canonicalises on the way out.
// Values are held as an exact BigInt count of nano-units; Kubernetes rounds
// anything finer than that up, which we do too.

const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const DECIMAL_EXPONENT_OF: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_SUFFIX_OF = new Map(Object.entries(DECIMAL_EXPONENT_OF).map(([suffix, exp]) => [exp, suffix]));

type QuantityFormat = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

interface ParsedQuantity {
  nanos: bigint;
  format: QuantityFormat;
}

const QUANTITY_PATTERN = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;
const NANOS_PER_UNIT = 10n ** 9n;

function divideRoundingAwayFromZero(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  return quotient * denominator === numerator ? quotient : quotient + 1n;
}

function parseQuantity(text: string): ParsedQuantity | undefined {
  const match = QUANTITY_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const [, sign, number, suffix = ''] = match;
  const [whole, fraction = ''] = number.split('.');
  let numerator = BigInt((whole || '0') + fraction) * NANOS_PER_UNIT;
  let denominator = 10n ** BigInt(fraction.length);
  let format: QuantityFormat;
  const binaryIndex = BINARY_SUFFIXES.indexOf(suffix);
  if (suffix !== '' && binaryIndex > 0) {
    format = 'BinarySI';
    numerator *= 1024n ** BigInt(binaryIndex);
  } else if (suffix in DECIMAL_EXPONENT_OF) {
    format = 'DecimalSI';
    const exponent = DECIMAL_EXPONENT_OF[suffix];
    if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
    else denominator *= 10n ** BigInt(-exponent);
  } else {
    format = 'DecimalExponent';
    const exponent = Number(suffix.slice(1));
    if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
    else denominator *= 10n ** BigInt(-exponent);
  }
  const magnitude = divideRoundingAwayFromZero(numerator, denominator);
  return { nanos: sign === '-' ? -magnitude : magnitude, format };
}

/** Mantissa and a power-of-ten exponent that is a multiple of three, mantissa as small as possible. */
function decimalParts(nanos: bigint): { mantissa: bigint; exponent: number } {
  let mantissa = nanos;
  let exponent = -9;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  const excess = ((exponent % 3) + 3) % 3;
  return { mantissa: mantissa * 10n ** BigInt(excess), exponent: exponent - excess };
}

function formatCanonical({ nanos, format }: ParsedQuantity): string {
  if (nanos === 0n) return '0';
  const negative = nanos < 0n;
  const magnitude = negative ? -nanos : nanos;
  const sign = negative ? '-' : '';

  // Binary form only for whole numbers of at least 1Ki; smaller or fractional
  // values would lose precision, so Kubernetes falls back to decimal SI.
  if (format === 'BinarySI' && magnitude >= 1024n * NANOS_PER_UNIT && magnitude % NANOS_PER_UNIT === 0n) {
    let value = magnitude / NANOS_PER_UNIT;
    let power = 0;
    while (power < BINARY_SUFFIXES.length - 1 && value % 1024n === 0n) {
      value /= 1024n;
      power++;
    }
    return `${sign}${value}${BINARY_SUFFIXES[power]}`;
  }

  let { mantissa, exponent } = decimalParts(magnitude);
  if (format === 'DecimalExponent') {
    return exponent === 0 ? `${sign}${mantissa}` : `${sign}${mantissa}e${exponent}`;
  }
  // Beyond exa there is no SI suffix; scale the mantissa up instead.
  while (exponent > 18) {
    mantissa *= 1000n;
    exponent -= 3;
  }
  return `${sign}${mantissa}${DECIMAL_SUFFIX_OF.get(exponent) ?? ''}`;
}

/**
 * Quantity.String() of a stored quantity (string or JSON number). Unparsable
 * input is echoed unchanged; a missing quantity is Go's zero Quantity, "0".
 */
export function formatQuantity(value: unknown): string {
  if (value === undefined || value === null) return '0';
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : undefined;
  if (text === undefined) return String(value);
  const parsed = parseQuantity(text);
  return parsed ? formatCanonical(parsed) : text;
}

/** Quantity.String() on a pointer: Go prints "<nil>" for an absent *Quantity. */
export function formatOptionalQuantity(value: unknown): string {
  return value === undefined || value === null ? '<nil>' : formatQuantity(value);
}

/** intstr.IntOrString.String(): numbers in decimal, strings ("50%") as they are. */
export function formatIntOrString(value: number | string): string {
  return typeof value === 'number' ? String(Math.trunc(value)) : value;
}
