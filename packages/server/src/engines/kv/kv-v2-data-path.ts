import { CofferError } from '../../errors/coffer-error.js';
import { ErrorCode } from '../../errors/error-code.js';
import type { LogicalResponse } from '../../logical/logical-response.js';
import type { FieldValues, PathSpec } from '../../logical/path-spec.js';
import {
  addVersion,
  deletionTimeFor,
  emptyKeyMetadata,
  isSoftDeleted,
  type KeyMetadata,
  versionMetadataOf,
  versionView,
  withVersion,
} from './key-metadata.js';
import { checkAndSet } from './kv-v2-check-and-set.js';
import type { KvV2Context } from './kv-v2-context.js';
import { type KvV2Config, KvV2Store } from './kv-v2-store.js';
import { jsonMergePatch } from './json-merge-patch.js';
import { readLiveVersion } from './read-live-version.js';

/**
 * `data/<path>`: read a version (`?version=`), write a new version (`data`, `options.cas`),
 * merge-patch the current version, soft-delete the current version. The path may not end in `/`.
 */
export function kvV2DataPath(ctx: KvV2Context): PathSpec {
  return {
    pattern: 'data/(?<path>.*?[^/])',
    fields: {
      path: { type: 'string', description: 'Location of the secret.' },
      version: { type: 'int', description: 'Version to read; the current one when absent or 0.' },
      options: { type: 'map', description: 'Write options: cas (check-and-set version).' },
      data: { type: 'map', description: 'The secret: an object of arbitrary JSON values.' },
    },
    existenceCheck: async (req, fields) =>
      (await new KvV2Store(req.storage).metadata(pathOf(fields))) !== undefined,
    // A write is a new version either way (Vault's KV v2 too); the check only picks the capability.
    createSameAsUpdate: true,
    operations: {
      read: (req, fields) => {
        const path = pathOf(fields);
        return ctx.locks.run(path, async () => {
          const requested = (fields['version'] as number | undefined) ?? 0;
          const live = await readLiveVersion(new KvV2Store(req.storage), path, requested, ctx.now(), 'data');
          return live === undefined ? undefined : { data: { data: live.data, metadata: live.metadata } };
        });
      },

      update: (req, fields) => {
        const path = pathOf(fields);
        const data = fields['data'] as Record<string, unknown> | undefined;
        if (data === undefined) throw new CofferError(ErrorCode.BadRequest, 'no data provided');
        return ctx.locks.run(path, async () => {
          const store = new KvV2Store(req.storage);
          // Both reads at once: on raft storage they share one ReadIndex round.
          const [config, stored] = await Promise.all([store.config(), store.metadata(path)]);
          const meta = stored ?? emptyKeyMetadata(ctx.now());
          checkAndSet(optionsOf(fields), config, meta);
          return writeVersion(ctx, store, path, meta, config, data);
        });
      },

      patch: (req, fields) => {
        const path = pathOf(fields);
        const patch = fields['data'] as Record<string, unknown> | undefined;
        if (patch === undefined) throw new CofferError(ErrorCode.BadRequest, 'no data provided');
        return ctx.locks.run(path, async () => {
          const store = new KvV2Store(req.storage);
          const meta = await store.metadata(path);
          if (meta === undefined) throw new CofferError(ErrorCode.NotFound, '');
          const config = await store.config();
          checkAndSet(optionsOf(fields), config, meta);
          const vm = versionMetadataOf(meta, meta.currentVersion);
          if (vm === undefined) throw new CofferError(ErrorCode.NotFound, '');
          if (vm.destroyed || isSoftDeleted(vm, ctx.now())) {
            throw new CofferError(ErrorCode.NotFound, '', {
              data: versionView(meta, meta.currentVersion, vm),
            });
          }
          const current = await store.versionData(path, meta.currentVersion);
          if (current === undefined) throw new CofferError(ErrorCode.Internal, 'could not find version data');
          const patched = jsonMergePatch(current, patch) as Record<string, unknown>;
          return writeVersion(ctx, store, path, meta, config, patched);
        });
      },

      delete: (req, fields) => {
        const path = pathOf(fields);
        return ctx.locks.run(path, async () => {
          const store = new KvV2Store(req.storage);
          const meta = await store.metadata(path);
          if (meta === undefined) return undefined;
          const vm = versionMetadataOf(meta, meta.currentVersion);
          const now = ctx.now();
          if (vm === undefined || vm.destroyed || isSoftDeleted(vm, now)) return undefined;
          await store.putMetadata(path, withVersion(meta, meta.currentVersion, { ...vm, deletionTime: now }));
          return undefined;
        });
      },
    },
  };
}

function pathOf(fields: FieldValues): string {
  return fields['path'] as string;
}

function optionsOf(fields: FieldValues): Readonly<Record<string, unknown>> | undefined {
  return fields['options'] as Readonly<Record<string, unknown>> | undefined;
}

/** Stores `data` as the next version with its metadata, trimming versions past max_versions. */
async function writeVersion(
  ctx: KvV2Context,
  store: KvV2Store,
  path: string,
  meta: KeyMetadata,
  config: KvV2Config,
  data: Record<string, unknown>,
): Promise<LogicalResponse> {
  const now = ctx.now();
  const added = addVersion(meta, now, deletionTimeFor(now, config, meta), config.maxVersions);
  // Version record, metadata and trimmed versions in one transaction: one raft entry per write.
  const cleaned = await store.putVersion(path, added.version, data, added.meta, added.trimmed);
  const response: LogicalResponse = { data: versionView(added.meta, added.version, added.versionMetadata) };
  if (cleaned) return response;
  // The write itself succeeded; Vault prefers a warning to an error here.
  return {
    ...response,
    warnings: ['error occurred when cleaning up old versions; some old version data may remain in storage'],
  };
}
