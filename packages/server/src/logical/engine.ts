import type { StorageView } from '@coffer/barrier';
import type { PathSpec } from './path-spec.js';

/** What a mount looks like to the engine that serves it. */
export interface MountInfo {
  /** With trailing slash, e.g. `secret/`. For auth mounts, `auth/userpass/`. */
  readonly path: string;
  readonly type: string;
  readonly accessor: string;
  readonly uuid: string;
  readonly options: Readonly<Record<string, string>>;
}

/** A secret lease as the engine that issued it sees it on revoke and renew. */
export interface LeaseInfo {
  readonly leaseId: string;
  /** The request path that created the secret, e.g. `database/creds/readonly`. */
  readonly path: string;
  readonly issueTimeMs: number;
  readonly expireTimeMs: number;
  /** 0 = never renewed. */
  readonly lastRenewalMs: number;
  /** TTL granted by the last registration or renewal, seconds. */
  readonly ttl: number;
  /** What the engine attached to the secret (`SecretLease.internalData`) for revoke and renew. */
  readonly internalData: Readonly<Record<string, unknown>>;
}

/** An engine's answer to a renewal; the TTL is still capped by the mount's max lease TTL. */
export interface SecretRenewal {
  /** Seconds; 0 or absent: the increment asked for, else the lease's previous TTL. */
  readonly ttl?: number;
  /** Seconds from issue; only ever shortens the mount maximum. */
  readonly maxTtl?: number;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly warnings?: readonly string[];
}

/** An engine instance serving one mount: its paths are data, plus lifecycle hooks. */
export interface Engine {
  readonly paths: readonly PathSpec[];
  /** Called when the mount is disabled: the engine may clean up beyond its storage view. */
  cleanup?(storage: StorageView): Promise<void>;
  /**
   * Revokes a leased secret it issued (expiry, `sys/leases/revoke*`, its token's revocation).
   * Must be idempotent: after a crash the same lease may be revoked again. Engines without it
   * issue nothing that needs revoking.
   */
  revokeSecret?(lease: LeaseInfo, storage: StorageView): Promise<void>;
  /** Renews a leased secret (`sys/leases/renew`); absent: its leases are not renewable. */
  renewSecret?(lease: LeaseInfo, increment: number, storage: StorageView): Promise<SecretRenewal>;
}

/** Creates an engine for a mount; registered by type name (`kv`, `cubbyhole`, `token`, ...). */
export interface EngineFactory {
  readonly type: string;
  create(mount: MountInfo, storage: StorageView): Promise<Engine>;
}
