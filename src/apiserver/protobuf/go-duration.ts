// Go's time.Duration.String(), which is how metav1.Duration appears in JSON
// ("1h2m3.5s", "1.5ms", "0s"). BigInt because a Duration is int64 nanoseconds
// and exceeds 2^53 after about 104 days.

const NANOS_PER_MICRO = 1_000n;
const NANOS_PER_MILLI = 1_000_000n;
const NANOS_PER_SECOND = 1_000_000_000n;

/** `whole` units plus `fraction`/`scale` of one, trailing zeros trimmed ("1.5", "2"). */
function decimal(nanos: bigint, unitNanos: bigint): string {
  const whole = nanos / unitNanos;
  const fraction = nanos % unitNanos;
  if (fraction === 0n) return whole.toString();
  const digits = unitNanos.toString().length - 1;
  return `${whole}.${fraction.toString().padStart(digits, '0').replace(/0+$/, '')}`;
}

export function formatGoDuration(nanoseconds: bigint): string {
  if (nanoseconds === 0n) return '0s';
  const sign = nanoseconds < 0n ? '-' : '';
  const abs = nanoseconds < 0n ? -nanoseconds : nanoseconds;
  if (abs < NANOS_PER_MICRO) return `${sign}${abs}ns`;
  if (abs < NANOS_PER_MILLI) return `${sign}${decimal(abs, NANOS_PER_MICRO)}µs`;
  if (abs < NANOS_PER_SECOND) return `${sign}${decimal(abs, NANOS_PER_MILLI)}ms`;
  const hours = abs / (3600n * NANOS_PER_SECOND);
  const minutes = (abs / (60n * NANOS_PER_SECOND)) % 60n;
  const seconds = decimal(abs % (60n * NANOS_PER_SECOND), NANOS_PER_SECOND);
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0n) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}
