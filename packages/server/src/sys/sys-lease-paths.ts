import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { ExpirationManager } from '../expiration/index.js';
import type { FieldSpecs } from '../logical/field-spec.js';
import type { LogicalResponse } from '../logical/logical-response.js';
import type { FieldValues, PathHandler, PathSpec } from '../logical/path-spec.js';
import type { SysBackend } from './sys-backend.js';

const bad = (message: string): CofferError => new CofferError(ErrorCode.BadRequest, message);

/** Vault's default and cap for `sys/leases?type=irrevocable`. */
const IRREVOCABLE_LIST_LIMIT = 10_000;
const TIDY_WARNING =
  "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.";

function managerOf(backend: SysBackend): ExpirationManager {
  if (backend.expiration === undefined)
    throw new CofferError(ErrorCode.UnsupportedOperation, 'leases are not supported');
  return backend.expiration;
}

function str(f: FieldValues, name: string): string {
  const v = f[name];
  return typeof v === 'string' ? v : '';
}

/** The lease ID from the body, else from the URL (Vault: body wins; the Go client uses the URL). */
function leaseIdOf(f: FieldValues): string {
  const id = str(f, 'lease_id') !== '' ? str(f, 'lease_id') : str(f, 'url_lease_id');
  if (id === '') throw bad('lease_id must be specified');
  return id;
}

function syncOf(f: FieldValues): boolean {
  return f['sync'] !== false;
}

/** Vault's `RespondWithStatusCode(nil, nil, 202)`: queued, no body. */
const ACCEPTED: LogicalResponse = { raw: { status: 202, contentType: 'application/json', body: '' } };

/**
 * `sys/leases/*` and the legacy `sys/renew`, `sys/revoke`, `sys/revoke-prefix/*`,
 * `sys/revoke-force/*` (node-vault's `revokePrefix` uses the latter). Sudo where Vault's
 * PathsSpecial says so: `leases/lookup/*` (list), `leases`, revoke-prefix and revoke-force.
 */
export function sysLeasePaths(backend: SysBackend): PathSpec[] {
  const renewFields: FieldSpecs = {
    url_lease_id: { type: 'string', description: 'Lease ID (URL)' },
    lease_id: { type: 'string', description: 'Lease ID (body, wins over the URL)' },
    increment: { type: 'duration', description: 'Requested extension, from now' },
  };
  const renew: PathHandler = async (_req, f) => {
    const inc = f['increment'];
    const renewed = await managerOf(backend).renew(leaseIdOf(f), typeof inc === 'number' ? inc : 0);
    return {
      ...(renewed.data === undefined ? {} : { data: renewed.data }),
      secret: {
        leaseId: renewed.leaseId,
        leaseDuration: renewed.leaseDuration,
        renewable: renewed.renewable,
      },
      ...(renewed.warnings.length > 0 ? { warnings: renewed.warnings } : {}),
    };
  };

  const revokeFields: FieldSpecs = {
    url_lease_id: { type: 'string', description: 'Lease ID (URL)' },
    lease_id: { type: 'string', description: 'Lease ID (body, wins over the URL)' },
    sync: { type: 'bool', default: true, description: 'Revoke before answering (false: queue, 202)' },
  };
  const revoke: PathHandler = async (_req, f) => {
    const sync = syncOf(f);
    await managerOf(backend).revoke(leaseIdOf(f), { sync });
    return sync ? undefined : ACCEPTED;
  };

  const prefixFields: FieldSpecs = {
    prefix: { type: 'string', description: 'Lease ID prefix' },
    sync: { type: 'bool', default: true, description: 'Revoke before answering (false: queue, 202)' },
  };
  const revokePrefix: PathHandler = async (_req, f) => {
    const sync = syncOf(f);
    await managerOf(backend).revokePrefix(str(f, 'prefix'), { sync });
    return sync ? undefined : ACCEPTED;
  };
  const revokeForce: PathHandler = async (_req, f) => {
    await managerOf(backend).revokePrefix(str(f, 'prefix'), { sync: true, force: true });
    return undefined;
  };

  const specs: PathSpec[] = [
    {
      pattern: 'leases/lookup',
      fields: { lease_id: { type: 'string', description: 'Lease ID' } },
      operations: {
        update: async (_req, f) => {
          const id = str(f, 'lease_id');
          if (id === '') throw bad('lease_id must be specified');
          const found = await managerOf(backend).lookup(id);
          if (found === undefined) throw bad('invalid lease');
          return { data: { ...found } };
        },
      },
    },
    {
      pattern: 'leases/lookup/(?<prefix>.*)',
      fields: { prefix: { type: 'string', description: 'Lease ID prefix' } },
      rootProtected: true,
      operations: {
        list: async (_req, f) => ({ data: { keys: await managerOf(backend).list(str(f, 'prefix')) } }),
      },
    },
    {
      pattern: 'leases/tidy',
      fields: {},
      operations: {
        update: async () => {
          void managerOf(backend).tidy();
          return { status: 202, warnings: [TIDY_WARNING] };
        },
      },
    },
    {
      pattern: 'leases/count',
      fields: {
        type: { type: 'string', description: 'Lease type; only "irrevocable" is counted' },
        include_child_namespaces: { type: 'bool', default: false, description: 'Namespaces (ignored)' },
      },
      operations: {
        read: async (_req, f) => {
          // Vault counts only irrevocable leases; any other type is an empty (404) answer.
          if (str(f, 'type').toLowerCase() !== 'irrevocable') return undefined;
          return { data: { ...(await managerOf(backend).irrevocableCounts()) } };
        },
      },
    },
    {
      pattern: 'leases',
      fields: {
        type: { type: 'string', description: 'Lease type; only "irrevocable" is listed' },
        include_child_namespaces: { type: 'bool', default: false, description: 'Namespaces (ignored)' },
        limit: { type: 'string', default: '', description: 'Maximum leases returned, or "none"' },
      },
      rootProtected: true,
      operations: {
        read: async (_req, f) => {
          if (str(f, 'type').toLowerCase() !== 'irrevocable') return undefined;
          const rawLimit = str(f, 'limit');
          let limit = IRREVOCABLE_LIST_LIMIT;
          if (rawLimit === 'none') limit = 0;
          else if (rawLimit !== '') {
            limit = Number(rawLimit);
            if (!Number.isInteger(limit) || limit <= 0) throw bad('invalid limit');
          }
          const { leases, total } = await managerOf(backend).irrevocable(limit);
          const warnings =
            limit > 0 && total > limit
              ? [`Command halted because many irrevocable leases were found. Showing ${limit} of ${total}.`]
              : [];
          return {
            data: { lease_count: total, leases },
            ...(warnings.length > 0 ? { warnings } : {}),
          };
        },
      },
    },
  ];

  // Current and legacy (`sys/renew`, `sys/revoke`, ...) paths share the handlers.
  for (const base of ['leases/', '']) {
    specs.push(
      {
        pattern: `${base}renew(?:/(?<url_lease_id>.+))?`,
        fields: renewFields,
        operations: { update: renew },
      },
      {
        pattern: `${base}revoke(?:/(?<url_lease_id>.+))?`,
        fields: revokeFields,
        operations: { update: revoke },
      },
      {
        pattern: `${base}revoke-prefix/(?<prefix>.+)`,
        fields: prefixFields,
        rootProtected: true,
        operations: { update: revokePrefix },
      },
      {
        pattern: `${base}revoke-force/(?<prefix>.+)`,
        fields: { prefix: { type: 'string', description: 'Lease ID prefix' } },
        rootProtected: true,
        operations: { update: revokeForce },
      },
    );
  }
  return specs;
}
