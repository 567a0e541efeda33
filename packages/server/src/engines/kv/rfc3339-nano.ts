/**
 * Go's `time.RFC3339Nano` rendering of a UTC instant given in Unix milliseconds:
 * trailing zeros of the fraction are dropped, and the dot with them when nothing is left
 * (`2024-05-01T10:00:00.12Z`, `2024-05-01T10:00:00Z`).
 */
export function formatRfc3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2024-05-01T10:00:00.120Z
  return iso.replace(/\.(\d*?)0*Z$/u, (_m, frac: string) => (frac === '' ? 'Z' : `.${frac}Z`));
}
