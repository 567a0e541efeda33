import type { Engine, EngineFactory } from '../logical/engine.js';
import { tokenPaths } from './token-paths.js';
import { tokenRolePaths } from './token-role-paths.js';
import type { TokenStore } from './token-store.js';

/**
 * The `token` engine type, mounted once at `auth/token/`. Its state lives in the token store
 * (the `sys/token/` view), so the mount's own storage view is not used.
 */
export function tokenEngineFactory(store: TokenStore): EngineFactory {
  return {
    type: 'token',
    create: async (): Promise<Engine> => ({ paths: [...tokenPaths(store), ...tokenRolePaths(store)] }),
  };
}
