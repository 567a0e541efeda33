import type { StorageView } from '@coffer/barrier';
import { CofferError } from '../../errors/coffer-error.js';
import { ErrorCode } from '../../errors/error-code.js';
import type { Engine, EngineFactory } from '../../logical/engine.js';
import type { LogicalRequest } from '../../logical/logical-request.js';
import { getJson, putJson } from '../../logical/storage-json.js';

/**
 * Cubbyhole: KV v1 semantics in a storage area private to the calling token. Every key lives
 * under `<cubbyholeId>/` in the mount's view; the ID comes from the token entry (derived from the
 * salted token ID, so storage never holds the token). Only service tokens have a cubbyhole.
 */
export const cubbyholeEngineFactory: EngineFactory = {
  type: 'cubbyhole',
  async create(): Promise<Engine> {
    return createCubbyholeEngine();
  },
};

export function createCubbyholeEngine(): Engine {
  return {
    paths: [
      {
        pattern: '(?<path>.*)',
        fields: {
          path: { type: 'string', description: 'Location of the secret in the caller’s cubbyhole.' },
        },
        takesArbitraryInput: true,
        existenceCheck: async (req, fields) => {
          const path = fields['path'] as string;
          return path !== '' && (await cubbyOf(req).get(path)) !== undefined;
        },
        operations: {
          read: async (req, fields) => {
            const cubby = cubbyOf(req);
            const path = fields['path'] as string;
            if (path === '') throw new CofferError(ErrorCode.BadRequest, 'missing path');
            const data = await getJson<Record<string, unknown>>(cubby, path);
            return data === undefined ? undefined : { data };
          },
          update: async (req, fields) => {
            const cubby = cubbyOf(req);
            if (Object.keys(req.data).length === 0)
              throw new CofferError(ErrorCode.BadRequest, 'missing data fields');
            const path = fields['path'] as string;
            if (path === '') throw new CofferError(ErrorCode.BadRequest, 'missing path');
            await putJson(cubby, path, req.data);
            return undefined;
          },
          delete: async (req, fields) => {
            const cubby = cubbyOf(req);
            const path = fields['path'] as string;
            if (path !== '') await cubby.delete(path);
            return undefined;
          },
          list: async (req, fields) => {
            const cubby = cubbyOf(req);
            const path = fields['path'] as string;
            const prefix = path === '' || path.endsWith('/') ? path : `${path}/`;
            const keys = await cubby.list(prefix);
            return keys.length === 0 ? undefined : { data: { keys } };
          },
        },
      },
    ],
  };
}

/** The caller's cubbyhole view; 403 without a token, 400 for token types that have none. */
function cubbyOf(req: LogicalRequest): StorageView {
  const auth = req.auth;
  if (auth === undefined) throw new CofferError(ErrorCode.PermissionDenied, 'permission denied');
  if (auth.entry.type !== 'service') {
    throw new CofferError(
      ErrorCode.BadRequest,
      'cubbyhole operations are only supported by "service" type tokens',
    );
  }
  const id = auth.entry.cubbyholeId;
  if (id === '' || id.includes('/')) throw new CofferError(ErrorCode.Internal, 'invalid cubbyhole id');
  return req.storage.view(`${id}/`);
}
