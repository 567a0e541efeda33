/**
 * Durations the way Vault's CLI reads and prints them.
 *
 * Input (`-ttl=1h30m`, `-increment=3600`): a bare integer is seconds; otherwise a Go duration
 * (`1h2m3s`, `1.5h`, `300ms`) or a whole number of days (`7d`). Output: Go's `Duration.String()`
 * for values sent to the server, and the "human" form (`768h`, `1h30m`, `45s`) for tables.
 */

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

/** Parses a duration to (possibly fractional) seconds; throws `RangeError` when malformed. */
export function parseDurationSeconds(raw: string): number {
  const text = raw.trim();
  if (text === '') throw new RangeError(`invalid duration ""`);
  if (/^[+-]?\d+$/.test(text)) return Number.parseInt(text, 10);
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d)/;
  let total = 0;
  let matched = false;
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m) throw new RangeError(`invalid duration "${raw}"`);
    const [whole, amount, unit] = m as unknown as [string, string, string];
    total += Number.parseFloat(amount) * (UNIT_SECONDS[unit] ?? Number.NaN);
    rest = rest.slice(whole.length);
    matched = true;
  }
  if (!matched || !Number.isFinite(total)) throw new RangeError(`invalid duration "${raw}"`);
  return sign * total;
}

/** Go's `time.Duration.String()` for a whole number of seconds: `0s`, `45s`, `2m0s`, `1h0m0s`. */
export function goDurationString(totalSeconds: number): string {
  const secs = Math.trunc(totalSeconds);
  if (secs === 0) return '0s';
  const negative = secs < 0;
  let rest = Math.abs(secs);
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const seconds = rest - minutes * 60;
  let out: string;
  if (hours > 0) out = `${hours}h${minutes}m${seconds}s`;
  else if (minutes > 0) out = `${minutes}m${seconds}s`;
  else out = `${seconds}s`;
  return negative ? `-${out}` : out;
}

/** Vault's table form: Go's duration string without the trailing zero units (`768h`, `1h30m`). */
export function humanDuration(totalSeconds: number): string {
  let s = goDurationString(totalSeconds);
  if (s === '0s') return s;
  if (s.endsWith('m0s')) s = s.slice(0, -2);
  const idx = s.indexOf('h0m');
  if (idx > 0) s = s.slice(0, idx + 1) + s.slice(idx + 3);
  return s;
}

/**
 * Go's `time.Duration.String()` for any number of seconds, sub-second parts included
 * (`500ms`, `1.5s`, `1m30.25s`, `24h0m0s`): what Vault sends for a duration flag.
 */
export function formatGoDuration(totalSeconds: number): string {
  let ns = Math.round(totalSeconds * 1e9);
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  ns = Math.abs(ns);
  const fraction = (value: number, unit: number): string => {
    const whole = Math.floor(value / unit);
    const rest = value - whole * unit;
    if (rest === 0) return String(whole);
    const digits = String(unit).length - 1;
    return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
  };
  if (ns < 1e9) {
    if (ns < 1e3) return `${sign}${ns}ns`;
    if (ns < 1e6) return `${sign}${fraction(ns, 1e3)}µs`;
    return `${sign}${fraction(ns, 1e6)}ms`;
  }
  const hours = Math.floor(ns / 3.6e12);
  ns -= hours * 3.6e12;
  const minutes = Math.floor(ns / 6e10);
  ns -= minutes * 6e10;
  const seconds = `${fraction(ns, 1e9)}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}
