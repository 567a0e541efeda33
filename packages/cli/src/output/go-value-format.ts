/**
 * Go's `%v` of a decoded JSON value, which is what Vault's tables show: `<nil>`, `[a b]`,
 * `map[k:v]` (keys sorted), numbers and booleans as written.
 */
export function formatGoValue(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => formatGoValue(v)).join(' ')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).sort();
    return `map[${keys.map((k) => `${k}:${formatGoValue(obj[k])}`).join(' ')}]`;
  }
  return String(value);
}

/** Go's `%q` of a string slice: `["default" "root"]`; a missing slice prints `[]`. */
export function formatGoQuotedList(values: readonly string[] | null | undefined): string {
  return `[${(values ?? []).map((v) => JSON.stringify(v)).join(' ')}]`;
}
