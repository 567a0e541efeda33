import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { humanDuration } from './human-duration.js';

/** Inputs of a lease TTL computation; every duration is whole seconds, 0 meaning "unset". */
export interface TtlInputs {
  /** The system (or mount) default and maximum lease TTLs. */
  readonly defaultLeaseTtl: number;
  readonly maxLeaseTtl: number;
  /** Requested renewal increment (0 on creation). */
  readonly increment: number;
  /** The TTL the backend asked for (creation `ttl`, or the last granted TTL on renewal). */
  readonly backendTtl: number;
  readonly period: number;
  /** A backend maximum (e.g. a login role's `token_max_ttl`): only ever shortens. */
  readonly backendMaxTtl: number;
  readonly explicitMaxTtl: number;
  /** Unix seconds the lease was issued (limits are measured from here) and the current time. */
  readonly startTime: number;
  readonly now: number;
}

export interface TtlResult {
  readonly ttl: number;
  readonly warnings: readonly string[];
}

/**
 * Vault's lease TTL rules (sdk/framework CalculateTTL): periodic leases get the period (capped
 * at the effective max) and are bounded only by an explicit max TTL; others get the increment,
 * else the backend TTL, else the default, and never run past start + effective max.
 */
export function calculateTtl(inputs: TtlInputs): TtlResult {
  const warnings: string[] = [];
  let maxTtl = inputs.maxLeaseTtl;
  if (inputs.backendMaxTtl > 0 && inputs.backendMaxTtl < maxTtl) maxTtl = inputs.backendMaxTtl;
  if (inputs.explicitMaxTtl > 0 && inputs.explicitMaxTtl < maxTtl) maxTtl = inputs.explicitMaxTtl;
  if (maxTtl <= 0) throw new CofferError(ErrorCode.BadRequest, 'max TTL must be greater than zero');

  let ttl: number;
  let maxValidTime: number | undefined;
  if (inputs.period > 0) {
    let period = inputs.period;
    if (period > maxTtl) {
      warnings.push(
        `period of "${humanDuration(period)}" exceeded the effective max_ttl of "${humanDuration(maxTtl)}"; period value is capped accordingly`,
      );
      period = maxTtl;
    }
    ttl = period;
    if (inputs.explicitMaxTtl > 0) maxValidTime = inputs.startTime + inputs.explicitMaxTtl;
  } else {
    if (inputs.increment > 0) ttl = inputs.increment;
    else if (inputs.backendTtl > 0) ttl = inputs.backendTtl;
    else ttl = inputs.defaultLeaseTtl;
    maxValidTime = inputs.startTime + maxTtl;
  }

  if (maxValidTime !== undefined) {
    const maxValidTtl = maxValidTime - inputs.now;
    if (maxValidTtl <= 0) throw new CofferError(ErrorCode.BadRequest, 'past the max TTL, cannot renew');
    if (ttl > maxValidTtl) {
      warnings.push(
        `TTL of "${humanDuration(ttl)}" exceeded the effective max_ttl of "${humanDuration(maxValidTtl)}"; TTL value is capped accordingly`,
      );
      ttl = maxValidTtl;
    }
  }
  return { ttl, warnings };
}
