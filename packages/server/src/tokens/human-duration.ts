import { formatGoDuration } from '../logical/go-duration.js';

/**
 * Vault's `humanDuration` for warning texts: Go's duration string with zero trailing units
 * dropped (3600 → "1h", 5400 → "1h30m", 90 → "1m30s", 0 → "0s").
 */
export function humanDuration(seconds: number): string {
  let s = formatGoDuration(seconds);
  if (seconds === 0) return s;
  if (s.endsWith('m0s')) s = s.slice(0, -2);
  const idx = s.indexOf('h0m');
  if (idx > 0) s = s.slice(0, idx + 1) + s.slice(idx + 3);
  return s;
}
