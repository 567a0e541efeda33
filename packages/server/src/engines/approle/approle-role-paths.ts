import { CofferError } from '../../errors/coffer-error.js';
import { ErrorCode } from '../../errors/error-code.js';
import type { FieldSpecs } from '../../logical/field-spec.js';
import type { LogicalRequest } from '../../logical/logical-request.js';
import type { LogicalResponse } from '../../logical/logical-response.js';
import type { FieldValues, PathSpec } from '../../logical/path-spec.js';
import { DEFAULT_TOKEN_PARAMS, TOKEN_FIELDS, bad, fieldInput, stringOf } from '../userpass/token-params.js';
import {
  ROLE_NAME_FIELD,
  ROLE_PATH,
  existingRole,
  roleNameOf,
  type AppRoleContext,
} from './approle-context.js';
import { applyRoleFields, checkRoleConstraints, newRole, roleData, type AppRole } from './approle-role.js';

const NO_CONSTRAINTS_WARNING =
  'Role does not have any constraints set on it. Updates to this role will require a constraint to be set';
const INDEX_REPAIRED_WARNING =
  'Role identifier was missing an index back to role name. A new index has been added. Please report this observation.';

const tokenField = (name: string): FieldSpecs => {
  const spec = TOKEN_FIELDS[name];
  return spec === undefined ? {} : { [name]: spec };
};

const ROLE_FIELDS: FieldSpecs = {
  role_name: ROLE_NAME_FIELD,
  bind_secret_id: { type: 'bool', default: true, description: 'Require a secret_id at login (default true)' },
  bound_cidr_list: {
    type: 'comma-string-slice',
    description: 'Deprecated: use "secret_id_bound_cidrs" instead.',
  },
  secret_id_bound_cidrs: { type: 'comma-string-slice', description: 'CIDR blocks allowed to log in' },
  policies: { type: 'comma-string-slice', description: "Deprecated: use 'token_policies'" },
  secret_id_num_uses: { type: 'int', description: 'Uses of each secret ID; 0 is unlimited' },
  secret_id_ttl: { type: 'duration', description: 'Lifetime of secret IDs; 0 is no expiry' },
  period: { type: 'duration', description: "Deprecated: use 'token_period'" },
  role_id: { type: 'string', description: 'Identifier of the role. Defaults to a UUID.' },
  local_secret_ids: { type: 'bool', description: 'Secret IDs are cluster-local (creation only)' },
  ...TOKEN_FIELDS,
};

/**
 * A single-property endpoint `role/:role_name/<suffix>` (GET, POST/PUT, DELETE). Updates go
 * through the same rules as the role endpoint, restricted to the property's fields.
 */
interface RoleProperty {
  readonly suffix: string;
  readonly fields: FieldSpecs;
  /** Fields of which at least one must be sent on update. */
  readonly keys: readonly string[];
  /** Named in `missing <x>` when none of `keys` was sent. */
  readonly missing: string;
  readonly read: (role: AppRole) => LogicalResponse;
  /** DELETE: back to the default; absent for read-only properties. */
  readonly reset?: (role: AppRole) => AppRole;
  readonly readOnly?: boolean;
}

const simple = (
  suffix: string,
  key: string,
  fields: FieldSpecs,
  value: (role: AppRole) => unknown,
  reset: (role: AppRole) => AppRole,
): RoleProperty => ({
  suffix,
  fields,
  keys: [key],
  missing: key,
  read: (role) => ({ data: { [key]: value(role) } }),
  reset,
});

const PROPERTIES: readonly RoleProperty[] = [
  {
    suffix: 'policies',
    fields: {
      policies: ROLE_FIELDS['policies'] ?? { type: 'comma-string-slice' },
      ...tokenField('token_policies'),
    },
    keys: ['token_policies', 'policies'],
    missing: 'token_policies',
    read: (role) => ({
      data: {
        token_policies: [...role.token.tokenPolicies],
        ...(role.legacyPolicies.length > 0 ? { policies: [...role.legacyPolicies] } : {}),
      },
    }),
    reset: (role) => ({ ...role, token: { ...role.token, tokenPolicies: [] }, legacyPolicies: [] }),
  },
  {
    suffix: 'bound-cidr-list',
    fields: { bound_cidr_list: ROLE_FIELDS['bound_cidr_list'] ?? { type: 'comma-string-slice' } },
    keys: ['bound_cidr_list'],
    missing: 'bound_cidr_list',
    read: (role) => ({
      data: { bound_cidr_list: [...role.secretIdBoundCidrs] },
      warnings: [
        'The "bound_cidr_list" field is deprecated and will be removed. Please use "secret_id_bound_cidrs" instead.',
      ],
    }),
    reset: (role) => ({ ...role, secretIdBoundCidrs: [] }),
  },
  simple(
    'secret-id-bound-cidrs',
    'secret_id_bound_cidrs',
    { secret_id_bound_cidrs: ROLE_FIELDS['secret_id_bound_cidrs'] ?? { type: 'comma-string-slice' } },
    (role) => [...role.secretIdBoundCidrs],
    (role) => ({ ...role, secretIdBoundCidrs: [] }),
  ),
  simple(
    'token-bound-cidrs',
    'token_bound_cidrs',
    tokenField('token_bound_cidrs'),
    (role) => [...role.token.tokenBoundCidrs],
    (role) => ({ ...role, token: { ...role.token, tokenBoundCidrs: [] } }),
  ),
  simple(
    'bind-secret-id',
    'bind_secret_id',
    { bind_secret_id: { type: 'bool', description: 'Require a secret_id at login' } },
    (role) => role.bindSecretId,
    (role) => ({ ...role, bindSecretId: true }),
  ),
  simple(
    'secret-id-num-uses',
    'secret_id_num_uses',
    { secret_id_num_uses: ROLE_FIELDS['secret_id_num_uses'] ?? { type: 'int' } },
    (role) => role.secretIdNumUses,
    (role) => ({ ...role, secretIdNumUses: 0 }),
  ),
  simple(
    'secret-id-ttl',
    'secret_id_ttl',
    { secret_id_ttl: ROLE_FIELDS['secret_id_ttl'] ?? { type: 'duration' } },
    (role) => role.secretIdTtl,
    (role) => ({ ...role, secretIdTtl: 0 }),
  ),
  {
    suffix: 'period',
    fields: { period: ROLE_FIELDS['period'] ?? { type: 'duration' }, ...tokenField('token_period') },
    keys: ['token_period', 'period'],
    missing: 'period',
    read: (role) => ({
      data: {
        token_period: role.token.tokenPeriod,
        ...(role.legacyPeriod > 0 ? { period: role.legacyPeriod } : {}),
      },
    }),
    reset: (role) => ({ ...role, token: { ...role.token, tokenPeriod: 0 }, legacyPeriod: 0 }),
  },
  simple(
    'token-num-uses',
    'token_num_uses',
    tokenField('token_num_uses'),
    (role) => role.token.tokenNumUses,
    (role) => ({ ...role, token: { ...role.token, tokenNumUses: DEFAULT_TOKEN_PARAMS.tokenNumUses } }),
  ),
  simple(
    'token-ttl',
    'token_ttl',
    tokenField('token_ttl'),
    (role) => role.token.tokenTtl,
    (role) => ({ ...role, token: { ...role.token, tokenTtl: 0 } }),
  ),
  simple(
    'token-max-ttl',
    'token_max_ttl',
    tokenField('token_max_ttl'),
    (role) => role.token.tokenMaxTtl,
    (role) => ({ ...role, token: { ...role.token, tokenMaxTtl: 0 } }),
  ),
  {
    suffix: 'local-secret-ids',
    fields: {},
    keys: [],
    missing: 'local_secret_ids',
    read: (role) => ({ data: { local_secret_ids: role.localSecretIds } }),
    readOnly: true,
  },
];

/**
 * `role` (LIST), `role/:role_name` (create/read/update/delete), `role/:role_name/role-id`
 * and the single-property endpoints (`policies`, `secret-id-num-uses`, `token-ttl`, ...).
 */
export function approleRolePaths(ctx: AppRoleContext): PathSpec[] {
  const { store } = ctx;
  const maxLeaseTtl = (): number => ctx.tokens().maxLeaseTtl;

  const writeRole = async (
    req: LogicalRequest,
    fields: FieldValues,
  ): Promise<LogicalResponse | undefined> => {
    const name = roleNameOf(fields);
    const input = fieldInput(req, fields);
    return store.withRoleLock(name, async () => {
      const existing = await store.readRole(name);
      if (existing === undefined && req.operation !== 'create') {
        // Deleted between the existence check (which chose `update` for the ACL) and now.
        throw new CofferError(ErrorCode.NotFound, `role name "${name}" doesn't exist`);
      }
      const { role, warnings } = applyRoleFields(existing ?? newRole(name), input, {
        create: existing === undefined,
        maxLeaseTtl: maxLeaseTtl(),
      });
      await store.saveRole(role, existing?.roleId);
      return warnings.length > 0 ? { warnings } : undefined;
    });
  };

  const propertyPath = (prop: RoleProperty): PathSpec => ({
    pattern: `${ROLE_PATH}/${prop.suffix}`,
    fields: { role_name: ROLE_FIELDS['role_name'] ?? { type: 'string' }, ...prop.fields },
    operations: {
      read: async (_req, fields) => {
        const role = await store.readRole(roleNameOf(fields));
        return role === undefined ? undefined : prop.read(role);
      },
      ...(prop.readOnly === true
        ? {}
        : {
            update: async (
              req: LogicalRequest,
              fields: FieldValues,
            ): Promise<LogicalResponse | undefined> => {
              const name = roleNameOf(fields);
              const input = fieldInput(req, fields);
              if (!prop.keys.some((k) => input.has(k))) throw bad(`missing ${prop.missing}`);
              return store.withRoleLock(name, async () => {
                const role = await existingRole(ctx, name);
                const { role: next, warnings } = applyRoleFields(role, input, {
                  create: false,
                  maxLeaseTtl: maxLeaseTtl(),
                });
                await store.saveRole(next, role.roleId);
                return warnings.length > 0 ? { warnings } : undefined;
              });
            },
            delete: async (_req: LogicalRequest, fields: FieldValues): Promise<undefined> => {
              const name = roleNameOf(fields);
              await store.withRoleLock(name, async () => {
                const role = await store.readRole(name);
                if (role === undefined || prop.reset === undefined) return;
                const next = prop.reset(role);
                checkRoleConstraints(next);
                await store.saveRole(next, role.roleId);
              });
              return undefined;
            },
          }),
    },
  });

  return [
    {
      pattern: 'role/?',
      fields: {},
      operations: {
        list: async () => ({ data: { keys: await store.listRoles() } }),
      },
    },
    {
      pattern: ROLE_PATH,
      fields: ROLE_FIELDS,
      existenceCheck: async (_req, fields) => (await store.readRole(roleNameOf(fields))) !== undefined,
      operations: {
        read: async (_req, fields) => {
          const role = await store.readRole(roleNameOf(fields));
          if (role === undefined) return undefined;
          const warnings: string[] = [];
          try {
            checkRoleConstraints(role);
          } catch {
            warnings.push(NO_CONSTRAINTS_WARNING);
          }
          if (await store.repairRoleIdIndex(role)) warnings.push(INDEX_REPAIRED_WARNING);
          return warnings.length > 0 ? { data: roleData(role), warnings } : { data: roleData(role) };
        },
        create: writeRole,
        update: writeRole,
        delete: async (_req, fields) => {
          const name = roleNameOf(fields);
          await store.withRoleLock(name, async () => {
            const role = await store.readRole(name);
            if (role !== undefined) await store.deleteRole(role);
          });
          return undefined;
        },
      },
    },
    {
      pattern: `${ROLE_PATH}/role-id`,
      fields: {
        role_name: ROLE_NAME_FIELD,
        role_id: { type: 'string', description: 'Identifier of the role' },
      },
      operations: {
        read: async (_req, fields) => {
          const role = await store.readRole(roleNameOf(fields));
          return role === undefined ? undefined : { data: { role_id: role.roleId } };
        },
        update: async (req, fields) => {
          const name = roleNameOf(fields);
          const input = fieldInput(req, fields);
          if (stringOf(input, 'role_id') === '') throw bad('missing role_id');
          return store.withRoleLock(name, async () => {
            const role = await existingRole(ctx, name);
            const { role: next } = applyRoleFields(role, input, {
              create: false,
              maxLeaseTtl: maxLeaseTtl(),
            });
            await store.saveRole(next, role.roleId);
            return undefined;
          });
        },
      },
    },
    ...PROPERTIES.map(propertyPath),
  ];
}
