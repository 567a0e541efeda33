import { CofferError } from '../../errors/coffer-error.js';
import { ErrorCode } from '../../errors/error-code.js';
import type { PathSpec } from '../../logical/path-spec.js';
import { isSoftDeleted, versionMetadataOf, versionView } from './key-metadata.js';
import type { KvV2Context } from './kv-v2-context.js';
import { KvV2Store } from './kv-v2-store.js';

/** Vault's ceiling on subkeys nesting when `depth` is 0 (unlimited). */
const MAX_DEPTH = 100;

/**
 * `subkeys/<path>`: the structure of a version with every leaf value replaced by null
 * (`depth` limits nesting: keys at that depth become leaves; 0 = no limit).
 */
export function kvV2SubkeysPath(ctx: KvV2Context): PathSpec {
  return {
    pattern: 'subkeys/(?<path>.*)',
    fields: {
      path: { type: 'string', description: 'Location of the secret.' },
      version: { type: 'int', description: 'Version to read; the current one when absent or 0.' },
      depth: { type: 'int', description: 'Deepest nesting level to return; 0 = no limit.' },
    },
    operations: {
      read: (req, fields) => {
        const path = fields['path'] as string;
        return ctx.locks.run(path, async () => {
          const store = new KvV2Store(req.storage);
          const meta = await store.metadata(path);
          if (meta === undefined) return undefined;
          const requested = (fields['version'] as number | undefined) ?? 0;
          const version = requested > 0 ? requested : meta.currentVersion;
          const vm = versionMetadataOf(meta, version);
          if (vm === undefined) return undefined;
          const metadata = versionView(meta, version, vm);
          if (vm.destroyed || isSoftDeleted(vm, ctx.now())) {
            throw new CofferError(ErrorCode.NotFound, '', { data: { subkeys: null, metadata } });
          }
          const data = await store.versionData(path, version);
          if (data === undefined) throw new CofferError(ErrorCode.Internal, 'could not find version data');
          const depth = (fields['depth'] as number | undefined) ?? 0;
          return { data: { subkeys: stripValues(data, 1, depth > 0 ? depth : MAX_DEPTH), metadata } };
        });
      },
    },
  };
}

/** Copies the key structure; non-empty objects above `maxDepth` recurse, everything else is null. */
function stripValues(
  input: Readonly<Record<string, unknown>>,
  depth: number,
  maxDepth: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const nested =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.keys(value).length > 0 &&
      depth + 1 <= maxDepth;
    Object.defineProperty(out, key, {
      value: nested ? stripValues(value as Record<string, unknown>, depth + 1, maxDepth) : null,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
