import type { PathSpec } from '../../logical/path-spec.js';
import type { AppRoleContext } from './approle-context.js';

export const TIDY_STARTED =
  "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.";
export const TIDY_IN_PROGRESS = 'Tidy operation already in progress.';

/**
 * `tidy/secret-id`: starts a background sweep of expired secret IDs and dangling indexes and
 * answers 202 at once (as Vault); a second request while one runs gets a warning instead.
 */
export function approleTidyPath(ctx: AppRoleContext): PathSpec {
  return {
    pattern: 'tidy/secret-id',
    fields: {},
    operations: {
      update: async () => {
        if (ctx.tidy !== undefined) return { warnings: [TIDY_IN_PROGRESS] };
        const run = ctx.store.tidy(ctx.logger).finally(() => {
          if (ctx.tidy === run) ctx.tidy = undefined;
        });
        ctx.tidy = run;
        run.catch((err: unknown) => {
          ctx.logger?.warn(
            { error_name: err instanceof Error ? err.name : typeof err },
            'approle tidy failed',
          );
        });
        return { status: 202, warnings: [TIDY_STARTED] };
      },
    },
  };
}
