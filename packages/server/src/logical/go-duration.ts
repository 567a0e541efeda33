/**
 * Go `time.Duration` text, as Vault reads and writes it.
 *
 * - `parseGoDuration` accepts what Go's `time.ParseDuration` accepts (`"1h30m"`, `"1.5s"`,
 *   `"-2m"`, `"0"`; units ns, us, µs, μs, ms, s, m, h) and returns **seconds** (fractional).
 * - `formatGoDuration` renders whole or fractional seconds the way Go's `Duration.String()`
 *   does (`0s`, `1m30s`, `1h0m0s`, `1.5s`, `500ms`).
 */

const NS_PER_SECOND = 1_000_000_000n;
/** Go's Duration is an int64 of nanoseconds. */
export const MAX_DURATION_NS = 2n ** 63n - 1n;

const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: NS_PER_SECOND,
  m: 60n * NS_PER_SECOND,
  h: 3600n * NS_PER_SECOND,
};

const COMPONENT = /^([0-9]*)(?:\.([0-9]*))?([^0-9.]+)/u;

/** Why a text is not a Go duration. */
export type GoDurationProblem =
  { readonly kind: 'invalid' } | { readonly kind: 'unknown-unit'; readonly unit: string };

/**
 * Go's `time.ParseDuration`, exactly, in nanoseconds: returns the problem instead of throwing
 * so callers can choose their own error.
 */
export function parseGoDurationNanos(text: string): bigint | GoDurationProblem {
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') return { kind: 'invalid' };
  let total = 0n;
  while (rest !== '') {
    const m = COMPONENT.exec(rest);
    if (m === null) return { kind: 'invalid' };
    const whole = m[1] ?? '';
    const frac = m[2] ?? '';
    const unitName = m[3] ?? '';
    // Go requires at least one digit on either side of the dot.
    if (whole === '' && frac === '') return { kind: 'invalid' };
    const unit = UNIT_NS[unitName];
    if (unit === undefined) return { kind: 'unknown-unit', unit: unitName };
    let ns = BigInt(whole === '' ? '0' : whole) * unit;
    if (frac !== '') ns += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    total += ns;
    if (total > MAX_DURATION_NS + (negative ? 1n : 0n)) return { kind: 'invalid' };
    rest = rest.slice(m[0].length);
  }
  return negative ? -total : total;
}

/** Parses a Go duration string; returns seconds (fractional), or undefined when the text is not one. */
export function parseGoDuration(text: string): number | undefined {
  const ns = parseGoDurationNanos(text);
  return typeof ns === 'bigint' ? Number(ns) / 1e9 : undefined;
}

/**
 * Go's `Duration.String()` for a duration given in seconds (nanosecond precision).
 * Go prints sub-second durations in the largest fitting unit (`1.5ms`); from one second up
 * it prints `[h]h[m]m` and fractional seconds.
 */
export function formatGoDuration(seconds: number): string {
  const totalNs = BigInt(Math.round(seconds * 1e9));
  if (totalNs === 0n) return '0s';
  const negative = totalNs < 0n;
  const ns = negative ? -totalNs : totalNs;
  const sign = negative ? '-' : '';
  if (ns < 1_000_000_000n) {
    if (ns < 1_000n) return `${sign}${ns}ns`;
    if (ns < 1_000_000n) return `${sign}${fraction(ns, 1_000n)}µs`;
    return `${sign}${fraction(ns, 1_000_000n)}ms`;
  }
  const hours = ns / 3_600_000_000_000n;
  const minutes = (ns / 60_000_000_000n) % 60n;
  const secNs = ns % 60_000_000_000n;
  let out = `${fraction(secNs, 1_000_000_000n)}s`;
  if (hours > 0n || minutes > 0n) out = `${minutes}m${out}`;
  if (hours > 0n) out = `${hours}h${out}`;
  return sign + out;
}

/** `value / unit` as a decimal with trailing zeros (and a bare dot) removed. */
function fraction(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const rem = value % unit;
  if (rem === 0n) return whole.toString();
  const digits = unit.toString().length - 1;
  const frac = rem.toString().padStart(digits, '0').replace(/0+$/u, '');
  return `${whole}.${frac}`;
}
