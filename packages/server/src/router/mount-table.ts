import type { Storage } from '@coffer/barrier';
import {
  DEFAULT_MOUNT_CONFIG,
  type MountConfig,
  type MountEntry,
  type MountTableKind,
} from './mount-entry.js';

/** Barrier keys of the two tables. */
export const MOUNT_TABLE_KEYS: Readonly<Record<MountTableKind, string>> = {
  secret: 'core/mounts',
  auth: 'core/auth',
};

interface StoredConfig {
  default_lease_ttl?: number;
  max_lease_ttl?: number;
  force_no_cache?: boolean;
  listing_visibility?: string;
  audit_non_hmac_request_keys?: string[];
  audit_non_hmac_response_keys?: string[];
  passthrough_request_headers?: string[];
  allowed_response_headers?: string[];
  token_type?: string;
  plugin_version?: string;
}

interface StoredEntry {
  path: string;
  type: string;
  description: string;
  accessor: string;
  uuid: string;
  options: Record<string, string> | null;
  config: StoredConfig;
  local: boolean;
  seal_wrap: boolean;
  external_entropy_access: boolean;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

function configFromStored(c: StoredConfig | undefined): MountConfig {
  return Object.freeze({
    defaultLeaseTtl: typeof c?.default_lease_ttl === 'number' ? c.default_lease_ttl : 0,
    maxLeaseTtl: typeof c?.max_lease_ttl === 'number' ? c.max_lease_ttl : 0,
    forceNoCache: c?.force_no_cache === true,
    listingVisibility: typeof c?.listing_visibility === 'string' ? c.listing_visibility : '',
    auditNonHmacRequestKeys: strings(c?.audit_non_hmac_request_keys),
    auditNonHmacResponseKeys: strings(c?.audit_non_hmac_response_keys),
    passthroughRequestHeaders: strings(c?.passthrough_request_headers),
    allowedResponseHeaders: strings(c?.allowed_response_headers),
    tokenType: typeof c?.token_type === 'string' ? c.token_type : DEFAULT_MOUNT_CONFIG.tokenType,
    pluginVersion: typeof c?.plugin_version === 'string' ? c.plugin_version : '',
  });
}

function configToStored(c: MountConfig): StoredConfig {
  return {
    default_lease_ttl: c.defaultLeaseTtl,
    max_lease_ttl: c.maxLeaseTtl,
    force_no_cache: c.forceNoCache,
    listing_visibility: c.listingVisibility,
    audit_non_hmac_request_keys: [...c.auditNonHmacRequestKeys],
    audit_non_hmac_response_keys: [...c.auditNonHmacResponseKeys],
    passthrough_request_headers: [...c.passthroughRequestHeaders],
    allowed_response_headers: [...c.allowedResponseHeaders],
    token_type: c.tokenType,
    plugin_version: c.pluginVersion,
  };
}

/**
 * One mount table (secrets or auth), immutable: changes return a new table, which the core
 * persists with `save` before publishing it.
 */
export class MountTable {
  readonly kind: MountTableKind;
  readonly entries: readonly MountEntry[];

  constructor(kind: MountTableKind, entries: readonly MountEntry[]) {
    this.kind = kind;
    this.entries = Object.freeze(
      [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    );
  }

  /** Reads the table from the barrier; undefined when it was never written. */
  static async load(storage: Storage, kind: MountTableKind): Promise<MountTable | undefined> {
    const raw = await storage.get(MOUNT_TABLE_KEYS[kind]);
    if (raw === undefined) return undefined;
    const json = JSON.parse(new TextDecoder().decode(raw)) as { entries?: StoredEntry[] };
    const entries = (json.entries ?? []).map((e): MountEntry =>
      Object.freeze({
        table: kind,
        path: e.path,
        type: e.type,
        description: e.description ?? '',
        accessor: e.accessor,
        uuid: e.uuid,
        options: e.options === null || e.options === undefined ? null : Object.freeze({ ...e.options }),
        config: configFromStored(e.config),
        local: e.local === true,
        sealWrap: e.seal_wrap === true,
        externalEntropyAccess: e.external_entropy_access === true,
      }),
    );
    return new MountTable(kind, entries);
  }

  async save(storage: Storage): Promise<void> {
    const entries: StoredEntry[] = this.entries.map((e) => ({
      path: e.path,
      type: e.type,
      description: e.description,
      accessor: e.accessor,
      uuid: e.uuid,
      options: e.options === null ? null : { ...e.options },
      config: configToStored(e.config),
      local: e.local,
      seal_wrap: e.sealWrap,
      external_entropy_access: e.externalEntropyAccess,
    }));
    await storage.put(MOUNT_TABLE_KEYS[this.kind], new TextEncoder().encode(JSON.stringify({ entries })));
  }

  find(path: string): MountEntry | undefined {
    return this.entries.find((e) => e.path === path);
  }

  with(entry: MountEntry): MountTable {
    return new MountTable(this.kind, [...this.entries.filter((e) => e.path !== entry.path), entry]);
  }

  without(path: string): MountTable {
    return new MountTable(
      this.kind,
      this.entries.filter((e) => e.path !== path),
    );
  }
}
