import type { Nanos } from './history-op.js';

/**
 * `t - origin` as a double. Differences are taken in bigint first so that hrtime nanoseconds
 * (which exceed 2^53 after ~104 days of uptime) lose no precision.
 */
export function relativeNs(t: Nanos, origin: Nanos): number {
  if (typeof t === 'number' && typeof origin === 'number') return t - origin;
  const tb = typeof t === 'bigint' ? t : BigInt(Math.round(t));
  const ob = typeof origin === 'bigint' ? origin : BigInt(Math.round(origin));
  return Number(tb - ob);
}
