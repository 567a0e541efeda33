import { coerceValue } from '../../logical/coerce-fields.js';

/**
 * A stored `ttl`/`lease` value as whole seconds (Vault's ParseDurationSecond), or undefined
 * when it does not parse — Vault then falls back to the default TTL rather than failing the read.
 */
export function toDurationSecondsOrUndefined(value: unknown): number | undefined {
  try {
    return coerceValue('duration', value, true) as number;
  } catch {
    return undefined;
  }
}
