/** Role names as Vault's framework.GenericNameRegex accepts them (a regex source). */
export const TOKEN_ROLE_NAME = String.raw`\w(?:[\w.-]*\w)?`;

/** Token types a token role may name (Vault's `token_type` on `auth/token/roles/:name`). */
export type RoleTokenType = 'service' | 'batch' | 'default-service' | 'default-batch';

/**
 * A token role (`auth/token/roles/:name`): lets `create/:name` issue tokens whose policies
 * escape the parent-subset rule within the role's allowed/disallowed lists. Durations in seconds.
 * `period` / `explicitMaxTtl` / `boundCidrs` are the deprecated spellings, kept for read-back.
 */
export interface TokenRole {
  readonly name: string;
  readonly allowedPolicies: readonly string[];
  readonly disallowedPolicies: readonly string[];
  readonly allowedPoliciesGlob: readonly string[];
  readonly disallowedPoliciesGlob: readonly string[];
  readonly orphan: boolean;
  readonly renewable: boolean;
  readonly pathSuffix: string;
  /** null until set, as Vault reports it. */
  readonly allowedEntityAliases: readonly string[] | null;
  readonly period: number;
  readonly tokenPeriod: number;
  readonly explicitMaxTtl: number;
  readonly tokenExplicitMaxTtl: number;
  readonly boundCidrs: readonly string[];
  readonly tokenBoundCidrs: readonly string[];
  readonly tokenType: RoleTokenType;
  readonly tokenNoDefaultPolicy: boolean;
  readonly tokenNumUses: number;
}

/** A role with every field at its creation default. */
export function defaultTokenRole(name: string): TokenRole {
  return {
    name,
    allowedPolicies: [],
    disallowedPolicies: [],
    allowedPoliciesGlob: [],
    disallowedPoliciesGlob: [],
    orphan: false,
    renewable: true,
    pathSuffix: '',
    allowedEntityAliases: null,
    period: 0,
    tokenPeriod: 0,
    explicitMaxTtl: 0,
    tokenExplicitMaxTtl: 0,
    boundCidrs: [],
    tokenBoundCidrs: [],
    tokenType: 'default-service',
    tokenNoDefaultPolicy: false,
    tokenNumUses: 0,
  };
}

/** The `data` of a role read, shaped as Vault returns it. */
export function tokenRoleData(role: TokenRole): Record<string, unknown> {
  const data: Record<string, unknown> = {
    allowed_entity_aliases: role.allowedEntityAliases,
    allowed_policies: role.allowedPolicies,
    allowed_policies_glob: role.allowedPoliciesGlob,
    disallowed_policies: role.disallowedPolicies,
    disallowed_policies_glob: role.disallowedPoliciesGlob,
    explicit_max_ttl: role.explicitMaxTtl,
    name: role.name,
    orphan: role.orphan,
    path_suffix: role.pathSuffix,
    period: role.period,
    renewable: role.renewable,
    token_explicit_max_ttl: role.tokenExplicitMaxTtl,
    token_no_default_policy: role.tokenNoDefaultPolicy,
    token_period: role.tokenPeriod,
    token_type: role.tokenType,
  };
  if (role.tokenBoundCidrs.length > 0) data['token_bound_cidrs'] = role.tokenBoundCidrs;
  if (role.boundCidrs.length > 0) data['bound_cidrs'] = role.boundCidrs;
  if (role.tokenNumUses > 0) data['token_num_uses'] = role.tokenNumUses;
  return data;
}
