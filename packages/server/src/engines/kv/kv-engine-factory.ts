import { CofferError } from '../../errors/coffer-error.js';
import { ErrorCode } from '../../errors/error-code.js';
import type { Engine, EngineFactory, MountInfo } from '../../logical/engine.js';
import { createKvV1Engine } from './kv-v1-engine.js';
import { createKvV2Engine } from './kv-v2-engine.js';

export interface KvEngineOptions {
  /** Wall clock in Unix milliseconds; defaults to `Date.now`. */
  readonly now?: () => number;
}

/**
 * The `kv` engine type: mount option `version` "2" selects KV v2 (versioned); absent, "" or "1"
 * selects KV v1. Anything else is refused (400).
 */
export function createKvEngineFactory(options: KvEngineOptions = {}): EngineFactory {
  const now = options.now ?? Date.now;
  return {
    type: 'kv',
    async create(mount: MountInfo): Promise<Engine> {
      const version = mount.options['version'] ?? '';
      switch (version) {
        case '':
        case '1':
          return createKvV1Engine();
        case '2':
          return createKvV2Engine(now);
        default:
          throw new CofferError(ErrorCode.BadRequest, `unsupported kv version "${version}": use "1" or "2"`);
      }
    },
  };
}

export const kvEngineFactory: EngineFactory = createKvEngineFactory();
