import { isIP } from 'node:net';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { FieldSpecs } from '../logical/field-spec.js';
import type { LogicalRequest } from '../logical/logical-request.js';
import type { LogicalResponse } from '../logical/logical-response.js';
import type { FieldValues, PathSpec } from '../logical/path-spec.js';
import { boolField, numberField, stringField, stringListField } from './field-readers.js';
import { sanitizePolicies } from './sanitize-policies.js';
import {
  TOKEN_ROLE_NAME,
  defaultTokenRole,
  tokenRoleData,
  type RoleTokenType,
  type TokenRole,
} from './token-role.js';
import type { TokenStore } from './token-store.js';

const ROLE_FIELDS: FieldSpecs = {
  role_name: { type: 'string', description: 'Name of the role' },
  allowed_policies: { type: 'comma-string-slice', description: 'Policies tokens of this role may have' },
  disallowed_policies: {
    type: 'comma-string-slice',
    description: 'Policies tokens of this role may not have',
  },
  allowed_policies_glob: { type: 'comma-string-slice', description: 'Glob patterns of allowed policies' },
  disallowed_policies_glob: {
    type: 'comma-string-slice',
    description: 'Glob patterns of disallowed policies',
  },
  orphan: { type: 'bool', description: 'Tokens are orphans' },
  period: { type: 'duration', description: "Deprecated: use 'token_period'" },
  path_suffix: { type: 'string', description: 'Suffix appended to the token path' },
  explicit_max_ttl: { type: 'duration', description: "Deprecated: use 'token_explicit_max_ttl'" },
  renewable: { type: 'bool', default: true, description: 'Tokens are renewable' },
  bound_cidrs: { type: 'comma-string-slice', description: "Deprecated: use 'token_bound_cidrs'" },
  allowed_entity_aliases: { type: 'comma-string-slice', description: 'Entity aliases allowed at creation' },
  token_bound_cidrs: { type: 'comma-string-slice', description: 'CIDRs tokens may be used from' },
  token_explicit_max_ttl: { type: 'duration', description: 'Hard lifetime limit of tokens' },
  token_period: { type: 'duration', description: 'Renewal period of tokens' },
  token_type: { type: 'string', description: 'service, batch, default-service or default-batch' },
  token_no_default_policy: { type: 'bool', description: 'Do not add the default policy' },
  token_num_uses: { type: 'int', description: 'Maximum uses of tokens' },
};

/** Vault's pathSuffixSanitize, matched unanchored as Vault does. */
const PATH_SUFFIX = /\w[\w.-]+\w/;

const ROLE_TOKEN_TYPES: readonly RoleTokenType[] = ['service', 'batch', 'default-service', 'default-batch'];

function bad(message: string): CofferError {
  return new CofferError(ErrorCode.BadRequest, message);
}

/** strutil.RemoveDuplicates(items, lowercase=true): trimmed, lower-cased, non-empty, sorted, unique. */
function removeDuplicates(items: readonly string[]): string[] {
  return [...new Set(items.map((s) => s.trim().toLowerCase()).filter((s) => s !== ''))].sort();
}

function validCidr(text: string): boolean {
  const slash = text.indexOf('/');
  const addr = slash === -1 ? text : text.slice(0, slash);
  const family = isIP(addr);
  if (family === 0) return false;
  if (slash === -1) return true;
  const bits = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

function parseCidrs(list: readonly string[], field: string): string[] {
  const out = list.map((s) => s.trim()).filter((s) => s !== '');
  for (const cidr of out) {
    if (!validCidr(cidr)) throw bad(`error parsing ${field}: invalid address or CIDR`);
  }
  return out;
}

/** `auth/token/roles` (LIST) and `auth/token/roles/:role_name` (GET, POST/PUT, DELETE). */
export function tokenRolePaths(store: TokenStore): PathSpec[] {
  const roleName = (fields: FieldValues): string => stringField(fields, 'role_name') ?? '';

  const write = async (req: LogicalRequest, fields: FieldValues): Promise<LogicalResponse | undefined> => {
    const name = roleName(fields);
    if (name === '') throw bad('role name cannot be empty');
    const has = (key: string): boolean =>
      Object.hasOwn(req.data, key) && req.data[key] !== null && req.data[key] !== undefined;
    const warnings: string[] = [];
    const existing = await store.readRole(name);
    const role: { -readonly [K in keyof TokenRole]: TokenRole[K] } = {
      ...(existing ?? defaultTokenRole(name)),
    };

    if (has('orphan')) role.orphan = boolField(fields, 'orphan') ?? false;
    if (has('renewable')) role.renewable = boolField(fields, 'renewable') ?? true;
    if (has('path_suffix')) {
      const suffix = stringField(fields, 'path_suffix') ?? '';
      if (suffix !== '' && !PATH_SUFFIX.test(suffix)) {
        throw bad(`given role path suffix contains invalid characters; must match ${PATH_SUFFIX.source}`);
      }
      role.pathSuffix = suffix;
    }
    if (role.pathSuffix.includes('..'))
      throw bad('error registering path suffix: path cannot contain parent references');

    if (has('allowed_policies'))
      role.allowedPolicies = sanitizePolicies(stringListField(fields, 'allowed_policies') ?? [], false);
    if (has('disallowed_policies'))
      role.disallowedPolicies = removeDuplicates(stringListField(fields, 'disallowed_policies') ?? []);
    if (has('allowed_policies_glob')) {
      role.allowedPoliciesGlob = sanitizePolicies(
        stringListField(fields, 'allowed_policies_glob') ?? [],
        false,
      );
    }
    if (has('disallowed_policies_glob')) {
      role.disallowedPoliciesGlob = removeDuplicates(
        stringListField(fields, 'disallowed_policies_glob') ?? [],
      );
    }

    if (has('token_type')) {
      const type = stringField(fields, 'token_type') ?? '';
      if (!(ROLE_TOKEN_TYPES as readonly string[]).includes(type))
        throw bad(`invalid 'token_type' value "${type}"`);
      role.tokenType = type as RoleTokenType;
    }
    if (has('token_no_default_policy'))
      role.tokenNoDefaultPolicy = boolField(fields, 'token_no_default_policy') ?? false;
    if (has('token_num_uses')) {
      const uses = numberField(fields, 'token_num_uses') ?? 0;
      if (uses < 0) throw bad('error parsing role fields: token_num_uses cannot be negative');
      role.tokenNumUses = uses;
    }

    if (has('token_period')) {
      role.tokenPeriod = numberField(fields, 'token_period') ?? 0;
      if (has('period'))
        warnings.push(
          "Both 'token_period' and deprecated 'period' value supplied, ignoring the deprecated value",
        );
      role.period = 0;
    } else if (has('period')) {
      role.period = numberField(fields, 'period') ?? 0;
      role.tokenPeriod = role.period;
    }

    if (has('token_bound_cidrs')) {
      role.tokenBoundCidrs = parseCidrs(
        stringListField(fields, 'token_bound_cidrs') ?? [],
        'token_bound_cidrs',
      );
      if (has('bound_cidrs')) {
        warnings.push(
          "Both 'token_bound_cidrs' and deprecated 'bound_cidrs' value supplied, ignoring the deprecated value",
        );
      }
      role.boundCidrs = [];
    } else if (has('bound_cidrs')) {
      role.boundCidrs = parseCidrs(stringListField(fields, 'bound_cidrs') ?? [], 'bound_cidrs');
      role.tokenBoundCidrs = role.boundCidrs;
    }

    if (has('token_explicit_max_ttl')) {
      role.tokenExplicitMaxTtl = numberField(fields, 'token_explicit_max_ttl') ?? 0;
      if (has('explicit_max_ttl')) {
        warnings.push(
          "Both 'token_explicit_max_ttl' and deprecated 'explicit_max_ttl' value supplied, ignoring the deprecated value",
        );
      }
      role.explicitMaxTtl = 0;
    } else if (has('explicit_max_ttl')) {
      role.explicitMaxTtl = numberField(fields, 'explicit_max_ttl') ?? 0;
      role.tokenExplicitMaxTtl = role.explicitMaxTtl;
    }
    if (role.tokenExplicitMaxTtl > store.maxLeaseTtl) {
      warnings.push(
        `Given explicit max TTL of ${role.tokenExplicitMaxTtl} is greater than system/mount allowed value of ${store.maxLeaseTtl} seconds; until this is fixed attempting to create tokens against this role will result in an error`,
      );
    }

    if (role.tokenType === 'batch') {
      if (!role.orphan)
        throw bad("'token_type' cannot be 'batch' when role is set to generate non-orphan tokens");
      if (role.period !== 0 || role.tokenPeriod !== 0) {
        throw bad("'token_type' cannot be 'batch' when role is set to generate periodic tokens");
      }
      if (role.renewable)
        throw bad("'token_type' cannot be 'batch' when role is set to generate renewable tokens");
      if (role.explicitMaxTtl !== 0 || role.tokenExplicitMaxTtl !== 0) {
        throw bad(
          "'token_type' cannot be 'batch' when role is set to generate tokens with an explicit max TTL",
        );
      }
    }

    if (has('allowed_entity_aliases')) {
      role.allowedEntityAliases = removeDuplicates(stringListField(fields, 'allowed_entity_aliases') ?? []);
    }

    await store.writeRole(role);
    return warnings.length > 0 ? { warnings } : undefined;
  };

  return [
    {
      pattern: 'roles/?',
      fields: {},
      operations: {
        list: async () => ({ data: { keys: await store.listRoles() } }),
      },
    },
    {
      pattern: `roles/(?<role_name>${TOKEN_ROLE_NAME})`,
      fields: ROLE_FIELDS,
      existenceCheck: async (_req, fields) => (await store.readRole(roleName(fields))) !== undefined,
      operations: {
        read: async (_req, fields) => {
          const role = await store.readRole(roleName(fields));
          return role === undefined ? undefined : { data: tokenRoleData(role) };
        },
        create: write,
        update: write,
        delete: async (_req, fields) => {
          await store.deleteRole(roleName(fields));
          return undefined;
        },
      },
    },
  ];
}
