import type { PathSpec } from '../../logical/path-spec.js';
import type { KvV2Context } from './kv-v2-context.js';
import { KvV2Store } from './kv-v2-store.js';
import { readLiveVersion } from './read-live-version.js';

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
          const requested = (fields['version'] as number | undefined) ?? 0;
          const live = await readLiveVersion(
            new KvV2Store(req.storage),
            path,
            requested,
            ctx.now(),
            'subkeys',
          );
          if (live === undefined) return undefined;
          const depth = (fields['depth'] as number | undefined) ?? 0;
          return {
            data: {
              subkeys: stripValues(live.data, 1, depth > 0 ? depth : MAX_DEPTH),
              metadata: live.metadata,
            },
          };
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
