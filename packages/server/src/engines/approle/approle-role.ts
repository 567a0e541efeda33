import { randomUUID } from 'node:crypto';
import { formatGoDuration } from '../../logical/go-duration.js';
import {
  DEFAULT_TOKEN_PARAMS,
  bad,
  boolOf,
  checkTtlOrder,
  cidrListOf,
  numberOf,
  parseLegacyPolicies,
  parseTokenFields,
  stringOf,
  tokenParamsData,
  upgradeLegacy,
  type FieldInput,
  type TokenParams,
} from '../userpass/token-params.js';

/** Vault's maxHmacInputLength: role names and secret IDs longer than this are refused. */
export const MAX_HMAC_INPUT_LENGTH = 4096;

/** An AppRole role as stored at `role/<name>` (name lower-cased). Durations in seconds. */
export interface AppRole {
  readonly name: string;
  /** The role's login identifier (not a secret on its own, but not public either). */
  readonly roleId: string;
  readonly bindSecretId: boolean;
  readonly secretIdBoundCidrs: readonly string[];
  /** Default uses of new secret IDs; 0 = unlimited. */
  readonly secretIdNumUses: number;
  /** Default lifetime of new secret IDs; 0 = no expiry (capped by the system max lease TTL). */
  readonly secretIdTtl: number;
  /** Recorded and reported; this server has no performance replication, so it changes nothing. */
  readonly localSecretIds: boolean;
  readonly token: TokenParams;
  /** Deprecated `policies` and `period`, reported back only when they were set. */
  readonly legacyPolicies: readonly string[];
  readonly legacyPeriod: number;
}

export function newRole(name: string): AppRole {
  return {
    name,
    roleId: '',
    bindSecretId: true,
    secretIdBoundCidrs: [],
    secretIdNumUses: 0,
    secretIdTtl: 0,
    localSecretIds: false,
    token: DEFAULT_TOKEN_PARAMS,
    legacyPolicies: [],
    legacyPeriod: 0,
  };
}

/** Vault's validateRoleConstraints: a role must demand a secret ID or be bound to CIDRs. */
export function checkRoleConstraints(role: AppRole): void {
  if (!role.bindSecretId && role.secretIdBoundCidrs.length === 0 && role.token.tokenBoundCidrs.length === 0) {
    throw bad('at least one constraint should be enabled on the role');
  }
}

/** The `data` of `GET role/:name`, shaped as Vault returns it. */
export function roleData(role: AppRole): Record<string, unknown> {
  const data: Record<string, unknown> = {
    bind_secret_id: role.bindSecretId,
    local_secret_ids: role.localSecretIds,
    secret_id_bound_cidrs: [...role.secretIdBoundCidrs],
    secret_id_num_uses: role.secretIdNumUses,
    secret_id_ttl: role.secretIdTtl,
    ...tokenParamsData(role.token),
  };
  if (role.legacyPeriod !== 0) data['period'] = role.legacyPeriod;
  if (role.legacyPolicies.length > 0) data['policies'] = [...role.legacyPolicies];
  return data;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface ApplyContext {
  /** A create (the role does not exist yet): defaults apply and `local_secret_ids` may be set. */
  readonly create: boolean;
  /** The system maximum lease TTL, seconds. */
  readonly maxLeaseTtl: number;
}

/**
 * Vault's pathRoleCreateUpdate rules, applied to `current` for every field the caller sent.
 * Also used by the single-property endpoints (`role/:name/token-ttl`, ...) with their subset.
 * Returns the new role and warnings; throws CofferError(BadRequest) with Vault's messages.
 */
export function applyRoleFields(
  current: AppRole,
  input: FieldInput,
  ctx: ApplyContext,
): { readonly role: AppRole; readonly warnings: string[] } {
  const warnings: string[] = [];
  const role: Mutable<AppRole> = { ...current };

  let tokenInput = input;
  if (input.has('token_type')) {
    const type = stringOf(input, 'token_type');
    if (type === 'default-service' || type === 'default-batch') {
      const adjusted = type === 'default-service' ? 'service' : 'batch';
      warnings.push(`${type} has no useful meaning; adjusting to ${adjusted}`);
      tokenInput = { fields: { ...input.fields, token_type: adjusted }, has: input.has };
    }
  }
  let token = parseTokenFields(role.token, tokenInput);

  if (input.has('local_secret_ids')) {
    if (!ctx.create) throw bad('local_secret_ids can only be modified during role creation');
    role.localSecretIds = boolOf(input, 'local_secret_ids');
  }

  if (input.has('role_id')) role.roleId = stringOf(input, 'role_id');
  else if (ctx.create) role.roleId = randomUUID();
  if (role.roleId === '') throw bad('invalid role_id supplied, or failed to generate a role_id');
  if (role.roleId.length > MAX_HMAC_INPUT_LENGTH) {
    throw bad(`role_id is longer than maximum of ${MAX_HMAC_INPUT_LENGTH} bytes`);
  }

  if (input.has('bind_secret_id')) role.bindSecretId = boolOf(input, 'bind_secret_id');
  else if (ctx.create) role.bindSecretId = true;

  // Vault's GetFirst: the current name wins over the deprecated one when both are sent.
  const cidrKey = ['secret_id_bound_cidrs', 'bound_cidr_list'].find((k) => input.has(k));
  if (cidrKey !== undefined)
    role.secretIdBoundCidrs = cidrListOf(input, cidrKey, () => 'invalid CIDR blocks');

  if (input.has('secret_id_num_uses')) role.secretIdNumUses = numberOf(input, 'secret_id_num_uses');
  if (role.secretIdNumUses < 0) throw bad('secret_id_num_uses cannot be negative');
  if (input.has('secret_id_ttl')) role.secretIdTtl = numberOf(input, 'secret_id_ttl');

  const policies = upgradeLegacy(
    input,
    'policies',
    'token_policies',
    role.legacyPolicies,
    token.tokenPolicies,
    [],
    () => parseLegacyPolicies(input, 'policies'),
  );
  const period = upgradeLegacy(input, 'period', 'token_period', role.legacyPeriod, token.tokenPeriod, 0, () =>
    numberOf(input, 'period'),
  );
  token = { ...token, tokenPolicies: policies.next, tokenPeriod: period.next };
  role.legacyPolicies = policies.legacy;
  role.legacyPeriod = period.legacy;
  role.token = token;
  checkTtlOrder(token);

  if (role.legacyPeriod > ctx.maxLeaseTtl) {
    throw bad(
      `period of "${formatGoDuration(role.legacyPeriod)}" is greater than the backend's maximum lease TTL of "${formatGoDuration(ctx.maxLeaseTtl)}"`,
    );
  }
  if (token.tokenMaxTtl > ctx.maxLeaseTtl) {
    warnings.push(
      "token_max_ttl is greater than the backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
    );
  }
  checkRoleConstraints(role);
  return { role, warnings };
}
