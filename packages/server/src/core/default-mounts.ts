import { randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_MOUNT_CONFIG, type MountEntry, type MountTableKind } from '../router/mount-entry.js';

/** `kv_1a2b3c4d` for secrets engines, `auth_token_1a2b3c4d` for auth methods (Vault's format). */
export function newAccessor(table: MountTableKind, type: string): string {
  const suffix = randomBytes(4).toString('hex');
  return table === 'auth' ? `auth_${type}_${suffix}` : `${type}_${suffix}`;
}

export function newMountEntry(fields: Omit<MountEntry, 'accessor' | 'uuid'>): MountEntry {
  return Object.freeze({ ...fields, accessor: newAccessor(fields.table, fields.type), uuid: randomUUID() });
}

/** The mounts every initialised node has: `cubbyhole/`, `identity/`, `sys/`. */
export function defaultSecretMounts(): MountEntry[] {
  const base = {
    table: 'secret' as const,
    config: DEFAULT_MOUNT_CONFIG,
    local: false,
    sealWrap: false,
    externalEntropyAccess: false,
    options: null,
  };
  return [
    newMountEntry({
      ...base,
      path: 'cubbyhole/',
      type: 'cubbyhole',
      description: 'per-token private secret storage',
      local: true,
    }),
    newMountEntry({ ...base, path: 'identity/', type: 'identity', description: 'identity store' }),
    newMountEntry({
      ...base,
      path: 'sys/',
      type: 'system',
      description: 'system endpoints used for control, policy and debugging',
      sealWrap: true,
    }),
  ];
}

/** The auth method every initialised node has: `token/` (mounted at `auth/token/`). */
export function defaultAuthMounts(): MountEntry[] {
  return [
    newMountEntry({
      table: 'auth',
      path: 'token/',
      type: 'token',
      description: 'token based credentials',
      config: { ...DEFAULT_MOUNT_CONFIG, tokenType: 'default-service' },
      options: null,
      local: false,
      sealWrap: false,
      externalEntropyAccess: false,
    }),
  ];
}
