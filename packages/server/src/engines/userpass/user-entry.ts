import type { StorageView } from '@coffer/barrier';
import { getJson, putJson } from '../../logical/storage-json.js';
import type { PasswordHash } from './password-hash.js';
import { decodeTokenParams, tokenParamsData, type TokenParams } from './token-params.js';

/** Storage prefix of user records in the mount's view: `user/<lower-cased name>`. */
export const USER_PREFIX = 'user/';

/** Deprecated spellings Vault still reads back when they were set (`policies`, `ttl`, ...). */
export interface LegacyUserFields {
  readonly policies: readonly string[];
  readonly ttl: number;
  readonly maxTtl: number;
  readonly boundCidrs: readonly string[];
}

/** A userpass user as stored. Holds a slow salted hash of the password, never the password. */
export interface UserEntry {
  readonly password: PasswordHash | undefined;
  readonly token: TokenParams;
  readonly legacy: LegacyUserFields;
}

interface StoredUser {
  readonly v: 1;
  readonly password?: PasswordHash;
  readonly token?: Partial<TokenParams>;
  readonly legacy?: Partial<LegacyUserFields>;
}

export const EMPTY_LEGACY: LegacyUserFields = Object.freeze({
  policies: [],
  ttl: 0,
  maxTtl: 0,
  boundCidrs: [],
});

/** Vault stores (and looks up) user names lower-cased. */
export function normalizeUsername(name: string): string {
  return name.toLowerCase();
}

export async function readUser(storage: StorageView, username: string): Promise<UserEntry | undefined> {
  if (username === '') return undefined;
  const stored = await getJson<StoredUser>(storage, USER_PREFIX + normalizeUsername(username));
  if (stored === undefined) return undefined;
  return {
    password: stored.password,
    token: decodeTokenParams(stored.token),
    legacy: { ...EMPTY_LEGACY, ...(stored.legacy ?? {}) },
  };
}

export async function writeUser(storage: StorageView, username: string, entry: UserEntry): Promise<void> {
  const stored: StoredUser = {
    v: 1,
    ...(entry.password === undefined ? {} : { password: entry.password }),
    token: entry.token,
    legacy: entry.legacy,
  };
  await putJson(storage, USER_PREFIX + normalizeUsername(username), stored);
}

export async function deleteUser(storage: StorageView, username: string): Promise<void> {
  await storage.delete(USER_PREFIX + normalizeUsername(username));
}

export async function listUsers(storage: StorageView): Promise<string[]> {
  return (await storage.list(USER_PREFIX)).filter((k) => !k.endsWith('/'));
}

/** The `data` of `GET users/:name`: the `token_*` fields plus set legacy fields; no password. */
export function userData(entry: UserEntry): Record<string, unknown> {
  const data = tokenParamsData(entry.token);
  if (entry.legacy.ttl > 0) data['ttl'] = entry.legacy.ttl;
  if (entry.legacy.maxTtl > 0) data['max_ttl'] = entry.legacy.maxTtl;
  if (entry.legacy.policies.length > 0) data['policies'] = [...entry.token.tokenPolicies];
  if (entry.legacy.boundCidrs.length > 0) data['bound_cidrs'] = [...entry.legacy.boundCidrs];
  return data;
}
