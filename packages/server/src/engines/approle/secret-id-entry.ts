import { formatRfc3339Nano } from '../kv/rfc3339-nano.js';

/**
 * A secret ID as stored at `secret-id/<role>/<HMAC(secret ID)>`. The secret ID itself is never
 * stored: only its salted HMAC, in the key. Times are Unix milliseconds.
 */
export interface SecretIdEntry {
  readonly v: 1;
  readonly accessor: string;
  /** Remaining logins; 0 = unlimited. The entry is deleted when its last use is taken. */
  readonly numUses: number;
  /** Lifetime in seconds as granted (after the system-max cap); 0 = never expires. */
  readonly ttl: number;
  readonly creationTimeMs: number;
  /** 0 = never expires. */
  readonly expirationTimeMs: number;
  readonly lastUpdatedTimeMs: number;
  readonly metadata: Readonly<Record<string, string>>;
  /** Source CIDRs allowed to log in with this secret ID. */
  readonly cidrList: readonly string[];
  /** Overrides the role's `token_bound_cidrs` for tokens minted with this secret ID. */
  readonly tokenBoundCidrs: readonly string[];
}

/** `secret-id-accessor/<HMAC(accessor)>` → which secret ID (by HMAC) of which role. */
export interface AccessorIndexEntry {
  readonly role: string;
  readonly secretIdHmac: string;
}

export function secretIdExpired(entry: SecretIdEntry, nowMs: number): boolean {
  return entry.expirationTimeMs !== 0 && nowMs >= entry.expirationTimeMs;
}

/** Go's zero `time.Time`, which Vault reports for "never expires". */
const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** The `data` of a secret-ID lookup (Vault's `ToResponseData`): never the secret ID itself. */
export function secretIdData(entry: SecretIdEntry): Record<string, unknown> {
  return {
    cidr_list: [...entry.cidrList],
    creation_time: formatRfc3339Nano(entry.creationTimeMs),
    expiration_time: entry.expirationTimeMs === 0 ? GO_ZERO_TIME : formatRfc3339Nano(entry.expirationTimeMs),
    last_updated_time: formatRfc3339Nano(entry.lastUpdatedTimeMs),
    metadata: { ...entry.metadata },
    secret_id_accessor: entry.accessor,
    secret_id_num_uses: entry.numUses,
    secret_id_ttl: entry.ttl,
    token_bound_cidrs: [...entry.tokenBoundCidrs],
  };
}
