import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { StorageView } from '@coffer/barrier';
import { CofferError } from '../../errors/coffer-error.js';
import { ErrorCode } from '../../errors/error-code.js';
import { KeyedMutex } from '../../logical/keyed-mutex.js';
import { getJson, putJson } from '../../logical/storage-json.js';
import { bad, decodeTokenParams } from '../userpass/token-params.js';
import { AppRoleSalt } from './approle-salt.js';
import { MAX_HMAC_INPUT_LENGTH, newRole, type AppRole } from './approle-role.js';
import { secretIdExpired, type AccessorIndexEntry, type SecretIdEntry } from './secret-id-entry.js';

const ROLE_PREFIX = 'role/';
const ROLE_ID_PREFIX = 'role-id/';
const SECRET_ID_PREFIX = 'secret-id/';
const ACCESSOR_PREFIX = 'secret-id-accessor/';

/** Vault's answer to every failed AppRole login credential check. */
export const INVALID_ROLE_OR_SECRET_ID = 'invalid role or secret ID';

export function invalidCredentials(): CofferError {
  return new CofferError(ErrorCode.InvalidCredentials, INVALID_ROLE_OR_SECRET_ID);
}

/** What a new secret ID is created with (already validated against its role). */
export interface SecretIdSpec {
  readonly numUses: number;
  /** Seconds, after the system-max cap; 0 = never expires. */
  readonly ttl: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly cidrList: readonly string[];
  readonly tokenBoundCidrs: readonly string[];
}

export interface SecretIdTidyReport {
  /** Expired secret IDs removed (with their accessors). */
  readonly expired: number;
  /** Secret IDs removed because their accessor index entry was missing (Vault's rule). */
  readonly withoutAccessor: number;
  /** Accessor index entries removed because their secret ID was gone. */
  readonly danglingAccessors: number;
  readonly errors: number;
}

export interface AppRoleLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

type StoredRole = Omit<AppRole, 'token'> & { readonly v: 1; readonly token: Partial<AppRole['token']> };

/**
 * Constant-time equality of two strings of any lengths: compares their SHA-256 digests with
 * `timingSafeEqual`, so the time taken does not depend on where they differ.
 */
export function constantTimeEquals(a: string, b: string): boolean {
  const x = createHash('sha256').update(a, 'utf8').digest();
  const y = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(x, y);
}

/**
 * AppRole state in the mount's storage view:
 *
 * - `salt` — 32 random bytes keying every HMAC below;
 * - `role/<name>` — the role (JSON);
 * - `role-id/<HMAC(role_id)>` → `{name}` — the login index;
 * - `secret-id/<name>/<HMAC(secret_id)>` — a secret ID's properties (never the secret ID);
 * - `secret-id-accessor/<HMAC(accessor)>` → `{role, secretIdHmac}`.
 *
 * Writes of one role, one role ID index entry, or one secret ID are serialised with a
 * KeyedMutex (lock order: role → role ID → secret ID), so concurrent logins with a
 * use-limited secret ID take exactly the uses it has. This instance must be the only writer
 * of its view (the active node).
 */
export class AppRoleStore {
  readonly #storage: StorageView;
  readonly #salt: AppRoleSalt;
  readonly #now: () => number;
  readonly locks = new KeyedMutex();

  constructor(storage: StorageView, now: () => number) {
    this.#storage = storage;
    this.#salt = new AppRoleSalt(storage);
    this.#now = now;
  }

  now(): number {
    return this.#now();
  }

  // ---------------------------------------------------------------------------------------
  // Roles

  async readRole(name: string): Promise<AppRole | undefined> {
    if (name === '') return undefined;
    const stored = await getJson<StoredRole>(this.#storage, ROLE_PREFIX + name.toLowerCase());
    if (stored === undefined) return undefined;
    const { v: _v, ...rest } = stored;
    return { ...newRole(stored.name), ...rest, token: decodeTokenParams(stored.token) };
  }

  async listRoles(): Promise<string[]> {
    return (await this.#storage.list(ROLE_PREFIX)).filter((k) => !k.endsWith('/'));
  }

  /** Runs `fn` holding the role's write lock. */
  withRoleLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(`role:${name.toLowerCase()}`, fn);
  }

  /**
   * Saves a role (caller holds its lock) and keeps the role ID index in step: the new index
   * entry is written first, then the role, then the previous role ID's entry is removed, so a
   * crash leaves at worst a stale entry that login rejects (it compares the role's role ID).
   * Throws 400 `role_id already in use` when another role has the role ID.
   */
  async saveRole(role: AppRole, previousRoleId: string | undefined): Promise<void> {
    const hmac = await this.#salt.hmac('role-id', role.roleId);
    await this.locks.run(`role-id:${hmac}`, async () => {
      const existing = await getJson<{ name: string }>(this.#storage, ROLE_ID_PREFIX + hmac);
      if (existing !== undefined && existing.name !== role.name) throw bad('role_id already in use');
      if (existing === undefined) await putJson(this.#storage, ROLE_ID_PREFIX + hmac, { name: role.name });
      const stored: StoredRole = { v: 1, ...role };
      await putJson(this.#storage, ROLE_PREFIX + role.name, stored);
    });
    if (previousRoleId !== undefined && previousRoleId !== '' && previousRoleId !== role.roleId) {
      await this.#deleteRoleIdIndex(previousRoleId, role.name);
    }
  }

  /** Re-creates a missing role ID index entry; true when it had to (Vault warns on read). */
  async repairRoleIdIndex(role: AppRole): Promise<boolean> {
    const hmac = await this.#salt.hmac('role-id', role.roleId);
    return this.locks.run(`role-id:${hmac}`, async () => {
      if ((await this.#storage.get(ROLE_ID_PREFIX + hmac)) !== undefined) return false;
      await putJson(this.#storage, ROLE_ID_PREFIX + hmac, { name: role.name });
      return true;
    });
  }

  /** Deletes a role with all its secret IDs and its role ID index entry (caller holds its lock). */
  async deleteRole(role: AppRole): Promise<void> {
    const folder = `${SECRET_ID_PREFIX}${role.name}/`;
    for (const key of await this.#storage.list(folder)) {
      if (key.endsWith('/')) continue;
      await this.locks.run(`secret:${key}`, async () => {
        const entry = await getJson<SecretIdEntry>(this.#storage, folder + key);
        if (entry !== undefined) await this.#deleteAccessorIndex(entry.accessor);
        await this.#storage.delete(folder + key);
      });
    }
    await this.#deleteRoleIdIndex(role.roleId, role.name);
    await this.#storage.delete(ROLE_PREFIX + role.name);
  }

  /**
   * The role a login's role ID names, or undefined. The index maps HMAC(role ID) to a name; the
   * role's own role ID is then compared in constant time (a stale index entry never matches).
   */
  async roleForRoleId(roleId: string): Promise<AppRole | undefined> {
    if (roleId === '' || roleId.length > MAX_HMAC_INPUT_LENGTH) return undefined;
    const hmac = await this.#salt.hmac('role-id', roleId);
    const index = await getJson<{ name: string }>(this.#storage, ROLE_ID_PREFIX + hmac);
    if (index === undefined) return undefined;
    const role = await this.readRole(index.name);
    if (role === undefined || !constantTimeEquals(role.roleId, roleId)) return undefined;
    return role;
  }

  async #deleteRoleIdIndex(roleId: string, name: string): Promise<void> {
    const hmac = await this.#salt.hmac('role-id', roleId);
    await this.locks.run(`role-id:${hmac}`, async () => {
      const existing = await getJson<{ name: string }>(this.#storage, ROLE_ID_PREFIX + hmac);
      if (existing !== undefined && existing.name === name) await this.#storage.delete(ROLE_ID_PREFIX + hmac);
    });
  }

  // ---------------------------------------------------------------------------------------
  // Secret IDs

  /**
   * Stores a new secret ID for `role`: the accessor index first, then the entry. Throws 400
   * `SecretID is already registered` for a duplicate custom secret ID.
   */
  async registerSecretId(role: AppRole, secretId: string, spec: SecretIdSpec): Promise<SecretIdEntry> {
    if (secretId.length > MAX_HMAC_INPUT_LENGTH)
      throw bad(`secret_id is longer than maximum of ${MAX_HMAC_INPUT_LENGTH} bytes`);
    const hmac = await this.#salt.hmac('secret-id', secretId);
    const key = `${SECRET_ID_PREFIX}${role.name}/${hmac}`;
    return this.locks.run(`secret:${hmac}`, async () => {
      if ((await this.#storage.get(key)) !== undefined) throw bad('SecretID is already registered');
      const now = this.#now();
      const entry: SecretIdEntry = {
        v: 1,
        accessor: randomUUID(),
        numUses: spec.numUses,
        ttl: spec.ttl,
        creationTimeMs: now,
        expirationTimeMs: spec.ttl > 0 ? now + spec.ttl * 1000 : 0,
        lastUpdatedTimeMs: now,
        metadata: { ...spec.metadata },
        cidrList: [...spec.cidrList],
        tokenBoundCidrs: [...spec.tokenBoundCidrs],
      };
      const index: AccessorIndexEntry = { role: role.name, secretIdHmac: hmac };
      await putJson(
        this.#storage,
        ACCESSOR_PREFIX + (await this.#salt.hmac('accessor', entry.accessor)),
        index,
      );
      await putJson(this.#storage, key, entry);
      return entry;
    });
  }

  /**
   * Validates and spends one use of a secret ID for a login, atomically per secret ID.
   * `check` runs on the live entry, under the lock, before any use is taken (CIDR bindings),
   * and may throw. Unknown, expired or orphaned (no accessor) secret IDs are invalid
   * credentials; expired and orphaned ones are deleted on the way. The last use deletes it.
   */
  async consumeSecretId(
    role: AppRole,
    secretId: string,
    check: (entry: SecretIdEntry) => void,
  ): Promise<SecretIdEntry> {
    if (secretId.length > MAX_HMAC_INPUT_LENGTH) throw invalidCredentials();
    const hmac = await this.#salt.hmac('secret-id', secretId);
    const key = `${SECRET_ID_PREFIX}${role.name}/${hmac}`;
    return this.locks.run(`secret:${hmac}`, async () => {
      const entry = await getJson<SecretIdEntry>(this.#storage, key);
      if (entry === undefined) throw invalidCredentials();
      const index = await this.#readAccessorIndex(entry.accessor);
      if (index === undefined || index.secretIdHmac !== hmac) {
        await this.#storage.delete(key);
        throw invalidCredentials();
      }
      if (secretIdExpired(entry, this.#now())) {
        await this.#deleteAccessorIndex(entry.accessor);
        await this.#storage.delete(key);
        throw invalidCredentials();
      }
      check(entry);
      if (entry.numUses === 1) {
        await this.#deleteAccessorIndex(entry.accessor);
        await this.#storage.delete(key);
      } else if (entry.numUses > 1) {
        await putJson(this.#storage, key, {
          ...entry,
          numUses: entry.numUses - 1,
          lastUpdatedTimeMs: this.#now(),
        });
      }
      return entry;
    });
  }

  /** A live (unexpired) secret ID's entry, by the secret ID itself. */
  async lookupSecretId(role: AppRole, secretId: string): Promise<SecretIdEntry | undefined> {
    if (secretId.length > MAX_HMAC_INPUT_LENGTH) return undefined;
    const hmac = await this.#salt.hmac('secret-id', secretId);
    const entry = await getJson<SecretIdEntry>(this.#storage, `${SECRET_ID_PREFIX}${role.name}/${hmac}`);
    return entry === undefined || secretIdExpired(entry, this.#now()) ? undefined : entry;
  }

  /** Deletes a secret ID (and its accessor); no-op when unknown. */
  async destroySecretId(role: AppRole, secretId: string): Promise<void> {
    if (secretId.length > MAX_HMAC_INPUT_LENGTH) return;
    const hmac = await this.#salt.hmac('secret-id', secretId);
    await this.#destroyByHmac(role.name, hmac);
  }

  /** A live secret ID's entry by its accessor (undefined when unknown, expired or another role's). */
  async lookupAccessor(role: AppRole, accessor: string): Promise<SecretIdEntry | undefined> {
    const index = await this.#readAccessorIndex(accessor);
    if (index === undefined || index.role !== role.name) return undefined;
    const entry = await getJson<SecretIdEntry>(
      this.#storage,
      `${SECRET_ID_PREFIX}${role.name}/${index.secretIdHmac}`,
    );
    return entry === undefined || secretIdExpired(entry, this.#now()) ? undefined : entry;
  }

  /** Deletes the secret ID an accessor names; false when the accessor is unknown for the role. */
  async destroyByAccessor(role: AppRole, accessor: string): Promise<boolean> {
    const index = await this.#readAccessorIndex(accessor);
    if (index === undefined || index.role !== role.name) return false;
    await this.#destroyByHmac(role.name, index.secretIdHmac);
    return true;
  }

  /** Accessors of the role's live secret IDs. */
  async listAccessors(role: AppRole): Promise<string[]> {
    const folder = `${SECRET_ID_PREFIX}${role.name}/`;
    const now = this.#now();
    const out: string[] = [];
    for (const key of await this.#storage.list(folder)) {
      if (key.endsWith('/')) continue;
      const entry = await getJson<SecretIdEntry>(this.#storage, folder + key);
      if (entry !== undefined && !secretIdExpired(entry, now)) out.push(entry.accessor);
    }
    return out.sort();
  }

  async #destroyByHmac(roleName: string, hmac: string): Promise<void> {
    const key = `${SECRET_ID_PREFIX}${roleName}/${hmac}`;
    await this.locks.run(`secret:${hmac}`, async () => {
      const entry = await getJson<SecretIdEntry>(this.#storage, key);
      if (entry === undefined) return;
      await this.#deleteAccessorIndex(entry.accessor);
      await this.#storage.delete(key);
    });
  }

  async #readAccessorIndex(accessor: string): Promise<AccessorIndexEntry | undefined> {
    if (accessor === '' || accessor.length > MAX_HMAC_INPUT_LENGTH) return undefined;
    return getJson<AccessorIndexEntry>(
      this.#storage,
      ACCESSOR_PREFIX + (await this.#salt.hmac('accessor', accessor)),
    );
  }

  async #deleteAccessorIndex(accessor: string): Promise<void> {
    await this.#storage.delete(ACCESSOR_PREFIX + (await this.#salt.hmac('accessor', accessor)));
  }

  // ---------------------------------------------------------------------------------------
  // Tidy

  /**
   * Vault's tidy/secret-id: removes expired secret IDs, secret IDs whose accessor entry is
   * missing, and accessor entries whose secret ID is gone. Each secret ID is handled under its
   * lock; a failure on one is counted and logged (without secrets) and the sweep goes on.
   */
  async tidy(logger?: AppRoleLogger): Promise<SecretIdTidyReport> {
    let expired = 0;
    let withoutAccessor = 0;
    let danglingAccessors = 0;
    let errors = 0;
    for (const folder of await this.#storage.list(SECRET_ID_PREFIX)) {
      if (!folder.endsWith('/')) continue;
      for (const hmac of await this.#storage.list(SECRET_ID_PREFIX + folder)) {
        if (hmac.endsWith('/')) continue;
        const key = SECRET_ID_PREFIX + folder + hmac;
        try {
          await this.locks.run(`secret:${hmac}`, async () => {
            const entry = await getJson<SecretIdEntry>(this.#storage, key);
            if (entry === undefined) return;
            const index = await this.#readAccessorIndex(entry.accessor);
            if (index === undefined) {
              await this.#storage.delete(key);
              withoutAccessor++;
            } else if (secretIdExpired(entry, this.#now())) {
              await this.#deleteAccessorIndex(entry.accessor);
              await this.#storage.delete(key);
              expired++;
            }
          });
        } catch (err) {
          errors++;
          logger?.warn(
            { error_name: err instanceof Error ? err.name : typeof err },
            'approle tidy: could not check a secret ID',
          );
        }
      }
    }
    for (const name of await this.#storage.list(ACCESSOR_PREFIX)) {
      if (name.endsWith('/')) continue;
      try {
        const index = await getJson<AccessorIndexEntry>(this.#storage, ACCESSOR_PREFIX + name);
        if (index === undefined) continue;
        await this.locks.run(`secret:${index.secretIdHmac}`, async () => {
          const key = `${SECRET_ID_PREFIX}${index.role}/${index.secretIdHmac}`;
          if ((await this.#storage.get(key)) !== undefined) return;
          await this.#storage.delete(ACCESSOR_PREFIX + name);
          danglingAccessors++;
        });
      } catch (err) {
        errors++;
        logger?.warn(
          { error_name: err instanceof Error ? err.name : typeof err },
          'approle tidy: could not check an accessor',
        );
      }
    }
    const report = { expired, withoutAccessor, danglingAccessors, errors };
    logger?.info({ ...report }, 'approle tidy: finished');
    return report;
  }
}
