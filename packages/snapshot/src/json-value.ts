/** JSON data as it survives `JSON.stringify` → `JSON.parse` unchanged. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;

/** A JSON object (no prototype tricks, no `undefined` members). */
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/** Deepest nesting a writer accepts in opaque metadata. */
export const MAX_JSON_DEPTH = 64;

/**
 * Why `value` would not round-trip through JSON exactly, or `undefined` when it would:
 * plain objects and arrays (no holes) of null, booleans, finite numbers and strings.
 */
export function jsonProblem(value: unknown, depth = 0): string | undefined {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'a non-finite number';
  if (typeof value !== 'object') return `a ${typeof value}`;
  if (depth >= MAX_JSON_DEPTH) return `nesting deeper than ${MAX_JSON_DEPTH}`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return 'a sparse array';
      const problem = jsonProblem(value[i], depth + 1);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return 'an object that is not a plain object';
  for (const member of Object.values(value)) {
    const problem = jsonProblem(member, depth + 1);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** True for a JSON object: non-null, not an array. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
