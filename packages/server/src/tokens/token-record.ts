import type { TokenEntry } from '../logical/token-entry.js';

/**
 * What the token store persists under `id/<salted hash>`. It never contains the token ID; the
 * parent is referenced by its salted hash. Times are Unix milliseconds unless noted.
 */
export interface TokenRecord {
  readonly v: 1;
  readonly accessor: string;
  readonly policies: readonly string[];
  /** Salted hash of the parent token; '' for orphans. */
  readonly parentHash: string;
  readonly parentAccessor: string;
  readonly path: string;
  readonly meta: Readonly<Record<string, string>>;
  readonly displayName: string;
  /** Remaining uses; 0 = unlimited; -1 = the last use is in progress (revoked after it). */
  readonly numUses: number;
  /** Unix seconds. */
  readonly creationTime: number;
  /** TTL granted at creation, seconds (0 = never expires). */
  readonly ttl: number;
  readonly explicitMaxTtl: number;
  readonly period: number;
  /** Backend maximum TTL (login roles' token_max_ttl); 0 = the system maximum. */
  readonly maxTtl: number;
  readonly renewable: boolean;
  /** 0 = never. */
  readonly expireTimeMs: number;
  /** TTL granted by the last creation/renewal, seconds: the default increment of the next renewal. */
  readonly leaseTtl: number;
  /** Whether the token has a lease (every token except the init/generate-root root token). */
  readonly hasLease: boolean;
  readonly issueTimeMs: number;
  /** 0 = never renewed. */
  readonly lastRenewalMs: number;
  /** Token role it was created against; '' for none. */
  readonly role: string;
  readonly cubbyholeId: string;
  readonly entityId: string;
  readonly type: 'service';
  /** Set once revocation has started: the token is dead; `tidy` finishes an interrupted one. */
  readonly revoking?: 'tree' | 'orphan';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeTokenRecord(record: TokenRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record));
}

export function decodeTokenRecord(bytes: Uint8Array): TokenRecord {
  const value: unknown = JSON.parse(decoder.decode(bytes));
  if (typeof value !== 'object' || value === null || (value as { v?: unknown }).v !== 1) {
    throw new Error('token store entry has an unknown format');
  }
  return value as TokenRecord;
}

/** The immutable view of a record handed to the request pipeline and engines. */
export function tokenEntryOf(record: TokenRecord): TokenEntry {
  return Object.freeze({
    accessor: record.accessor,
    policies: Object.freeze([...record.policies]),
    parentAccessor: record.parentAccessor,
    path: record.path,
    meta: Object.freeze({ ...record.meta }),
    displayName: record.displayName,
    numUses: record.numUses,
    creationTime: record.creationTime,
    ttl: record.ttl,
    explicitMaxTtl: record.explicitMaxTtl,
    period: record.period,
    renewable: record.renewable,
    expireTimeMs: record.expireTimeMs,
    orphan: record.parentHash === '',
    type: record.type,
    cubbyholeId: record.cubbyholeId,
    entityId: record.entityId,
  });
}
