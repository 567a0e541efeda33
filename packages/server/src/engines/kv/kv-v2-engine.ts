import type { Engine } from '../../logical/engine.js';
import { KeyedMutex } from '../../logical/keyed-mutex.js';
import { kvV2ConfigPath } from './kv-v2-config-path.js';
import type { KvV2Context } from './kv-v2-context.js';
import { kvV2DataPath } from './kv-v2-data-path.js';
import { kvV2InvalidPath } from './kv-v2-invalid-path.js';
import { kvV2MetadataPath } from './kv-v2-metadata-path.js';
import { kvV2SubkeysPath } from './kv-v2-subkeys-path.js';
import { kvV2VersionPaths } from './kv-v2-version-paths.js';

/** A KV v2 (versioned) engine for one mount. Path order matters: the catch-all comes last. */
export function createKvV2Engine(now: () => number): Engine {
  const ctx: KvV2Context = { now, locks: new KeyedMutex() };
  return {
    paths: [
      kvV2ConfigPath(ctx),
      kvV2DataPath(ctx),
      kvV2MetadataPath(ctx),
      kvV2SubkeysPath(ctx),
      ...kvV2VersionPaths(ctx),
      kvV2InvalidPath(),
    ],
  };
}
