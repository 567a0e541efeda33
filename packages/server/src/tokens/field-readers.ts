import type { FieldValues } from '../logical/path-spec.js';

/**
 * Typed reads of coerced field values (the engine framework has already converted them to the
 * declared FieldSpec types). Each returns undefined when the field is absent.
 */

export function stringField(fields: FieldValues, name: string): string | undefined {
  const v = fields[name];
  return typeof v === 'string' ? v : undefined;
}

export function numberField(fields: FieldValues, name: string): number | undefined {
  const v = fields[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function boolField(fields: FieldValues, name: string): boolean | undefined {
  const v = fields[name];
  return typeof v === 'boolean' ? v : undefined;
}

export function stringListField(fields: FieldValues, name: string): string[] | undefined {
  const v = fields[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

export function stringMapField(fields: FieldValues, name: string): Record<string, string> | undefined {
  const v = fields[name];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x === 'string') out[k] = x;
  }
  return out;
}
