import { CofferError } from '../../errors/coffer-error.js';
import { ErrorCode } from '../../errors/error-code.js';
import type { Engine } from '../../logical/engine.js';
import { toDurationSecondsOrUndefined } from './advisory-ttl.js';
import { getJson, putJson } from '../../logical/storage-json.js';

/** Vault's system default lease TTL (768h), reported as lease_duration on KV v1 reads without `ttl`. */
export const DEFAULT_KV_LEASE_SECONDS = 2_764_800;

/**
 * KV v1: the request body is stored verbatim (any JSON values) at the mount-relative path.
 * Reads report an advisory TTL — the stored `ttl` (or `lease`) field, else the default — as a
 * secret with an empty lease ID: the HTTP layer shows it as `lease_duration` and registers no lease.
 */
export function createKvV1Engine(): Engine {
  return {
    paths: [
      {
        pattern: '(?<path>.*)',
        fields: { path: { type: 'string', description: 'Location of the secret.' } },
        takesArbitraryInput: true,
        existenceCheck: async (req, fields) => {
          const path = fields['path'] as string;
          return path !== '' && (await req.storage.get(path)) !== undefined;
        },
        operations: {
          read: async (req, fields) => {
            const path = fields['path'] as string;
            if (path === '') return undefined;
            const data = await getJson<Record<string, unknown>>(req.storage, path);
            if (data === undefined) return undefined;
            const ttlRaw = Object.hasOwn(data, 'ttl') ? data['ttl'] : data['lease'];
            const ttl = ttlRaw === undefined ? undefined : toDurationSecondsOrUndefined(ttlRaw);
            return {
              data,
              secret: { leaseId: '', leaseDuration: ttl ?? DEFAULT_KV_LEASE_SECONDS, renewable: false },
            };
          },
          update: async (req, fields) => {
            const path = fields['path'] as string;
            if (path === '') throw new CofferError(ErrorCode.BadRequest, 'missing path');
            if (Object.keys(req.data).length === 0)
              throw new CofferError(ErrorCode.BadRequest, 'missing data fields');
            await putJson(req.storage, path, req.data);
            return undefined;
          },
          delete: async (req, fields) => {
            const path = fields['path'] as string;
            if (path !== '') await req.storage.delete(path);
            return undefined;
          },
          list: async (req, fields) => {
            const path = fields['path'] as string;
            const prefix = path === '' || path.endsWith('/') ? path : `${path}/`;
            const keys = await req.storage.list(prefix);
            return keys.length === 0 ? undefined : { data: { keys } };
          },
        },
      },
    ],
  };
}
