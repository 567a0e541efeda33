import type { JsonValue } from './history-op.js';

/**
 * A string identity for a JSON value, for interning and equality: `"1"` and `1` differ, and
 * object keys are sorted so that equal objects get equal keys. `undefined` is treated as null
 * (absent).
 */
export function valueKey(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v !== 'object') return JSON.stringify(v);
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) return x;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(x).sort()) sorted[k] = (x as Record<string, unknown>)[k];
    return sorted;
  });
}
