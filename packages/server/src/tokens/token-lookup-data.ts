import type { TokenDetails } from './token-store.js';

/** RFC 3339 in UTC with milliseconds, e.g. 2024-05-01T12:00:00.000Z (Go clients parse it). */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The `data` of `lookup`, `lookup-self` and `lookup-accessor`, field for field as Vault builds
 * it (keys in Vault's JSON order, i.e. sorted). `id` is the token for lookup/lookup-self and ''
 * for lookup-accessor. `issue_time` and `renewable` exist only for tokens with a lease.
 */
export function tokenLookupData(id: string, details: TokenDetails, nowMs: number): Record<string, unknown> {
  const e = details.entry;
  const expires = e.expireTimeMs !== 0;
  const data: Record<string, unknown> = {
    accessor: e.accessor,
    creation_time: e.creationTime,
    creation_ttl: e.ttl,
    display_name: e.displayName,
    entity_id: e.entityId,
    expire_time: expires ? rfc3339(e.expireTimeMs) : null,
    explicit_max_ttl: e.explicitMaxTtl,
    id,
  };
  if (details.hasLease) data['issue_time'] = rfc3339(details.issueTimeMs);
  if (details.lastRenewalMs !== 0) {
    data['last_renewal'] = rfc3339(details.lastRenewalMs);
    data['last_renewal_time'] = Math.floor(details.lastRenewalMs / 1000);
  }
  data['meta'] = Object.keys(e.meta).length > 0 ? { ...e.meta } : null;
  data['num_uses'] = e.numUses;
  data['orphan'] = e.orphan;
  data['path'] = e.path;
  if (e.period !== 0) data['period'] = e.period;
  data['policies'] = [...e.policies];
  if (details.hasLease) data['renewable'] = e.renewable && expires;
  if (details.role !== '') data['role'] = details.role;
  data['ttl'] = expires ? Math.max(0, Math.floor((e.expireTimeMs - nowMs) / 1000)) : 0;
  data['type'] = e.type;
  return data;
}
