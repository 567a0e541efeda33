import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { FieldSpecs } from '../logical/field-spec.js';
import type { LogicalRequest, RequestAuth } from '../logical/logical-request.js';
import type { LogicalResponse } from '../logical/logical-response.js';
import type { FieldValues, PathSpec } from '../logical/path-spec.js';
import type { CreateTokenParams } from './create-token-params.js';
import { boolField, numberField, stringField, stringListField, stringMapField } from './field-readers.js';
import { tokenAuthResponse } from './token-auth-response.js';
import { tokenLookupData } from './token-lookup-data.js';
import { TOKEN_ROLE_NAME } from './token-role.js';
import type { TokenStore } from './token-store.js';

const TIDY_STARTED =
  'Tidy operation successfully started. Any information from the operation will be printed to the server logs.';

const CREATE_FIELDS: FieldSpecs = {
  id: { type: 'string', description: 'Value for the token (root/sudo only)' },
  role_name: { type: 'string', description: 'Name of the role' },
  policies: { type: 'comma-string-slice', description: 'List of policies for the token' },
  meta: { type: 'string-map', description: 'Arbitrary key=value metadata to associate with the token' },
  metadata: { type: 'string-map', description: 'Alias of meta' },
  no_parent: { type: 'bool', description: 'Create the token with no parent (root/sudo only)' },
  no_default_policy: { type: 'bool', description: 'Do not include default policy for this token' },
  renewable: { type: 'bool', description: 'Allow token to be renewed past its initial TTL' },
  ttl: { type: 'duration', signed: true, description: 'Time to live for this token' },
  lease: { type: 'duration', signed: true, description: 'Deprecated alias of ttl' },
  explicit_max_ttl: { type: 'duration', signed: true, description: 'Explicit Max TTL of this token' },
  display_name: { type: 'string', description: 'Name to associate with this token' },
  num_uses: { type: 'int', description: 'Max number of uses for this token' },
  period: { type: 'duration', signed: true, description: 'Renew period (root/sudo only)' },
  type: { type: 'string', description: 'Token type' },
  entity_alias: { type: 'string', description: 'Name of the entity alias to associate with this token' },
  format: { type: 'string', description: 'Return json formatted output' },
};

function requireAuth(req: LogicalRequest): RequestAuth {
  if (req.auth === undefined) throw new CofferError(ErrorCode.PermissionDenied, 'permission denied');
  return req.auth;
}

function bad(message: string): CofferError {
  return new CofferError(ErrorCode.BadRequest, message);
}

function withWarnings(response: LogicalResponse, warnings: readonly string[]): LogicalResponse {
  return warnings.length > 0 ? { ...response, warnings: [...warnings] } : response;
}

function createParams(
  fields: FieldValues,
  extra: Pick<CreateTokenParams, 'orphan' | 'roleName'>,
): CreateTokenParams {
  const ttl = numberField(fields, 'ttl') ?? numberField(fields, 'lease');
  return {
    ...extra,
    id: stringField(fields, 'id'),
    policies: stringListField(fields, 'policies'),
    meta: stringMapField(fields, 'meta') ?? stringMapField(fields, 'metadata'),
    noParent: boolField(fields, 'no_parent'),
    noDefaultPolicy: boolField(fields, 'no_default_policy'),
    renewable: boolField(fields, 'renewable'),
    ttl,
    explicitMaxTtl: numberField(fields, 'explicit_max_ttl'),
    displayName: stringField(fields, 'display_name'),
    numUses: numberField(fields, 'num_uses'),
    period: numberField(fields, 'period'),
    type: stringField(fields, 'type'),
    entityAlias: stringField(fields, 'entity_alias'),
  };
}

/**
 * The `auth/token/` paths except roles: create, create-orphan, create/:role_name, lookup,
 * lookup-self, lookup-accessor, renew, renew-self, renew-accessor, revoke, revoke-self,
 * revoke-accessor, revoke-orphan, accessors, tidy. Shapes and error statuses follow Vault's
 * token store (vault/token_store.go).
 */
export function tokenPaths(store: TokenStore): PathSpec[] {
  const create =
    (extra: (fields: FieldValues) => Pick<CreateTokenParams, 'orphan' | 'roleName'>) =>
    async (req: LogicalRequest, fields: FieldValues): Promise<LogicalResponse> => {
      const auth = requireAuth(req);
      const issued = await store.create(auth, createParams(fields, extra(fields)));
      return withWarnings({ auth: tokenAuthResponse(issued.clientToken, issued.entry) }, issued.warnings);
    };

  const lookup = async (token: string): Promise<LogicalResponse> => {
    const details = await store.inspect(token);
    if (details === undefined) throw new CofferError(ErrorCode.PermissionDenied, 'bad token');
    return { data: tokenLookupData(token, details, store.now()) };
  };

  const renew = async (token: string, increment: number, clientToken: string): Promise<LogicalResponse> => {
    const entry = await store.lookup(token);
    if (entry === undefined) throw bad('token not found');
    const renewed = await store.renew(entry, increment);
    return withWarnings(
      { auth: tokenAuthResponse(clientToken, renewed.entry, renewed.leaseDuration) },
      renewed.warnings,
    );
  };

  return [
    {
      pattern: 'accessors/?',
      fields: {},
      rootProtected: true,
      operations: {
        list: async () => ({ data: { keys: await store.listAccessors() } }),
      },
    },
    {
      pattern: 'create-orphan',
      fields: CREATE_FIELDS,
      operations: { update: create(() => ({ orphan: true })) },
    },
    {
      pattern: `create/(?<role_name>${TOKEN_ROLE_NAME})`,
      fields: CREATE_FIELDS,
      operations: { update: create((fields) => ({ roleName: stringField(fields, 'role_name') ?? '' })) },
    },
    {
      pattern: 'create',
      fields: CREATE_FIELDS,
      operations: { update: create(() => ({})) },
    },
    {
      pattern: 'lookup',
      fields: { token: { type: 'string', description: 'Token to look up' } },
      operations: {
        read: (req, fields) => lookupHandler(req, fields),
        update: (req, fields) => lookupHandler(req, fields),
      },
    },
    {
      pattern: 'lookup-accessor',
      fields: { accessor: { type: 'string', description: 'Accessor of the token to look up' } },
      operations: {
        update: async (_req, fields) => {
          const accessor = stringField(fields, 'accessor') ?? '';
          if (accessor === '') throw bad('missing accessor');
          const details = await store.inspectByAccessor(accessor);
          if (details === undefined) throw bad('invalid accessor');
          return { data: tokenLookupData('', details, store.now()) };
        },
      },
    },
    {
      pattern: 'lookup-self',
      fields: { token: { type: 'string', description: 'Unused' } },
      operations: {
        read: (req) => lookup(requireAuth(req).clientToken),
        update: (req) => lookup(requireAuth(req).clientToken),
      },
    },
    {
      pattern: 'revoke-accessor',
      fields: { accessor: { type: 'string', description: 'Accessor of the token' } },
      operations: {
        update: async (_req, fields) => {
          const accessor = stringField(fields, 'accessor') ?? '';
          if (accessor === '') throw bad('missing accessor');
          if (!(await store.revokeByAccessor(accessor)))
            return { warnings: ['No token found with this accessor'] };
          return undefined;
        },
      },
    },
    {
      pattern: 'revoke-self',
      fields: {},
      operations: {
        update: async (req) => {
          await store.revokeTree(requireAuth(req).entry);
          return undefined;
        },
      },
    },
    {
      pattern: 'revoke',
      fields: { token: { type: 'string', description: 'Token to revoke' } },
      operations: {
        update: async (_req, fields) => {
          const token = stringField(fields, 'token') ?? '';
          if (token === '') throw bad('missing token ID');
          const entry = await store.lookup(token);
          if (entry !== undefined) await store.revokeTree(entry);
          return undefined;
        },
      },
    },
    {
      pattern: 'revoke-orphan',
      fields: { token: { type: 'string', description: 'Token to revoke' } },
      operations: {
        update: async (req, fields) => {
          const token = stringField(fields, 'token') ?? '';
          if (token === '') throw bad('missing token ID');
          const auth = requireAuth(req);
          if (!auth.sudo && !auth.isRoot) throw bad('root or sudo privileges required to revoke and orphan');
          const entry = await store.lookup(token);
          if (entry === undefined) throw bad('token to revoke not found');
          await store.revokeOrphan(entry);
          return undefined;
        },
      },
    },
    {
      pattern: 'renew-accessor',
      fields: {
        accessor: { type: 'string', description: 'Accessor of the token to renew' },
        increment: { type: 'duration', default: 0, description: 'Desired increment from now' },
      },
      operations: {
        update: async (_req, fields) => {
          const accessor = stringField(fields, 'accessor') ?? '';
          if (accessor === '') throw bad('missing accessor');
          const entry = await store.lookupByAccessor(accessor);
          if (entry === undefined) throw bad('invalid accessor');
          const renewed = await store.renew(entry, numberField(fields, 'increment') ?? 0);
          return withWarnings(
            { auth: tokenAuthResponse('', renewed.entry, renewed.leaseDuration) },
            renewed.warnings,
          );
        },
      },
    },
    {
      pattern: 'renew-self',
      fields: {
        token: { type: 'string', description: 'Unused' },
        increment: { type: 'duration', default: 0, description: 'Desired increment from now' },
      },
      operations: {
        update: async (req, fields) => {
          const auth = requireAuth(req);
          return renew(auth.clientToken, numberField(fields, 'increment') ?? 0, auth.clientToken);
        },
      },
    },
    {
      pattern: 'renew',
      fields: {
        token: { type: 'string', description: 'Token to renew' },
        increment: { type: 'duration', default: 0, description: 'Desired increment from now' },
      },
      operations: {
        update: async (_req, fields) => {
          const token = stringField(fields, 'token') ?? '';
          if (token === '') throw bad('missing token ID');
          return renew(token, numberField(fields, 'increment') ?? 0, token);
        },
      },
    },
    {
      pattern: 'tidy',
      fields: {},
      operations: {
        update: async () => {
          if (store.tidyRunning) return { warnings: ['Tidy operation already in progress.'] };
          // Runs in the background; the store logs its outcome and any error.
          void store.tidy().catch(() => undefined);
          return { status: 202, warnings: [TIDY_STARTED] };
        },
      },
    },
  ];

  /** `lookup`: the token in the body (or query), else the caller's own (as Vault). */
  async function lookupHandler(req: LogicalRequest, fields: FieldValues): Promise<LogicalResponse> {
    let token = stringField(fields, 'token') ?? '';
    if (token === '') token = req.auth?.clientToken ?? '';
    if (token === '') throw bad('missing token ID');
    return lookup(token);
  }
}
