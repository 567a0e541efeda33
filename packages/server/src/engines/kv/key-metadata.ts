import type { KvV2Config } from './kv-v2-store.js';
import { formatRfc3339Nano } from './rfc3339-nano.js';

/** Per-version metadata, kept inside the key's metadata record. Times are Unix milliseconds. */
export interface VersionMetadata {
  readonly createdTime: number;
  /** When the version counts as deleted (may be in the future with delete_version_after); null = not deleted. */
  readonly deletionTime: number | null;
  readonly destroyed: boolean;
}

/** Everything KV v2 knows about one secret path except the version payloads. */
export interface KeyMetadata {
  readonly currentVersion: number;
  readonly oldestVersion: number;
  readonly createdTime: number;
  readonly updatedTime: number;
  /** 0 = unset (the mount's config applies). */
  readonly maxVersions: number;
  readonly casRequired: boolean;
  /** Seconds; 0 = unset. */
  readonly deleteVersionAfter: number;
  /** null when never set or empty (Vault answers null). */
  readonly customMetadata: Readonly<Record<string, string>> | null;
  /** Keyed by the decimal version number. */
  readonly versions: Readonly<Record<string, VersionMetadata>>;
}

export const DEFAULT_MAX_VERSIONS = 10;

export function emptyKeyMetadata(now: number): KeyMetadata {
  return {
    currentVersion: 0,
    oldestVersion: 0,
    createdTime: now,
    updatedTime: now,
    maxVersions: 0,
    casRequired: false,
    deleteVersionAfter: 0,
    customMetadata: null,
    versions: {},
  };
}

/**
 * A version counts as deleted from its deletion time on. (Vault checks `Before(now)` with a
 * nanosecond clock; with millisecond times a read in the same millisecond as the delete must
 * already see it deleted, hence `<=`.)
 */
export function isSoftDeleted(vm: VersionMetadata, now: number): boolean {
  return vm.deletionTime !== null && vm.deletionTime <= now;
}

/**
 * The deletion time a version created (or undeleted) at `from` gets: `from` plus the smaller
 * non-zero delete_version_after of mount config and key; null when neither is set or the mount
 * disabled it (negative).
 */
export function deletionTimeFor(from: number, config: KvV2Config, meta: KeyMetadata): number | null {
  if (config.deleteVersionAfter < 0) return null;
  const mount = config.deleteVersionAfter;
  const key = meta.deleteVersionAfter;
  if (mount === 0 && key === 0) return null;
  let min = key;
  if ((mount !== 0 && mount < min) || min === 0) min = mount;
  return from + min * 1000;
}

export interface AddedVersion {
  readonly meta: KeyMetadata;
  readonly version: number;
  readonly versionMetadata: VersionMetadata;
  /** Versions that fell out of the max_versions window: their payloads must be deleted. */
  readonly trimmed: readonly number[];
}

/**
 * Appends a version and slides the max_versions window (key setting, else mount config,
 * else 10): versions older than the newest `max` are dropped from the metadata.
 */
export function addVersion(
  meta: KeyMetadata,
  createdTime: number,
  deletionTime: number | null,
  configMaxVersions: number,
): AddedVersion {
  const version = meta.currentVersion + 1;
  const versionMetadata: VersionMetadata = { createdTime, deletionTime, destroyed: false };
  const versions: Record<string, VersionMetadata> = { ...meta.versions, [String(version)]: versionMetadata };
  const max =
    meta.maxVersions > 0
      ? meta.maxVersions
      : configMaxVersions > 0
        ? configMaxVersions
        : DEFAULT_MAX_VERSIONS;
  let oldestVersion = meta.oldestVersion;
  const trimmed: number[] = [];
  if (version - oldestVersion >= max) {
    const lastToDelete = version - max;
    for (let v = oldestVersion; v <= lastToDelete; v++) {
      if (v >= 1 && Object.hasOwn(versions, String(v))) trimmed.push(v);
      delete versions[String(v)];
    }
    oldestVersion = lastToDelete + 1;
  }
  return {
    meta: { ...meta, currentVersion: version, oldestVersion, updatedTime: createdTime, versions },
    version,
    versionMetadata,
    trimmed,
  };
}

/** Returns metadata with one version's entry replaced. */
export function withVersion(meta: KeyMetadata, version: number, vm: VersionMetadata): KeyMetadata {
  return { ...meta, versions: { ...meta.versions, [String(version)]: vm } };
}

export function versionMetadataOf(meta: KeyMetadata, version: number): VersionMetadata | undefined {
  const key = String(version);
  return Object.hasOwn(meta.versions, key) ? meta.versions[key] : undefined;
}

/** Vault's per-version metadata object (`data.metadata` of a read, `data` of a write). */
export function versionView(
  meta: KeyMetadata,
  version: number,
  vm: VersionMetadata,
): Record<string, unknown> {
  return {
    created_time: formatRfc3339Nano(vm.createdTime),
    custom_metadata: customMetadataView(meta),
    deletion_time: vm.deletionTime === null ? '' : formatRfc3339Nano(vm.deletionTime),
    destroyed: vm.destroyed,
    version,
  };
}

export function customMetadataView(meta: KeyMetadata): Record<string, string> | null {
  if (meta.customMetadata === null || Object.keys(meta.customMetadata).length === 0) return null;
  return { ...meta.customMetadata };
}
