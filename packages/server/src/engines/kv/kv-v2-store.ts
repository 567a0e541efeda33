import { createHash } from 'node:crypto';
import type { StorageView } from '@coffer/barrier';
import { getJson, putJson } from '../../logical/storage-json.js';
import type { KeyMetadata } from './key-metadata.js';

/**
 * Storage layout of a KV v2 mount (inside the mount's view, so already barrier-encrypted):
 *
 * | key | value |
 * |---|---|
 * | `config` | {@link KvV2Config} |
 * | `metadata/<secret path>` | {@link KeyMetadata}: one record per secret, holding the per-version metadata (bounded by max_versions) |
 * | `versions/<sha256(secret path)>/<n>` | `{"data": {...}}`: one record per live version |
 *
 * Metadata keys mirror secret paths so LIST is a direct storage list; version keys are hashed so
 * their length is bounded and no secret path can collide with another's versions.
 * A write stores the version record before the metadata that references it, so a crash in
 * between leaves an unreferenced record that the next write of that version overwrites.
 */
export interface KvV2Config {
  /** 0 = unset (10 applies). */
  readonly maxVersions: number;
  readonly casRequired: boolean;
  /** Seconds; 0 = unset; negative = disabled for every key. */
  readonly deleteVersionAfter: number;
}

export const DEFAULT_KV_V2_CONFIG: KvV2Config = Object.freeze({
  maxVersions: 0,
  casRequired: false,
  deleteVersionAfter: 0,
});

interface VersionRecord {
  readonly data: Record<string, unknown>;
}

const CONFIG_KEY = 'config';
const METADATA_PREFIX = 'metadata/';
const VERSIONS_PREFIX = 'versions/';

const encoder = new TextEncoder();

function jsonBytes(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

function versionKey(path: string, version: number): string {
  const digest = createHash('sha256').update(path, 'utf8').digest('hex');
  return `${VERSIONS_PREFIX}${digest}/${version}`;
}

export class KvV2Store {
  readonly #storage: StorageView;

  constructor(storage: StorageView) {
    this.#storage = storage;
  }

  async config(): Promise<KvV2Config> {
    const stored = await getJson<Partial<KvV2Config>>(this.#storage, CONFIG_KEY);
    return { ...DEFAULT_KV_V2_CONFIG, ...stored };
  }

  putConfig(config: KvV2Config): Promise<void> {
    return putJson(this.#storage, CONFIG_KEY, config);
  }

  metadata(path: string): Promise<KeyMetadata | undefined> {
    return getJson<KeyMetadata>(this.#storage, METADATA_PREFIX + path);
  }

  putMetadata(path: string, meta: KeyMetadata): Promise<void> {
    return putJson(this.#storage, METADATA_PREFIX + path, meta);
  }

  deleteMetadata(path: string): Promise<void> {
    return this.#storage.delete(METADATA_PREFIX + path);
  }

  /** Direct children of a metadata folder (`''` or ending in `/`): secrets and `folder/`s. */
  listMetadata(prefix: string): Promise<string[]> {
    return this.#storage.list(METADATA_PREFIX + prefix);
  }

  async versionData(path: string, version: number): Promise<Record<string, unknown> | undefined> {
    const record = await getJson<VersionRecord>(this.#storage, versionKey(path, version));
    return record?.data;
  }

  putVersionData(path: string, version: number, data: Record<string, unknown>): Promise<void> {
    const record: VersionRecord = { data };
    return putJson(this.#storage, versionKey(path, version), record);
  }

  /**
   * A new version: its record, the metadata that references it and the deletion of trimmed
   * versions, atomically in one storage transaction (one raft entry) when the storage supports
   * it, else in that order (a crash in between leaves an unreferenced record, see above).
   * Resolves false when only the clean-up of trimmed versions failed (the version is stored).
   */
  async putVersion(
    path: string,
    version: number,
    data: Record<string, unknown>,
    meta: KeyMetadata,
    trimmed: readonly number[],
  ): Promise<boolean> {
    const storage = this.#storage;
    if (storage.transaction === undefined) {
      await this.putVersionData(path, version, data);
      await this.putMetadata(path, meta);
      try {
        for (const old of trimmed) await this.deleteVersionData(path, old);
      } catch {
        return false;
      }
      return true;
    }
    const record: VersionRecord = { data };
    await storage.transaction([
      { kind: 'put', key: versionKey(path, version), value: jsonBytes(record) },
      { kind: 'put', key: METADATA_PREFIX + path, value: jsonBytes(meta) },
      ...trimmed.map((old) => ({ kind: 'delete' as const, key: versionKey(path, old) })),
    ]);
    return true;
  }

  deleteVersionData(path: string, version: number): Promise<void> {
    return this.#storage.delete(versionKey(path, version));
  }
}
