import type { AuthResponse } from '../logical/logical-response.js';
import type { TokenEntry } from '../logical/token-entry.js';

/**
 * Vault's `auth` block for a token: on create (lease = creation TTL), renew (lease = the TTL
 * just granted; `client_token` '' for renew-accessor) and auth-method logins.
 */
export function tokenAuthResponse(
  clientToken: string,
  entry: TokenEntry,
  leaseDuration: number = entry.ttl,
): AuthResponse {
  const metadata = Object.keys(entry.meta).length > 0 ? { ...entry.meta } : null;
  return {
    client_token: clientToken,
    accessor: entry.accessor,
    policies: [...entry.policies],
    token_policies: [...entry.policies],
    metadata,
    lease_duration: leaseDuration,
    renewable: entry.renewable,
    entity_id: entry.entityId,
    token_type: entry.type,
    orphan: entry.orphan,
    mfa_requirement: null,
    num_uses: entry.numUses,
  };
}
