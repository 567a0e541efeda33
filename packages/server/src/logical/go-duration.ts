/**
 * Go `time.Duration` text, as Vault reads and writes it.
 *
 * - `parseGoDuration` accepts what Go's `time.ParseDuration` accepts (`"1h30m"`, `"1.5s"`,
 *   `"-2m"`, `"0"`; units ns, us, µs, μs, ms, s, m, h) and returns **seconds** (fractional).
 * - `formatGoDuration` renders whole or fractional seconds the way Go's `Duration.String()`
 *   does (`0s`, `1m30s`, `1h0m0s`, `1.5s`, `500ms`).
 */

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6, // U+00B5 micro sign
  μs: 1e-6, // U+03BC Greek mu
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

const COMPONENT = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/u;

/** Parses a Go duration string; returns seconds, or undefined when the text is not one. */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  while (rest !== '') {
    const m = COMPONENT.exec(rest);
    if (m === null) return undefined;
    const whole = m[1] ?? '';
    const frac = m[2];
    const unit = m[3] ?? '';
    // Go requires at least one digit on either side of the dot.
    if (whole === '' && (frac === undefined || frac === '')) return undefined;
    const scale = UNIT_SECONDS[unit];
    if (scale === undefined) return undefined;
    const value = Number(`${whole === '' ? '0' : whole}.${frac ?? ''}0`);
    total += value * scale;
    rest = rest.slice(m[0].length);
  }
  return sign * total;
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
