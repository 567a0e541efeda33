import type { Engine, EngineFactory } from '../../logical/engine.js';
import { KeyedMutex } from '../../logical/keyed-mutex.js';
import type { TokenStore } from '../../tokens/index.js';
import { DEFAULT_SCRYPT_PARAMS, validScryptParams, type ScryptParams } from './password-hash.js';
import { userpassLoginPath } from './userpass-login-path.js';
import { userpassUserPaths } from './userpass-user-paths.js';

export interface UserpassEngineDeps {
  /**
   * Mints the login tokens (orphans). The core makes a new TokenStore on every unseal: pass
   * the store itself when building the factory per runtime, or a getter when registering once.
   */
  readonly tokens: TokenStore | (() => TokenStore);
  /** Clock, Unix ms. Accepted for symmetry with AppRole; userpass keeps no time-based state. */
  readonly now?: () => number;
  /** scrypt cost for new hashes (default N=2^15, r=8, p=1). Tests lower it; raise it in production. */
  readonly scrypt?: ScryptParams;
}

/**
 * The `userpass` auth method: mount it at `auth/<path>/` (e.g. `auth/userpass/`). State lives in
 * the mount's storage view (`user/<name>`). `login/*` is unauthenticated.
 */
export function userpassEngineFactory(deps: UserpassEngineDeps): EngineFactory {
  const scrypt = deps.scrypt ?? DEFAULT_SCRYPT_PARAMS;
  if (!validScryptParams(scrypt)) throw new RangeError('invalid scrypt parameters');
  return {
    type: 'userpass',
    create: async (): Promise<Engine> => {
      const ctx = { scrypt, locks: new KeyedMutex() };
      const tokens = deps.tokens;
      const tokenStore = typeof tokens === 'function' ? tokens : (): TokenStore => tokens;
      return { paths: [...userpassUserPaths(ctx), userpassLoginPath(ctx, tokenStore)] };
    },
  };
}
