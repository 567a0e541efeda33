import { CofferError } from '../../errors/coffer-error.js';
import { ErrorCode } from '../../errors/error-code.js';
import { fieldErrorMessage } from '../../logical/coerce-fields.js';
import type { FieldSpecs } from '../../logical/field-spec.js';
import type { FieldValues, PathSpec } from '../../logical/path-spec.js';
import {
  deletionTimeFor,
  isSoftDeleted,
  type KeyMetadata,
  versionMetadataOf,
  withVersion,
} from './key-metadata.js';
import type { KvV2Context } from './kv-v2-context.js';
import { KvV2Store } from './kv-v2-store.js';

const FIELDS: FieldSpecs = {
  path: { type: 'string', description: 'Location of the secret.' },
  versions: {
    type: 'comma-string-slice',
    description: 'Version numbers: a list or a comma-separated string.',
  },
};

/**
 * `delete/<path>` (soft-delete versions), `undelete/<path>` (restore soft-deleted versions),
 * `destroy/<path>` (permanently remove version data). All take `versions` and answer 204.
 * Unknown, destroyed (and, for delete, already deleted) versions are skipped silently.
 */
export function kvV2VersionPaths(ctx: KvV2Context): PathSpec[] {
  return [
    {
      pattern: 'delete/(?<path>.*)',
      fields: FIELDS,
      operations: {
        update: (req, fields) => {
          const versions = versionsOf(fields, 'No version number provided');
          return edit(ctx, new KvV2Store(req.storage), pathOf(fields), (meta, now) => {
            let next = meta;
            for (const version of versions) {
              const vm = versionMetadataOf(next, version);
              if (vm === undefined || vm.destroyed || isSoftDeleted(vm, now)) continue;
              next = withVersion(next, version, { ...vm, deletionTime: now });
            }
            return next;
          });
        },
      },
    },
    {
      pattern: 'undelete/(?<path>.*)',
      fields: FIELDS,
      operations: {
        update: async (req, fields) => {
          const versions = versionsOf(fields, 'No version number provided');
          const store = new KvV2Store(req.storage);
          const config = await store.config();
          return edit(ctx, store, pathOf(fields), (meta, now) => {
            let next = meta;
            for (const version of versions) {
              const vm = versionMetadataOf(next, version);
              if (vm === undefined || vm.destroyed) continue;
              // Restored versions get a fresh delete_version_after countdown, as in Vault.
              next = withVersion(next, version, { ...vm, deletionTime: deletionTimeFor(now, config, meta) });
            }
            return next;
          });
        },
      },
    },
    {
      pattern: 'destroy/(?<path>.*)',
      fields: FIELDS,
      operations: {
        update: (req, fields) => {
          const versions = versionsOf(fields, 'no version number provided');
          const path = pathOf(fields);
          const store = new KvV2Store(req.storage);
          return ctx.locks.run(path, async () => {
            const meta = await store.metadata(path);
            if (meta === undefined) return undefined;
            let next = meta;
            const destroyed: number[] = [];
            for (const version of versions) {
              const vm = versionMetadataOf(next, version);
              if (vm === undefined || vm.destroyed) continue;
              next = withVersion(next, version, { ...vm, destroyed: true });
              destroyed.push(version);
            }
            // Mark first, then remove the payloads: a crash in between leaves no readable data.
            await store.putMetadata(path, next);
            for (const version of destroyed) await store.deleteVersionData(path, version);
            return undefined;
          });
        },
      },
    },
  ];
}

function pathOf(fields: FieldValues): string {
  return fields['path'] as string;
}

/** `versions` as integers (Vault's TypeCommaIntSlice); 400 when missing, empty or not integers. */
function versionsOf(fields: FieldValues, emptyMessage: string): number[] {
  const raw = (fields['versions'] as string[] | undefined) ?? [];
  const versions = raw.map((text) => {
    if (!/^[+-]?\d+$/u.test(text)) {
      throw new CofferError(
        ErrorCode.BadRequest,
        fieldErrorMessage('versions', 'expected a list of integers'),
      );
    }
    return Number(text);
  });
  if (versions.length === 0) throw new CofferError(ErrorCode.BadRequest, emptyMessage);
  return versions;
}

/** Read-modify-write of a key's metadata under its lock; a missing key is a no-op (204). */
async function edit(
  ctx: KvV2Context,
  store: KvV2Store,
  path: string,
  change: (meta: KeyMetadata, now: number) => KeyMetadata,
): Promise<undefined> {
  await ctx.locks.run(path, async () => {
    const meta = await store.metadata(path);
    if (meta === undefined) return;
    const next = change(meta, ctx.now());
    if (next !== meta) await store.putMetadata(path, next);
  });
  return undefined;
}
