import { isDeepStrictEqual } from 'node:util';
import type { HclPlainValue } from '../hcl/hcl-plain-value.js';

/**
 * Request-parameter matching for `allowed_parameters` / `denied_parameters` (Vault's
 * vault/acl.go, non-legacy mode).
 *
 * Deliberate differences from Vault, both about values Vault cannot match sensibly:
 * - numbers and booleans in a policy match equal request values (Vault compares its own decoded
 *   types and in practice never matches them);
 * - an empty string is not treated as an empty comma-separated list (Vault's split of `""`
 *   yields no items, which passes any `allowed_parameters` list).
 */

/** Vault's strutil.GlobbedStringsMatch: `*` at the start and/or end of the pattern. */
export function globbedStringsMatch(pattern: string, value: string): boolean {
  if (pattern.length < 2) return value === pattern;
  const prefix = pattern.startsWith('*');
  const suffix = pattern.endsWith('*');
  if (prefix && suffix) return value.includes(pattern.slice(1, -1));
  if (prefix) return value.endsWith(pattern.slice(1));
  if (suffix) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}

function inList(value: unknown, list: readonly HclPlainValue[]): boolean {
  return list.some((el) =>
    typeof el === 'string'
      ? typeof value === 'string' && globbedStringsMatch(el, value)
      : isDeepStrictEqual(el, value),
  );
}

/** The items of a string treated as a comma-separated list (parseutil.ParseCommaStringSlice). */
function commaItems(value: string): string[] {
  return value.split(',').map((s) => s.trim());
}

/** Whether a request value passes an allowed-values list (`[]` allows anything). */
export function valueAllowed(value: unknown, list: readonly HclPlainValue[]): boolean {
  if (list.length === 0 || inList(value, list)) return true;
  if (Array.isArray(value)) return value.every((v) => inList(v, list));
  if (typeof value === 'string' && value !== '') return commaItems(value).every((v) => inList(v, list));
  return false;
}

/** Whether a request value hits a denied-values list (`[]` denies any value). */
export function valueDenied(value: unknown, list: readonly HclPlainValue[]): boolean {
  if (list.length === 0 || inList(value, list)) return true;
  if (Array.isArray(value)) return value.some((v) => inList(v, list));
  if (typeof value === 'string') return commaItems(value).some((v) => inList(v, list));
  return false;
}
