import { randomUUID } from 'node:crypto';
import { CofferError } from '../../errors/coffer-error.js';
import { ErrorCode } from '../../errors/error-code.js';
import type { FieldSpecs } from '../../logical/field-spec.js';
import type { LogicalRequest } from '../../logical/logical-request.js';
import type { LogicalResponse } from '../../logical/logical-response.js';
import type { FieldValues, PathSpec } from '../../logical/path-spec.js';
import { cidrsSubset } from '../userpass/cidr-list.js';
import { bad, cidrListOf, fieldInput, numberOf, stringOf } from '../userpass/token-params.js';
import {
  ROLE_NAME_FIELD,
  ROLE_PATH,
  existingRole,
  goQuotedList,
  roleNameOf,
  type AppRoleContext,
} from './approle-context.js';
import { secretIdData } from './secret-id-entry.js';
import { parseSecretIdMetadata } from './secret-id-metadata.js';

const GENERATE_FIELDS: FieldSpecs = {
  role_name: ROLE_NAME_FIELD,
  metadata: {
    type: 'string',
    description: 'JSON object (as a string) of metadata for tokens minted with the secret ID',
  },
  cidr_list: { type: 'comma-string-slice', description: 'CIDR blocks the secret ID may be used from' },
  token_bound_cidrs: {
    type: 'comma-string-slice',
    description: 'CIDR blocks tokens minted with it may be used from',
  },
  num_uses: { type: 'int', description: "Uses of this secret ID (at most the role's secret_id_num_uses)" },
  ttl: { type: 'duration', description: "Lifetime of this secret ID (at most the role's secret_id_ttl)" },
};

const SECRET_ID_FIELDS: FieldSpecs = {
  role_name: ROLE_NAME_FIELD,
  secret_id: { type: 'string', description: 'The secret ID' },
};

const ACCESSOR_FIELDS: FieldSpecs = {
  role_name: ROLE_NAME_FIELD,
  secret_id_accessor: { type: 'string', description: 'Accessor of the secret ID' },
};

function accessorNotFound(accessor: string): CofferError {
  return new CofferError(
    ErrorCode.NotFound,
    `failed to find accessor entry for secret_id_accessor: ${JSON.stringify(accessor)}`,
  );
}

/**
 * `role/:role_name/secret-id` (POST generates, LIST lists accessors), `custom-secret-id`,
 * `secret-id/lookup`, `secret-id/destroy`, `secret-id-accessor/lookup`, `secret-id-accessor/destroy`.
 */
export function approleSecretIdPaths(ctx: AppRoleContext): PathSpec[] {
  const { store } = ctx;

  /** Vault's handleRoleSecretIDCommon: validate against the role, store, answer once with the secret. */
  const generate = async (
    req: LogicalRequest,
    fields: FieldValues,
    secretId: string,
  ): Promise<LogicalResponse> => {
    const name = roleNameOf(fields);
    if (secretId === '') throw bad('missing secret_id');
    const input = fieldInput(req, fields);
    return store.withRoleLock(name, async () => {
      const role = await existingRole(ctx, name);
      if (!role.bindSecretId) throw bad('bind_secret_id is not set on the role');

      const cidrList = cidrListOf(input, 'cidr_list', () => 'failed to validate CIDR blocks');
      if (!cidrsSubset(cidrList, role.secretIdBoundCidrs)) {
        throw bad(
          `failed to verify subset relationship between CIDR blocks on the role ${goQuotedList(role.secretIdBoundCidrs)} and CIDR blocks on the secret ID ${goQuotedList(cidrList)}`,
        );
      }
      const tokenCidrs = cidrListOf(input, 'token_bound_cidrs', () => 'failed to validate token CIDR blocks');
      if (!cidrsSubset(tokenCidrs, role.token.tokenBoundCidrs)) {
        throw bad(
          `failed to verify subset relationship between CIDR blocks on the role ${goQuotedList(role.token.tokenBoundCidrs)} and CIDR blocks on the secret ID ${goQuotedList(tokenCidrs)}`,
        );
      }

      let numUses = role.secretIdNumUses;
      if (input.has('num_uses')) {
        numUses = numberOf(input, 'num_uses');
        if (numUses < 0) throw bad('num_uses cannot be negative');
        if (
          (numUses === 0 && role.secretIdNumUses > 0) ||
          (role.secretIdNumUses > 0 && numUses > role.secretIdNumUses)
        ) {
          throw bad("num_uses cannot be higher than the role's secret_id_num_uses");
        }
      }
      let ttl = role.secretIdTtl;
      if (input.has('ttl')) {
        ttl = numberOf(input, 'ttl');
        if ((ttl === 0 && role.secretIdTtl > 0) || (role.secretIdTtl > 0 && ttl > role.secretIdTtl)) {
          throw bad("ttl cannot be longer than the role's secret_id_ttl");
        }
      }
      // Vault's deriveSecretIDTTL: never past the system maximum lease TTL.
      const maxLeaseTtl = ctx.tokens().maxLeaseTtl;
      if (ttl > maxLeaseTtl) ttl = maxLeaseTtl;

      let metadata: Record<string, string>;
      try {
        metadata = parseSecretIdMetadata(stringOf(input, 'metadata'));
      } catch (err) {
        throw bad(`failed to parse metadata: ${err instanceof Error ? err.message : 'invalid input'}`);
      }

      const entry = await store.registerSecretId(role, secretId, {
        numUses,
        ttl,
        metadata,
        cidrList,
        tokenBoundCidrs: tokenCidrs,
      });
      return {
        data: {
          secret_id: secretId,
          secret_id_accessor: entry.accessor,
          secret_id_num_uses: entry.numUses,
          secret_id_ttl: entry.ttl,
        },
      };
    });
  };

  const destroySecretId = async (req: LogicalRequest, fields: FieldValues): Promise<undefined> => {
    const name = roleNameOf(fields);
    const secretId = stringOf(fieldInput(req, fields), 'secret_id');
    if (secretId === '') throw bad('missing secret_id');
    const role = await existingRole(ctx, name);
    await store.destroySecretId(role, secretId);
    return undefined;
  };

  const destroyAccessor = async (req: LogicalRequest, fields: FieldValues): Promise<undefined> => {
    const name = roleNameOf(fields);
    const accessor = stringOf(fieldInput(req, fields), 'secret_id_accessor');
    if (accessor === '') throw bad('missing secret_id_accessor');
    const role = await existingRole(ctx, name);
    if (!(await store.destroyByAccessor(role, accessor))) throw accessorNotFound(accessor);
    return undefined;
  };

  return [
    {
      pattern: `${ROLE_PATH}/secret-id/?`,
      fields: GENERATE_FIELDS,
      operations: {
        update: async (req, fields) => generate(req, fields, randomUUID()),
        list: async (_req, fields) => {
          const role = await existingRole(ctx, roleNameOf(fields));
          return { data: { keys: await store.listAccessors(role) } };
        },
      },
    },
    {
      pattern: `${ROLE_PATH}/custom-secret-id`,
      fields: { ...GENERATE_FIELDS, secret_id: { type: 'string', description: 'The secret ID to assign' } },
      operations: {
        update: async (req, fields) => generate(req, fields, stringOf(fieldInput(req, fields), 'secret_id')),
      },
    },
    {
      pattern: `${ROLE_PATH}/secret-id/lookup/?`,
      fields: SECRET_ID_FIELDS,
      operations: {
        // Vault answers an unknown secret ID with an empty success (204), not a 404.
        update: async (req, fields) => {
          const name = roleNameOf(fields);
          const secretId = stringOf(fieldInput(req, fields), 'secret_id');
          if (secretId === '') throw bad('missing secret_id');
          const role = await existingRole(ctx, name);
          const entry = await store.lookupSecretId(role, secretId);
          return entry === undefined ? undefined : { data: secretIdData(entry) };
        },
      },
    },
    {
      pattern: `${ROLE_PATH}/secret-id/destroy/?`,
      fields: SECRET_ID_FIELDS,
      operations: { update: destroySecretId, delete: destroySecretId },
    },
    {
      pattern: `${ROLE_PATH}/secret-id-accessor/lookup/?`,
      fields: ACCESSOR_FIELDS,
      operations: {
        update: async (req, fields) => {
          const name = roleNameOf(fields);
          const accessor = stringOf(fieldInput(req, fields), 'secret_id_accessor');
          if (accessor === '') throw bad('missing secret_id_accessor');
          const role = await existingRole(ctx, name);
          const entry = await store.lookupAccessor(role, accessor);
          if (entry === undefined) throw accessorNotFound(accessor);
          return { data: secretIdData(entry) };
        },
      },
    },
    {
      pattern: `${ROLE_PATH}/secret-id-accessor/destroy/?`,
      fields: ACCESSOR_FIELDS,
      operations: { update: destroyAccessor, delete: destroyAccessor },
    },
  ];
}
