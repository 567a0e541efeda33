/**
 * Normalises a decoded document for comparing `decodeHcl` (labels as nested objects, repeats as
 * arrays) with the reference HCL1 shape (every non-root object wrapped in an array): both become
 * the sorted multiset of `key.path = leaf` lines, where arrays of objects are walked through
 * without adding to the path, and other arrays, scalars and empty objects are leaves.
 */
export function hclLeaves(value: unknown): string[] {
  const out: string[] = [];
  walk(value, '', out);
  return out.sort();
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function walk(value: unknown, path: string, out: string[]): void {
  if (Array.isArray(value) && value.length > 0 && value.every(isPlainObject)) {
    for (const el of value) walk(el, path, out);
  } else if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) walk(v, `${path}.${JSON.stringify(k)}`, out);
  } else {
    out.push(`${path} = ${JSON.stringify(value)}`);
  }
}
