import { CofferError } from '../../errors/coffer-error.js';
import { ErrorCode } from '../../errors/error-code.js';
import type { PathSpec } from '../../logical/path-spec.js';
import type { TokenStore } from '../../tokens/index.js';
import { GENERIC_NAME } from './generic-name.js';
import { hashPassword, needsRehash, verifyPassword, type PasswordHash } from './password-hash.js';
import { bad, checkTokenBoundCidrs, issueLoginToken, loginDisplayName } from './token-params.js';
import { normalizeUsername, readUser, writeUser } from './user-entry.js';
import type { UserpassContext } from './userpass-user-paths.js';

/** Vault's answer to every failed login: the same 400 for an unknown user and a wrong password. */
export const INVALID_USERNAME_OR_PASSWORD = 'invalid username or password';

/**
 * `login/:username` (unauthenticated): verifies the password and mints an orphan token with the
 * user's `token_*` settings; metadata `{username}`, display name `<mount>-<username>`.
 *
 * An unknown user costs the same scrypt work as a known one (a hash against a dummy), so the
 * response time does not reveal which user names exist.
 */
export function userpassLoginPath(ctx: UserpassContext, tokens: () => TokenStore): PathSpec {
  return {
    pattern: `login/(?<username>${GENERIC_NAME})`,
    unauthenticated: true,
    fields: {
      username: { type: 'string', description: 'Username of the user' },
      password: { type: 'string', description: 'Password of the user' },
    },
    operations: {
      update: async (req, fields) => {
        const username = normalizeUsername(typeof fields['username'] === 'string' ? fields['username'] : '');
        const password = typeof fields['password'] === 'string' ? fields['password'] : '';
        if (username === '') throw bad('missing username');
        if (password === '') throw bad('missing password');

        const user = await readUser(req.storage, username);
        const ok = await verifyPassword(password, user?.password, ctx.scrypt);
        if (!ok || user === undefined)
          throw new CofferError(ErrorCode.InvalidCredentials, INVALID_USERNAME_OR_PASSWORD);

        checkTokenBoundCidrs(user.token, req.clientAddress);
        if (user.password !== undefined && needsRehash(user.password, ctx.scrypt)) {
          await upgradeHash(ctx, req.storage, username, user.password, password);
        }
        return issueLoginToken(tokens(), user.token, {
          path: req.fullPath,
          displayName: loginDisplayName(req.mountPoint, username),
          meta: { username },
        });
      },
    },
  };
}

/** Re-hashes with the current parameters, unless the password changed meanwhile. */
async function upgradeHash(
  ctx: UserpassContext,
  storage: Parameters<typeof readUser>[0],
  username: string,
  verified: PasswordHash,
  password: string,
): Promise<void> {
  const hash = await hashPassword(password, ctx.scrypt);
  await ctx.locks.run(username, async () => {
    const current = await readUser(storage, username);
    if (current?.password?.hash !== verified.hash) return;
    await writeUser(storage, username, { ...current, password: hash });
  });
}
