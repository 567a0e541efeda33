import type { ExpirationManager } from '../expiration/index.js';
import type { TokenStore } from '../tokens/index.js';
import type { PolicyStore } from '../policy/policy-store.js';
import type { MountTable } from '../router/mount-table.js';
import type { Router } from '../router/router.js';
import type { AclCache } from './acl-cache.js';

/** Cluster identity, created at first unseal and stored at `core/cluster/info`. */
export interface ClusterInfo {
  readonly name: string;
  readonly id: string;
}

/** Everything that exists only while unsealed. Replaced as a whole (never mutated). */
export interface CoreRuntime {
  readonly secretTable: MountTable;
  readonly authTable: MountTable;
  readonly router: Router;
  readonly policies: PolicyStore;
  readonly acls: AclCache;
  readonly tokens: TokenStore;
  /** Leases of this active runtime: expiry timers run from `#setup` until `#teardown`. */
  readonly expiration: ExpirationManager;
  readonly cluster: ClusterInfo;
  readonly activeTime: Date;
  /** Unregisters the token store's revocation hooks (cubbyhole cleanup, leases). */
  readonly detach: () => void;
}
