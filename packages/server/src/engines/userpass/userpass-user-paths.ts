import type { FieldSpecs } from '../../logical/field-spec.js';
import type { KeyedMutex } from '../../logical/keyed-mutex.js';
import type { LogicalRequest } from '../../logical/logical-request.js';
import type { LogicalResponse } from '../../logical/logical-response.js';
import type { FieldValues, PathSpec } from '../../logical/path-spec.js';
import { GENERIC_NAME } from './generic-name.js';
import { hashPassword, type PasswordHash, type ScryptParams } from './password-hash.js';
import {
  DEFAULT_TOKEN_PARAMS,
  TOKEN_FIELDS,
  bad,
  checkTtlOrder,
  cidrListOf,
  fieldInput,
  numberOf,
  parseLegacyPolicies,
  parseTokenFields,
  stringOf,
  upgradeLegacy,
  type FieldInput,
} from './token-params.js';
import {
  EMPTY_LEGACY,
  deleteUser,
  listUsers,
  normalizeUsername,
  readUser,
  userData,
  writeUser,
  type UserEntry,
} from './user-entry.js';

/** What the userpass paths share: password-hash cost and the per-user write lock. */
export interface UserpassContext {
  readonly scrypt: ScryptParams;
  /** Serialises read-modify-write of one user (keys are lower-cased user names). */
  readonly locks: KeyedMutex;
}

const USERNAME_FIELD: FieldSpecs = { username: { type: 'string', description: 'Username of the user' } };

const USER_FIELDS: FieldSpecs = {
  ...USERNAME_FIELD,
  password: { type: 'string', description: 'Password of the user (stored only as a slow salted hash)' },
  policies: { type: 'comma-string-slice', description: "Deprecated: use 'token_policies'" },
  ttl: { type: 'duration', description: "Deprecated: use 'token_ttl'" },
  max_ttl: { type: 'duration', description: "Deprecated: use 'token_max_ttl'" },
  bound_cidrs: { type: 'comma-string-slice', description: "Deprecated: use 'token_bound_cidrs'" },
  ...TOKEN_FIELDS,
};

function usernameOf(fields: FieldValues): string {
  const v = fields['username'];
  return typeof v === 'string' ? normalizeUsername(v) : '';
}

/** The `token_*` fields plus Vault's upgrade of the deprecated ones, applied to `current`. */
function applyUserFields(current: UserEntry | undefined, input: FieldInput): Omit<UserEntry, 'password'> {
  let token = parseTokenFields(current?.token ?? DEFAULT_TOKEN_PARAMS, input);
  const legacy = { ...(current?.legacy ?? EMPTY_LEGACY) };

  const policies = upgradeLegacy(
    input,
    'policies',
    'token_policies',
    legacy.policies,
    token.tokenPolicies,
    [],
    () => parseLegacyPolicies(input, 'policies'),
  );
  const ttl = upgradeLegacy(input, 'ttl', 'token_ttl', legacy.ttl, token.tokenTtl, 0, () =>
    numberOf(input, 'ttl'),
  );
  const maxTtl = upgradeLegacy(input, 'max_ttl', 'token_max_ttl', legacy.maxTtl, token.tokenMaxTtl, 0, () =>
    numberOf(input, 'max_ttl'),
  );
  const cidrs = upgradeLegacy(
    input,
    'bound_cidrs',
    'token_bound_cidrs',
    legacy.boundCidrs,
    token.tokenBoundCidrs,
    [],
    () =>
      cidrListOf(input, 'bound_cidrs', (x) => `error parsing bound_cidrs: invalid address or CIDR "${x}"`),
  );
  token = {
    ...token,
    tokenPolicies: policies.next,
    tokenTtl: ttl.next,
    tokenMaxTtl: maxTtl.next,
    tokenBoundCidrs: cidrs.next,
  };
  checkTtlOrder(token);
  return {
    token,
    legacy: { policies: policies.legacy, ttl: ttl.legacy, maxTtl: maxTtl.legacy, boundCidrs: cidrs.legacy },
  };
}

/** `users` (LIST), `users/:username` (CRUD), `users/:username/password`, `users/:username/policies`. */
export function userpassUserPaths(ctx: UserpassContext): PathSpec[] {
  const writeUserHandler = async (
    req: LogicalRequest,
    fields: FieldValues,
  ): Promise<LogicalResponse | undefined> => {
    const username = usernameOf(fields);
    if (username === '') throw bad('missing username');
    const input = fieldInput(req, fields);
    const password = stringOf(input, 'password');
    if (req.operation === 'create' && password === '') throw bad('missing password');
    // Validate cheap things before the slow hash, and hash outside the lock.
    applyUserFields(undefined, input);
    const hash: PasswordHash | undefined =
      password === '' ? undefined : await hashPassword(password, ctx.scrypt);
    await ctx.locks.run(username, async () => {
      const existing = await readUser(req.storage, username);
      if (existing === undefined && hash === undefined) throw bad('missing password');
      const next = applyUserFields(existing, input);
      await writeUser(req.storage, username, { password: hash ?? existing?.password, ...next });
    });
    return undefined;
  };

  return [
    {
      pattern: 'users/?',
      fields: {},
      operations: {
        list: async (req) => ({ data: { keys: await listUsers(req.storage) } }),
      },
    },
    {
      pattern: `users/(?<username>${GENERIC_NAME})`,
      fields: USER_FIELDS,
      existenceCheck: async (req, fields) => (await readUser(req.storage, usernameOf(fields))) !== undefined,
      operations: {
        read: async (req, fields) => {
          const user = await readUser(req.storage, usernameOf(fields));
          return user === undefined ? undefined : { data: userData(user) };
        },
        create: writeUserHandler,
        update: writeUserHandler,
        delete: async (req, fields) => {
          const username = usernameOf(fields);
          await ctx.locks.run(username, () => deleteUser(req.storage, username));
          return undefined;
        },
      },
    },
    {
      pattern: `users/(?<username>${GENERIC_NAME})/password`,
      fields: {
        ...USERNAME_FIELD,
        password: { type: 'string', description: 'The new password (stored only as a slow salted hash)' },
      },
      operations: {
        update: async (req, fields) => {
          const username = usernameOf(fields);
          const password = typeof fields['password'] === 'string' ? fields['password'] : '';
          if (password === '') throw bad('missing password');
          if ((await readUser(req.storage, username)) === undefined) throw bad('username does not exist');
          const hash = await hashPassword(password, ctx.scrypt);
          await ctx.locks.run(username, async () => {
            const user = await readUser(req.storage, username);
            if (user === undefined) throw bad('username does not exist');
            await writeUser(req.storage, username, { ...user, password: hash });
          });
          return undefined;
        },
      },
    },
    {
      pattern: `users/(?<username>${GENERIC_NAME})/policies`,
      fields: {
        ...USERNAME_FIELD,
        policies: { type: 'comma-string-slice', description: "Deprecated: use 'token_policies'" },
        token_policies: TOKEN_FIELDS['token_policies'] ?? { type: 'comma-string-slice' },
      },
      operations: {
        update: async (req, fields) => {
          const username = usernameOf(fields);
          const input = fieldInput(req, fields);
          await ctx.locks.run(username, async () => {
            const user = await readUser(req.storage, username);
            if (user === undefined) throw bad('username does not exist');
            const next = applyUserFields(user, input);
            await writeUser(req.storage, username, { ...user, ...next });
          });
          return undefined;
        },
      },
    },
  ];
}
