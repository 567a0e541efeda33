const ZERO = 0x30;

/**
 * Go's `time.RFC3339Nano` rendering of a UTC instant given in Unix milliseconds:
 * trailing zeros of the fraction are dropped, and the dot with them when nothing is left
 * (`2024-05-01T10:00:00.12Z`, `2024-05-01T10:00:00Z`). Every KV v2 read renders a few of these,
 * so this trims characters instead of running a regular expression.
 */
export function formatRfc3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2024-05-01T10:00:00.120Z: always ".mmmZ" at the end
  const dot = iso.length - 5;
  let end = iso.length - 1; // the 'Z'
  while (end > dot + 1 && iso.charCodeAt(end - 1) === ZERO) end--;
  return end === dot + 1 ? `${iso.slice(0, dot)}Z` : `${iso.slice(0, end)}Z`;
}
