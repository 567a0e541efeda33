import { CofferError } from '../../errors/coffer-error.js';
import { ErrorCode } from '../../errors/error-code.js';
import type { FieldSpec } from '../../logical/field-spec.js';
import type { FieldValues } from '../../logical/path-spec.js';
import type { TokenStore } from '../../tokens/index.js';
import { GENERIC_NAME } from '../userpass/generic-name.js';
import { bad } from '../userpass/token-params.js';
import { MAX_HMAC_INPUT_LENGTH, type AppRole } from './approle-role.js';
import type { AppRoleLogger, AppRoleStore, SecretIdTidyReport } from './approle-store.js';

/** What the AppRole paths of one mount share. */
export interface AppRoleContext {
  readonly store: AppRoleStore;
  /** The token store of the current runtime (it is replaced on every unseal). */
  readonly tokens: () => TokenStore;
  readonly logger: AppRoleLogger | undefined;
  /** The background tidy started by `tidy/secret-id`, while it runs. */
  tidy: Promise<SecretIdTidyReport> | undefined;
}

/** `role/<name>` as a path-pattern source with the `role_name` capture. */
export const ROLE_PATH = `role/(?<role_name>${GENERIC_NAME})`;

export const ROLE_NAME_FIELD: FieldSpec = {
  type: 'string',
  description: `Name of the role. Must be less than ${MAX_HMAC_INPUT_LENGTH} bytes.`,
};

/** The role name of a request, lower-cased as Vault stores it; 400 when empty or too long. */
export function roleNameOf(fields: FieldValues): string {
  const raw = fields['role_name'];
  const name = typeof raw === 'string' ? raw.toLowerCase() : '';
  if (name === '') throw bad('missing role_name');
  if (name.length > MAX_HMAC_INPUT_LENGTH)
    throw bad(`role_name is longer than maximum of ${MAX_HMAC_INPUT_LENGTH} bytes`);
  return name;
}

export function roleNotFound(name: string): CofferError {
  return new CofferError(ErrorCode.NotFound, `role "${name}" does not exist`);
}

/** Reads a role that must exist (404 `role "x" does not exist` otherwise). */
export async function existingRole(ctx: AppRoleContext, name: string): Promise<AppRole> {
  const role = await ctx.store.readRole(name);
  if (role === undefined) throw roleNotFound(name);
  return role;
}

/** Go's `%q` of a string slice: `["a" "b"]`. */
export function goQuotedList(items: readonly string[]): string {
  return `[${items.map((s) => JSON.stringify(s)).join(' ')}]`;
}
