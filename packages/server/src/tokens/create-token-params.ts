/**
 * Parameters of `auth/token/create`, `create-orphan` and `create/:role_name`, already decoded
 * (durations in seconds). Absent means "not given", which matters for several Vault rules.
 */
export interface CreateTokenParams {
  /** Custom token ID: root/sudo only, no `.`. */
  readonly id?: string;
  readonly policies?: readonly string[];
  readonly meta?: Readonly<Record<string, string>>;
  /** Orphan via `create` (root/sudo only). */
  readonly noParent?: boolean;
  readonly noDefaultPolicy?: boolean;
  readonly renewable?: boolean;
  readonly ttl?: number;
  readonly explicitMaxTtl?: number;
  /** Periodic token (root/sudo only). */
  readonly period?: number;
  readonly displayName?: string;
  readonly numUses?: number;
  /** `service` (default) or `batch` (not supported: 400). */
  readonly type?: string;
  /** Set by `create-orphan`: orphan without needing sudo (the endpoint is ACL'd instead). */
  readonly orphan?: boolean;
  /** Set by `create/:role_name`. */
  readonly roleName?: string;
  readonly entityAlias?: string;
}

/** A token minted by an auth method's login (always an orphan; no parent-subset rules). */
export interface LoginTokenSpec {
  readonly policies: readonly string[];
  /** Creation path, e.g. `auth/userpass/login/bob`: the token's lease ID prefix. */
  readonly path: string;
  /** e.g. `userpass-bob`. */
  readonly displayName?: string;
  readonly meta?: Readonly<Record<string, string>>;
  readonly ttl?: number;
  readonly maxTtl?: number;
  readonly explicitMaxTtl?: number;
  readonly period?: number;
  readonly numUses?: number;
  readonly noDefaultPolicy?: boolean;
  readonly renewable?: boolean;
  readonly entityId?: string;
}
