import { posix } from 'node:path';
import type { VaultClient } from '../client/vault-client.js';

/** Trims whitespace and leading/trailing slashes: ` /secret/foo/ ` → `secret/foo`. */
export function sanitizePath(path: string): string {
  return path.trim().replace(/^\/+/, '').replace(/\/+$/, '');
}

/** `secret/` + `data` + `foo/bar` → `secret/data/foo/bar` (the KV v2 API path). */
export function addPrefixToKvPath(path: string, mountPath: string, apiPrefix: string): string {
  const mount = mountPath.replace(/\/+$/, '');
  if (path === mountPath || path === mount) return posix.join(mount, apiPrefix);
  let suffix = path.startsWith(mountPath) ? path.slice(mountPath.length) : path;
  if (suffix === path && path.startsWith(`${mount}/`)) suffix = path.slice(mount.length + 1);
  return posix.join(mount, apiPrefix, suffix);
}

/** Where a `kv` command's key lives, after the version preflight. */
export class KvTarget {
  /** KV version 2 (versioned) mount. */
  readonly v2: boolean;
  /** Mount path with trailing slash as the server reported it (`secret/`). */
  readonly mountPath: string;
  /** The key including its mount (`secret/foo`). */
  readonly keyPath: string;

  constructor(v2: boolean, mountPath: string, keyPath: string) {
    this.v2 = v2;
    this.mountPath = mountPath;
    this.keyPath = keyPath;
  }

  /** The API path under one of KV v2's prefixes (`data`, `metadata`, `delete`, ...). */
  apiPath(prefix: string): string {
    return addPrefixToKvPath(this.keyPath, this.mountPath, prefix);
  }

  /** The path to use on a version 1 mount. */
  get v1Path(): string {
    return this.keyPath;
  }

  /**
   * Resolves `secret/foo`, or `foo` with `-mount=secret`, asking the server which KV version
   * the mount runs (§8.3).
   */
  static async resolve(client: VaultClient, arg: string, mountFlag: string | undefined): Promise<KvTarget> {
    if (mountFlag !== undefined && mountFlag !== '') {
      const mount = sanitizePath(mountFlag);
      const info = await client.kvPreflight(mount);
      const mountPath = info.mountPath !== '' ? info.mountPath : `${mount}/`;
      return new KvTarget(info.version === 2, mountPath, posix.join(mountPath, sanitizePath(arg)));
    }
    const keyPath = sanitizePath(arg);
    const info = await client.kvPreflight(keyPath);
    return new KvTarget(info.version === 2, info.mountPath, keyPath);
  }
}
