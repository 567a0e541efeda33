const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:\d{2})$/;

/**
 * Go's `time.Time.String()` for an RFC 3339 timestamp as the server sends it
 * (`2025-01-02T03:04:05.1234Z` → `2025-01-02 03:04:05.1234 +0000 UTC`): fractional seconds kept
 * without trailing zeros, a numeric offset named by itself. Anything else is returned as is.
 */
export function goTimeString(rfc3339: string): string {
  const m = RFC3339.exec(rfc3339.trim());
  if (!m) return rfc3339;
  const [, date, time, fraction, zone] = m as unknown as [string, string, string, string | undefined, string];
  const frac = (fraction ?? '').slice(0, 9).replace(/0+$/, '');
  const clock = frac === '' ? time : `${time}.${frac}`;
  if (zone === 'Z' || zone === 'z') return `${date} ${clock} +0000 UTC`;
  const offset = zone.replace(':', '');
  return `${date} ${clock} ${offset} ${offset}`;
}
