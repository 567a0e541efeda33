import type { KeyStatus } from '@coffer/barrier';
import type { AuditBroker } from '../audit/audit-broker.js';
import type { ExpirationManager } from '../expiration/index.js';
import type { RequestAuth } from '../logical/logical-request.js';
import type { TokenEntry } from '../logical/token-entry.js';
import type { PolicyStore } from '../policy/policy-store.js';
import type { MountConfig, MountEntry, MountTableKind } from '../router/mount-entry.js';
import type { ClusterBackend } from './cluster-backend.js';
import type { ResponseWrapper } from '../wrapping/response-wrapper.js';

/** What `sys/init` needs. */
export interface InitParams {
  readonly secretShares: number;
  readonly secretThreshold: number;
}

export interface InitResult {
  /** Unseal shares: shown once, never stored or logged. */
  readonly shares: readonly Uint8Array[];
  readonly rootToken: string;
}

/** The node's lifecycle as `sys/health`, `sys/leader` and `sys/seal-status` report it. */
export interface NodeStatus {
  readonly initialized: boolean;
  readonly sealed: boolean;
  readonly standby: boolean;
  /** Seal type, threshold, shares, progress and nonce of the current unseal attempt. */
  readonly seal: {
    readonly type: string;
    readonly t: number;
    readonly n: number;
    readonly progress: number;
    readonly nonce: string;
  };
  /** Known once unsealed (read from storage); '' before. */
  readonly clusterName: string;
  readonly clusterId: string;
  /** When this node became active (unsealed); undefined while sealed or standby. */
  readonly activeTime: Date | undefined;
  readonly storageType: string;
  readonly version: string;
  readonly buildDate: string;
}

export interface MountRequest {
  readonly table: MountTableKind;
  /** Sanitized, with trailing slash, relative to the table. */
  readonly path: string;
  readonly type: string;
  readonly description: string;
  readonly config: MountConfig;
  readonly options: Readonly<Record<string, string>> | null;
  readonly local: boolean;
  readonly sealWrap: boolean;
  readonly externalEntropyAccess: boolean;
}

/** Fields a tune may change; absent = unchanged. */
export interface TuneRequest {
  readonly table: MountTableKind;
  readonly path: string;
  readonly defaultLeaseTtl?: number;
  readonly maxLeaseTtl?: number;
  readonly description?: string;
  readonly options?: Readonly<Record<string, string>>;
  readonly listingVisibility?: string;
  readonly auditNonHmacRequestKeys?: readonly string[];
  readonly auditNonHmacResponseKeys?: readonly string[];
  readonly passthroughRequestHeaders?: readonly string[];
  readonly allowedResponseHeaders?: readonly string[];
  readonly tokenType?: string;
}

/**
 * The core as the `sys/` engine sees it. Implemented by `Core`; sys path handlers only ever
 * talk to this interface, so they can be tested with a fake.
 */
export interface SysBackend {
  status(): NodeStatus;
  initialize(params: InitParams): Promise<InitResult>;
  /** Submits one decoded unseal share; throws BarrierError for bad keys. */
  unseal(share: Uint8Array): Promise<void>;
  resetUnseal(): void;
  seal(): Promise<void>;

  /** System TTLs, seconds (config `default_lease_ttl`, `max_lease_ttl`). */
  systemTtls(): { readonly defaultLeaseTtl: number; readonly maxLeaseTtl: number };
  mounts(table: MountTableKind): readonly MountEntry[];
  mount(req: MountRequest): Promise<void>;
  /** Idempotent: unmounting a missing path succeeds. */
  unmount(table: MountTableKind, path: string): Promise<void>;
  tune(req: TuneRequest): Promise<void>;
  /** Whether an engine type can be mounted in the table (registered, not a singleton). */
  mountable(table: MountTableKind, type: string): boolean;
  /** The mount (either table) serving a full API path, with its mount point (`secret/`, `auth/token/`). */
  mountFor(path: string): { readonly entry: MountEntry; readonly mountPoint: string } | undefined;
  /** Vault's `hasMountAccess`: the token may do anything at or below the mount point. */
  hasMountAccess(auth: RequestAuth, mountPoint: string): Promise<boolean>;

  readonly policies: PolicyStore;
  /** Sorted capabilities of a token on a path; `["root"]` for root, `["deny"]` when none. */
  capabilities(entry: TokenEntry, path: string): Promise<string[]>;
  lookupToken(token: string): Promise<TokenEntry | undefined>;
  lookupAccessor(accessor: string): Promise<TokenEntry | undefined>;
  /** Response wrapping over the current unseal's token store and cubbyhole (unsealed only). */
  responseWrapper(): ResponseWrapper;

  rotate(): Promise<void>;
  keyStatus(): KeyStatus;

  /** HA and integrated storage; undefined when the node's storage is not raft. */
  readonly cluster: ClusterBackend | undefined;

  /** Audit devices (unsealed only); absent in backends without audit support. */
  readonly audit?: AuditBroker;

  /** The expiration manager (unsealed only); absent in backends without leases. */
  readonly expiration?: ExpirationManager;
}
