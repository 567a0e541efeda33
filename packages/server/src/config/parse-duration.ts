import { MAX_DURATION_NS as MAX_NS, parseGoDurationNanos } from '../logical/go-duration.js';
import { DurationError } from './duration-error.js';

const NS_PER_SECOND = 1_000_000_000n;

export interface ParseDurationOptions {
  /** Accept negative durations (Vault's TypeSignedDurationSecond). Default false. */
  readonly allowNegative?: boolean;
}

/**
 * Parses a duration the way Vault does for TTL-like fields and config values
 * (go-secure-stdlib `parseutil.ParseDurationSecond`), returning whole **seconds** (truncated
 * toward zero, as Vault's `TypeDurationSecond` fields do, so `"1500ms"` is 1):
 *
 * - a number: integer seconds (`30`); non-integers are rejected;
 * - `""`: 0;
 * - an integer string: seconds (`"5"`, `"+5"`);
 * - an integer followed by `d`: days (`"7d"`);
 * - otherwise a Go duration (`time.ParseDuration`): `"768h"`, `"1h30m"`, `"1.5h"`, `"10s"`,
 *   `"250ms"`, `"-1h"`; units ns, us/µs/μs, ms, s, m, h.
 *
 * Negative results are rejected unless `allowNegative`; results beyond Go's int64 nanosecond
 * range are rejected. Throws `DurationError` (a `CofferError` with code BAD_REQUEST).
 */
export function parseDuration(input: string | number, options: ParseDurationOptions = {}): number {
  const ns = parseDurationNanos(input);
  if (ns < 0n && options.allowNegative !== true) {
    throw new DurationError(`cannot provide negative value ${JSON.stringify(input)}`);
  }
  return Number(ns / NS_PER_SECOND);
}

function parseDurationNanos(input: string | number): bigint {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || !Number.isInteger(input)) {
      throw new DurationError(`invalid duration ${String(input)}: seconds must be a whole number`);
    }
    return checkRange(BigInt(input) * NS_PER_SECOND, input);
  }
  if (typeof input !== 'string') throw new DurationError('could not parse duration from input');
  if (input === '') return 0n;
  if (/^[+-]?[0-9]+$/.test(input)) return checkRange(BigInt(input) * NS_PER_SECOND, input);
  const days = /^([+-]?[0-9]+)d$/.exec(input);
  if (days) return checkRange(BigInt(days[1] ?? '0') * 86_400n * NS_PER_SECOND, input);
  return goParseDuration(input);
}

function checkRange(ns: bigint, input: string | number): bigint {
  if (ns > MAX_NS || ns < -MAX_NS - 1n)
    throw new DurationError(`duration ${JSON.stringify(input)} is out of range`);
  return ns;
}

/** Go's time.ParseDuration, in nanoseconds, with Go's error texts. */
function goParseDuration(input: string): bigint {
  const ns = parseGoDurationNanos(input);
  if (typeof ns === 'bigint') return ns;
  if (ns.kind === 'unknown-unit') {
    throw new DurationError(
      `time: unknown unit ${JSON.stringify(ns.unit)} in duration ${JSON.stringify(input)}`,
    );
  }
  throw new DurationError(`time: invalid duration ${JSON.stringify(input)}`);
}
