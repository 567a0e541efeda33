import { CofferError } from '../../errors/coffer-error.js';
import { ErrorCode } from '../../errors/error-code.js';
import { formatGoDuration } from '../../logical/go-duration.js';
import type { LogicalRequest } from '../../logical/logical-request.js';
import type { LogicalResponse } from '../../logical/logical-response.js';
import type { FieldValues, PathSpec } from '../../logical/path-spec.js';
import { parseCustomMetadata, validateCustomMetadata } from './custom-metadata.js';
import { customMetadataView, emptyKeyMetadata, type KeyMetadata } from './key-metadata.js';
import type { KvV2Context } from './kv-v2-context.js';
import { KvV2Store } from './kv-v2-store.js';
import { formatRfc3339Nano } from './rfc3339-nano.js';

const CAS_IGNORED_WARNING =
  '"cas_required" set to false, but is mandated by backend config. This value will be ignored.';

const SETTINGS = ['max_versions', 'cas_required', 'delete_version_after', 'custom_metadata'] as const;

/**
 * `metadata/<path>`: read a key's metadata and version list, list keys, write or merge-patch the
 * key settings (no new version), delete the key with every version.
 */
export function kvV2MetadataPath(ctx: KvV2Context): PathSpec {
  return {
    pattern: 'metadata/(?<path>.*)',
    fields: {
      path: { type: 'string', description: 'Location of the secret.' },
      cas_required: { type: 'bool', description: 'Require the cas option on writes of this key.' },
      max_versions: { type: 'int', description: "Versions to keep (0 = the mount's setting)." },
      delete_version_after: {
        type: 'duration',
        description: 'Delete versions this long after writing; 0 clears.',
      },
      custom_metadata: {
        type: 'map',
        description: 'Arbitrary string key/value pairs describing the secret.',
      },
    },
    existenceCheck: async (req, fields) =>
      (await new KvV2Store(req.storage).metadata(pathOf(fields))) !== undefined,
    operations: {
      read: async (req, fields) => {
        const meta = await new KvV2Store(req.storage).metadata(pathOf(fields));
        return meta === undefined ? undefined : { data: metadataView(meta) };
      },

      list: async (req, fields) => {
        const path = pathOf(fields);
        const prefix = path === '' || path.endsWith('/') ? path : `${path}/`;
        const keys = await new KvV2Store(req.storage).listMetadata(prefix);
        return keys.length === 0 ? undefined : { data: { keys } };
      },

      update: async (req, fields) => {
        const path = pathOf(fields);
        if (path === '') throw new CofferError(ErrorCode.BadRequest, 'missing path');
        if (!SETTINGS.some((name) => fields[name] !== undefined)) return undefined;
        let customMetadata: Record<string, string> | undefined;
        const rawCustom = fields['custom_metadata'] as Record<string, unknown> | undefined;
        if (rawCustom !== undefined) {
          customMetadata = parseCustomMetadata(rawCustom, false);
          validateCustomMetadata(customMetadata);
        }
        const store = new KvV2Store(req.storage);
        const response = await casWarning(store, fields);
        await ctx.locks.run(path, async () => {
          const current = (await store.metadata(path)) ?? emptyKeyMetadata(ctx.now());
          const next: KeyMetadata = {
            ...current,
            maxVersions: (fields['max_versions'] as number | undefined) ?? current.maxVersions,
            casRequired: (fields['cas_required'] as boolean | undefined) ?? current.casRequired,
            deleteVersionAfter:
              (fields['delete_version_after'] as number | undefined) ?? current.deleteVersionAfter,
            customMetadata: customMetadata ?? current.customMetadata,
          };
          await store.putMetadata(path, next);
        });
        return response;
      },

      patch: async (req, fields) => {
        const path = pathOf(fields);
        if (path === '') throw new CofferError(ErrorCode.BadRequest, 'missing path');
        const rawCustom = fields['custom_metadata'] as Record<string, unknown> | undefined;
        if (rawCustom !== undefined) validateCustomMetadata(parseCustomMetadata(rawCustom, true));
        const store = new KvV2Store(req.storage);
        const response = await casWarning(store, fields);
        await ctx.locks.run(path, async () => {
          const current = await store.metadata(path);
          if (current === undefined) throw new CofferError(ErrorCode.NotFound, '');
          const next = patchMetadata(current, req, fields);
          if (next.customMetadata !== null) validateCustomMetadata(next.customMetadata);
          await store.putMetadata(path, next);
        });
        return response;
      },

      delete: (req, fields) => {
        const path = pathOf(fields);
        return ctx.locks.run(path, async () => {
          const store = new KvV2Store(req.storage);
          const meta = await store.metadata(path);
          if (meta === undefined) return undefined;
          for (const version of Object.keys(meta.versions))
            await store.deleteVersionData(path, Number(version));
          await store.deleteMetadata(path);
          return undefined;
        });
      },
    },
  };
}

function pathOf(fields: FieldValues): string {
  return fields['path'] as string;
}

/** Vault warns (and ignores the value) when a key turns cas_required off that the mount requires. */
async function casWarning(store: KvV2Store, fields: FieldValues): Promise<LogicalResponse | undefined> {
  if (fields['cas_required'] !== false) return undefined;
  const config = await store.config();
  return config.casRequired ? { warnings: [CAS_IGNORED_WARNING] } : undefined;
}

/**
 * RFC 7386 over the key settings: members absent from the request keep their value; `null`
 * resets a setting (custom_metadata: removes it, or one entry when nested).
 */
function patchMetadata(current: KeyMetadata, req: LogicalRequest, fields: FieldValues): KeyMetadata {
  const has = (name: string): boolean => Object.hasOwn(req.data, name);
  let customMetadata = current.customMetadata;
  if (has('custom_metadata')) {
    const patch = fields['custom_metadata'] as Record<string, unknown> | undefined;
    if (patch === undefined) {
      customMetadata = null;
    } else {
      const merged: Record<string, string> = { ...(current.customMetadata ?? {}) };
      const additions = parseCustomMetadata(patch, true);
      for (const [key, value] of Object.entries(patch)) if (value === null) delete merged[key];
      for (const [key, value] of Object.entries(additions)) {
        Object.defineProperty(merged, key, { value, enumerable: true, writable: true, configurable: true });
      }
      customMetadata = merged;
    }
  }
  return {
    ...current,
    maxVersions: has('max_versions')
      ? ((fields['max_versions'] as number | undefined) ?? 0)
      : current.maxVersions,
    casRequired: has('cas_required')
      ? ((fields['cas_required'] as boolean | undefined) ?? false)
      : current.casRequired,
    deleteVersionAfter: has('delete_version_after')
      ? ((fields['delete_version_after'] as number | undefined) ?? 0)
      : current.deleteVersionAfter,
    customMetadata,
  };
}

function metadataView(meta: KeyMetadata): Record<string, unknown> {
  const versions: Record<string, unknown> = {};
  for (const [version, vm] of Object.entries(meta.versions)) {
    versions[version] = {
      created_time: formatRfc3339Nano(vm.createdTime),
      deletion_time: vm.deletionTime === null ? '' : formatRfc3339Nano(vm.deletionTime),
      destroyed: vm.destroyed,
    };
  }
  return {
    cas_required: meta.casRequired,
    created_time: formatRfc3339Nano(meta.createdTime),
    current_version: meta.currentVersion,
    custom_metadata: customMetadataView(meta),
    delete_version_after: formatGoDuration(meta.deleteVersionAfter),
    max_versions: meta.maxVersions,
    oldest_version: meta.oldestVersion,
    updated_time: formatRfc3339Nano(meta.updatedTime),
    versions,
  };
}
