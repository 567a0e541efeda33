import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { LogicalResponse } from '../logical/logical-response.js';
import type { TokenEntry } from '../logical/token-entry.js';
import type { FieldValues, PathSpec } from '../logical/path-spec.js';
import type { SysBackend } from './sys-backend.js';

const bad = (message: string): CofferError => new CofferError(ErrorCode.BadRequest, message);

function pathsOf(fields: FieldValues): string[] {
  const paths = Array.isArray(fields['paths']) ? (fields['paths'] as string[]) : [];
  const legacy = Array.isArray(fields['path']) ? (fields['path'] as string[]) : [];
  const all = [...paths, ...legacy].filter((p) => p !== '');
  if (all.length === 0) throw bad("'paths' must be specified");
  return all;
}

async function answer(
  backend: SysBackend,
  entry: TokenEntry,
  paths: readonly string[],
): Promise<LogicalResponse> {
  const data: Record<string, unknown> = {};
  for (const path of paths) data[path] = await backend.capabilities(entry, path);
  if (paths.length === 1) data['capabilities'] = data[paths[0] as string];
  return { data };
}

const PATH_FIELDS = {
  paths: { type: 'comma-string-slice', description: 'Paths to check' },
  path: { type: 'comma-string-slice', description: 'Deprecated alias of paths' },
} as const;

/** `sys/capabilities` (token), `sys/capabilities-accessor` (accessor), `sys/capabilities-self`. */
export function sysCapabilitiesPaths(backend: SysBackend): PathSpec[] {
  return [
    {
      pattern: 'capabilities',
      fields: { ...PATH_FIELDS, token: { type: 'string', description: 'Token to check' } },
      operations: {
        update: async (_req, f) => {
          const token = String(f['token'] ?? '');
          if (token === '') throw bad("'token' must be specified");
          const paths = pathsOf(f);
          const entry = await backend.lookupToken(token);
          if (entry === undefined) throw bad('invalid token');
          return answer(backend, entry, paths);
        },
      },
    },
    {
      pattern: 'capabilities-accessor',
      fields: { ...PATH_FIELDS, accessor: { type: 'string', description: 'Accessor of the token to check' } },
      operations: {
        update: async (_req, f) => {
          const accessor = String(f['accessor'] ?? '');
          if (accessor === '') throw bad("'accessor' must be specified");
          const paths = pathsOf(f);
          const entry = await backend.lookupAccessor(accessor);
          if (entry === undefined) throw bad('invalid accessor');
          return answer(backend, entry, paths);
        },
      },
    },
    {
      pattern: 'capabilities-self',
      fields: {
        ...PATH_FIELDS,
        token: { type: 'string', description: 'Ignored: the request token is used' },
      },
      operations: {
        update: async (req, f) => {
          const paths = pathsOf(f);
          if (req.auth === undefined) throw new CofferError(ErrorCode.PermissionDenied, 'permission denied');
          return answer(backend, req.auth.entry, paths);
        },
      },
    },
  ];
}
