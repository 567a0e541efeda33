/**
 * A token as stored by the token store. The token ID itself is never stored: only a salted
 * hash of it is used as the storage key. `id` is present only on the entry handed to the
 * request pipeline for the request that presented it (never persisted, never logged).
 */
export interface TokenEntry {
  readonly accessor: string;
  readonly policies: readonly string[];
  /** Accessor of the parent token; '' for orphans and the root token. */
  readonly parentAccessor: string;
  /** Creation path, e.g. 'auth/token/create', 'auth/token/root'. */
  readonly path: string;
  readonly meta: Readonly<Record<string, string>>;
  readonly displayName: string;
  /** Remaining uses; 0 = unlimited. */
  readonly numUses: number;
  /** Unix seconds. */
  readonly creationTime: number;
  /** Seconds; 0 = no expiry (root). */
  readonly ttl: number;
  readonly explicitMaxTtl: number;
  readonly period: number;
  readonly renewable: boolean;
  /** Unix milliseconds at which the token stops working; 0 = never. */
  readonly expireTimeMs: number;
  readonly orphan: boolean;
  readonly type: 'service' | 'batch';
  /** Storage key of this token's cubbyhole (derived from the salted ID, not reversible). */
  readonly cubbyholeId: string;
  readonly entityId: string;
}
