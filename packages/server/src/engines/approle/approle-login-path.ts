import type { PathSpec } from '../../logical/path-spec.js';
import { addressAllowed, cidrsSubset } from '../userpass/cidr-list.js';
import {
  bad,
  checkTokenBoundCidrs,
  fieldInput,
  issueLoginToken,
  loginDisplayName,
  stringOf,
} from '../userpass/token-params.js';
import type { AppRoleContext } from './approle-context.js';
import { invalidCredentials } from './approle-store.js';

/**
 * `login` (unauthenticated): `role_id` (+ `secret_id` when the role binds one) → an orphan token
 * with the role's `token_*` settings and metadata `{role_name, ...secret ID metadata}`.
 *
 * Every CIDR binding is checked before a use of the secret ID is taken, so requests from the
 * wrong network cannot burn a use-limited secret ID (Vault checks the secret ID's own list only
 * after decrementing). Unknown role IDs and unknown, expired or spent secret IDs all answer
 * 400 `invalid role or secret ID`.
 */
export function approleLoginPath(ctx: AppRoleContext): PathSpec {
  return {
    pattern: 'login',
    unauthenticated: true,
    fields: {
      role_id: { type: 'string', description: 'Role ID of the role' },
      secret_id: { type: 'string', default: '', description: 'A secret ID of the role' },
    },
    operations: {
      update: async (req, fields) => {
        const input = fieldInput(req, fields);
        const roleId = stringOf(input, 'role_id').trim();
        if (roleId === '') throw bad('missing role_id');
        const role = await ctx.store.roleForRoleId(roleId);
        if (role === undefined) throw invalidCredentials();

        const address = req.clientAddress;
        if (role.secretIdBoundCidrs.length > 0 && !addressAllowed(address, role.secretIdBoundCidrs)) {
          throw bad(
            `source address ${JSON.stringify(address)} unauthorized by CIDR restrictions on the role`,
          );
        }

        let token = role.token;
        let metadata: Record<string, string> = {};
        if (role.bindSecretId) {
          const secretId = stringOf(input, 'secret_id').trim();
          if (secretId === '') throw bad('missing secret_id');
          const entry = await ctx.store.consumeSecretId(role, secretId, (e) => {
            if (!cidrsSubset(e.cidrList, role.secretIdBoundCidrs)) {
              throw bad(
                'failed to verify subset relationship between CIDR blocks on the role and CIDR blocks on the secret ID',
              );
            }
            if (e.cidrList.length > 0 && !addressAllowed(address, e.cidrList)) {
              throw bad(
                `source address ${JSON.stringify(address)} unauthorized through CIDR restrictions on the secret ID`,
              );
            }
            checkTokenBoundCidrs(
              e.tokenBoundCidrs.length > 0 ? { ...token, tokenBoundCidrs: e.tokenBoundCidrs } : token,
              address,
            );
          });
          metadata = { ...entry.metadata };
          if (entry.tokenBoundCidrs.length > 0) token = { ...token, tokenBoundCidrs: entry.tokenBoundCidrs };
        } else {
          checkTokenBoundCidrs(token, address);
        }

        return issueLoginToken(ctx.tokens(), token, {
          path: req.fullPath,
          displayName: loginDisplayName(req.mountPoint, ''),
          meta: { ...metadata, role_name: role.name },
        });
      },
    },
  };
}
