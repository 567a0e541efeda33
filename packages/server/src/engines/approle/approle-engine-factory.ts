import type { StorageView } from '@coffer/barrier';
import type { Engine, EngineFactory } from '../../logical/engine.js';
import type { TokenStore } from '../../tokens/index.js';
import type { AppRoleContext } from './approle-context.js';
import { approleLoginPath } from './approle-login-path.js';
import { approleRolePaths } from './approle-role-paths.js';
import { approleSecretIdPaths } from './approle-secret-id-paths.js';
import { AppRoleStore, type AppRoleLogger, type SecretIdTidyReport } from './approle-store.js';
import { approleTidyPath } from './approle-tidy-path.js';

export interface AppRoleEngineDeps {
  /**
   * Mints the login tokens (orphans) and gives the system max lease TTL. The core makes a new
   * TokenStore on every unseal: pass the store itself when building the factory per runtime,
   * or a getter when registering once.
   */
  readonly tokens: TokenStore | (() => TokenStore);
  /** Clock, Unix ms (secret ID expiry). Defaults to the token store's clock. */
  readonly now?: () => number;
  /** pino-compatible; tidy reports here. Secrets are never logged. */
  readonly logger?: AppRoleLogger;
}

/** An AppRole mount's engine, plus tidy hooks (the core may run `tidySecretIds` periodically, as Vault does every minute). */
export interface AppRoleEngine extends Engine {
  /** Runs a tidy of expired secret IDs and dangling indexes now. */
  tidySecretIds(): Promise<SecretIdTidyReport>;
  /** The background tidy started by `tidy/secret-id`, while it runs. */
  tidyInFlight(): Promise<SecretIdTidyReport> | undefined;
}

/** Builds the engine for one mount over its storage view (the view given here is the one used). */
export function createAppRoleEngine(deps: AppRoleEngineDeps, storage: StorageView): AppRoleEngine {
  const source = deps.tokens;
  const tokens = typeof source === 'function' ? source : (): TokenStore => source;
  const now = deps.now ?? ((): number => tokens().now());
  const ctx: AppRoleContext = {
    store: new AppRoleStore(storage, now),
    tokens,
    logger: deps.logger,
    tidy: undefined,
  };
  return {
    paths: [
      ...approleRolePaths(ctx),
      ...approleSecretIdPaths(ctx),
      approleLoginPath(ctx),
      approleTidyPath(ctx),
    ],
    tidySecretIds: () => ctx.store.tidy(ctx.logger),
    tidyInFlight: () => ctx.tidy,
  };
}

/**
 * The `approle` auth method: mount it at `auth/<path>/` (e.g. `auth/approle/`). `login` is
 * unauthenticated. State lives in the mount's storage view (see AppRoleStore).
 */
export function approleEngineFactory(deps: AppRoleEngineDeps): EngineFactory {
  return {
    type: 'approle',
    create: async (_mount, storage): Promise<AppRoleEngine> => createAppRoleEngine(deps, storage),
  };
}
