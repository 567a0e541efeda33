import { CofferError } from '../../errors/coffer-error.js';
import { ErrorCode } from '../../errors/error-code.js';
import { isSoftDeleted, versionMetadataOf, versionView } from './key-metadata.js';
import type { KvV2Store } from './kv-v2-store.js';

/** A readable version of a KV v2 secret: its data and the metadata Vault returns beside it. */
export interface LiveVersion {
  readonly data: Readonly<Record<string, unknown>>;
  readonly metadata: ReturnType<typeof versionView>;
}

/**
 * Reads version `requested` (0 = current) of `path`. Undefined when the secret or version does
 * not exist; a deleted or destroyed version is Vault's 404 carrying the metadata, with
 * `deletedKey` (`data` or `subkeys`) set to null beside it.
 */
export async function readLiveVersion(
  store: KvV2Store,
  path: string,
  requested: number,
  nowMs: number,
  deletedKey: 'data' | 'subkeys',
): Promise<LiveVersion | undefined> {
  const meta = await store.metadata(path);
  if (meta === undefined) return undefined;
  const version = requested > 0 ? requested : meta.currentVersion;
  const vm = versionMetadataOf(meta, version);
  if (vm === undefined) return undefined;
  const metadata = versionView(meta, version, vm);
  if (vm.destroyed || isSoftDeleted(vm, nowMs)) {
    throw new CofferError(ErrorCode.NotFound, '', { data: { [deletedKey]: null, metadata } });
  }
  const data = await store.versionData(path, version);
  if (data === undefined) throw new CofferError(ErrorCode.Internal, 'could not find version data');
  return { data, metadata };
}
