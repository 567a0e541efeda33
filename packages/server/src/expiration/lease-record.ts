/**
 * One lease as persisted under `sys/expire/id/<lease id>` (JSON, barrier-encrypted). Times are
 * Unix milliseconds. Never contains a token: tokens are referenced by salted ID.
 */
export interface LeaseRecord {
  readonly v: 1;
  readonly leaseId: string;
  /** The request path that created the lease (the lease ID without its last segment). */
  readonly path: string;
  readonly kind: 'token' | 'secret';
  /**
   * Token lease: the token's salted ID. Secret lease: the salted ID of the token that created
   * it ('' when none), which indexes it under `sys/expire/token/<salted id>/`.
   */
  readonly tokenId: string;
  /** Accessor of the token (token lease) or of the creating token (secret lease); '' when none. */
  readonly accessor: string;
  /** Accessor of the mount that served the creating request. */
  readonly mountAccessor: string;
  readonly issueTimeMs: number;
  readonly expireTimeMs: number;
  /** 0 = never renewed. */
  readonly lastRenewalMs: number;
  readonly renewable: boolean;
  /** Seconds granted by the last registration or renewal. */
  readonly ttl: number;
  /** Secret leases: the engine's maximum TTL (seconds from issue; 0 = the mount's). */
  readonly maxTtl: number;
  /** Secret leases: what the engine attached for revoke/renew. */
  readonly internalData: Readonly<Record<string, unknown>>;
  /** Failed revocation attempts since the last success or renewal. */
  readonly revokeAttempts: number;
  /** Revocation gave up after the maximum attempts: listed by `sys/leases?type=irrevocable`. */
  readonly irrevocable: boolean;
  /** The last revocation failure ('' when none): error class and message, never secrets. */
  readonly lastError: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeLeaseRecord(record: LeaseRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record));
}

/** The record, or undefined when the bytes are not a lease record this code wrote. */
export function decodeLeaseRecord(bytes: Uint8Array): LeaseRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Partial<LeaseRecord>;
  if (
    r.v !== 1 ||
    typeof r.leaseId !== 'string' ||
    (r.kind !== 'token' && r.kind !== 'secret') ||
    typeof r.tokenId !== 'string' ||
    typeof r.expireTimeMs !== 'number'
  )
    return undefined;
  return value as LeaseRecord;
}
