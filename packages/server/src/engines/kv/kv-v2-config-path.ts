import { formatGoDuration } from '../../logical/go-duration.js';
import type { PathSpec } from '../../logical/path-spec.js';
import { CONFIG_LOCK, type KvV2Context } from './kv-v2-context.js';
import { KvV2Store } from './kv-v2-store.js';

/** `config`: mount-wide max_versions, cas_required, delete_version_after. */
export function kvV2ConfigPath(ctx: KvV2Context): PathSpec {
  return {
    pattern: 'config',
    fields: {
      max_versions: { type: 'int', description: 'Versions to keep per key (0 = 10).' },
      cas_required: { type: 'bool', description: 'Require the cas option on every write.' },
      delete_version_after: {
        type: 'duration',
        signed: true,
        description: 'Delete versions this long after writing; 0 clears, negative disables for every key.',
      },
    },
    operations: {
      read: async (req) => {
        const config = await new KvV2Store(req.storage).config();
        return {
          data: {
            cas_required: config.casRequired,
            delete_version_after: formatGoDuration(config.deleteVersionAfter),
            max_versions: config.maxVersions,
          },
        };
      },
      update: async (req, fields) => {
        const maxVersions = fields['max_versions'] as number | undefined;
        const casRequired = fields['cas_required'] as boolean | undefined;
        const dva = fields['delete_version_after'] as number | undefined;
        if (maxVersions === undefined && casRequired === undefined && dva === undefined) return undefined;
        await ctx.locks.run(CONFIG_LOCK, async () => {
          const store = new KvV2Store(req.storage);
          const config = await store.config();
          await store.putConfig({
            maxVersions: maxVersions ?? config.maxVersions,
            casRequired: casRequired ?? config.casRequired,
            // Any negative value disables (stored as -1s, as Vault does).
            deleteVersionAfter: dva === undefined ? config.deleteVersionAfter : dva < 0 ? -1 : dva,
          });
        });
        return undefined;
      },
    },
  };
}
