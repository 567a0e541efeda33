/** Which table a mount lives in: secrets engines (`core/mounts`) or auth methods (`core/auth`). */
export type MountTableKind = 'secret' | 'auth';

/** Per-mount settings (Vault's MountConfig). TTLs in seconds; 0 = the system default. */
export interface MountConfig {
  readonly defaultLeaseTtl: number;
  readonly maxLeaseTtl: number;
  readonly forceNoCache: boolean;
  /** '' (default), 'unauth' or 'hidden'. */
  readonly listingVisibility: string;
  readonly auditNonHmacRequestKeys: readonly string[];
  readonly auditNonHmacResponseKeys: readonly string[];
  readonly passthroughRequestHeaders: readonly string[];
  readonly allowedResponseHeaders: readonly string[];
  /** Auth mounts only: 'default-service', 'default-batch', 'service' or 'batch'. */
  readonly tokenType: string;
  readonly pluginVersion: string;
}

/** One row of a mount table, as persisted (JSON) through the barrier. */
export interface MountEntry {
  readonly table: MountTableKind;
  /** Relative to the table, with trailing slash: `secret/`, or `token/` for `auth/token/`. */
  readonly path: string;
  readonly type: string;
  readonly description: string;
  /** e.g. `kv_1a2b3c4d`, `auth_token_1a2b3c4d`. */
  readonly accessor: string;
  readonly uuid: string;
  /** Engine options (kv: `{"version":"2"}`); null when none were given. */
  readonly options: Readonly<Record<string, string>> | null;
  readonly config: MountConfig;
  readonly local: boolean;
  readonly sealWrap: boolean;
  readonly externalEntropyAccess: boolean;
}

export const DEFAULT_MOUNT_CONFIG: MountConfig = Object.freeze({
  defaultLeaseTtl: 0,
  maxLeaseTtl: 0,
  forceNoCache: false,
  listingVisibility: '',
  auditNonHmacRequestKeys: [],
  auditNonHmacResponseKeys: [],
  passthroughRequestHeaders: [],
  allowedResponseHeaders: [],
  tokenType: '',
  pluginVersion: '',
});

/** The path this mount answers on in the router: `secret/`, `auth/token/`. */
export function routerPathOf(entry: Pick<MountEntry, 'table' | 'path'>): string {
  return entry.table === 'auth' ? `auth/${entry.path}` : entry.path;
}

/**
 * The barrier prefix of the mount's storage view: `logical/<uuid>/` for secrets engines,
 * `auth/<uuid>/` for auth methods; the system backend owns `sys/` and the token store
 * `sys/token/` (as in Vault, so they survive remounts and are never shared).
 */
export function storagePrefixOf(entry: Pick<MountEntry, 'table' | 'type' | 'uuid'>): string {
  if (entry.type === 'system') return 'sys/';
  if (entry.table === 'auth' && entry.type === 'token') return 'sys/token/';
  return entry.table === 'auth' ? `auth/${entry.uuid}/` : `logical/${entry.uuid}/`;
}
