import { createHmac } from 'node:crypto';

/** Vault's salted HMAC: `hmac-sha256:<hex>` of `value` keyed with the device salt. */
export function hmacString(salt: Uint8Array, value: string): string {
  return `hmac-sha256:${createHmac('sha256', salt).update(value, 'utf8').digest('hex')}`;
}

/**
 * Vault's `HashStructure`: every string (recursively through objects and arrays) replaced by
 * its HMAC; numbers, booleans and null kept. Keys listed in `skip` (top level only) are kept.
 */
export function hashStructure(
  salt: Uint8Array,
  value: unknown,
  skip: ReadonlySet<string> = new Set(),
): unknown {
  if (typeof value === 'string') return hmacString(salt, value);
  if (Array.isArray(value)) return value.map((v: unknown) => hashStructure(salt, v));
  if (value instanceof Uint8Array) return hmacString(salt, Buffer.from(value).toString('base64'));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      out[k] = skip.has(k) ? v : hashStructure(salt, v);
    return out;
  }
  return value;
}
