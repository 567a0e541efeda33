import type { LogicalRequest } from '../../logical/logical-request.js';
import type { LogicalResponse } from '../../logical/logical-response.js';
import type { PathHandler, PathSpec } from '../../logical/path-spec.js';

const ROOTS = new Set(['metadata', 'data', 'delete', 'undelete', 'destroy']);

const SUBCOMMAND: Readonly<Record<string, string>> = {
  create: 'put',
  update: 'put',
  patch: 'patch',
  read: 'get',
  list: 'list',
  delete: 'delete',
};

/**
 * Catch-all, last in the path list: a KV v1-style path on a v2 mount answers 404 with Vault's
 * hint as a warning in a full response envelope (the Go client and CLI read warnings from 404
 * bodies; an error message would be lost).
 */
export function kvV2InvalidPath(): PathSpec {
  const handler: PathHandler = async (req) => notFoundWithWarning(warningFor(req));
  return {
    pattern: '.*',
    fields: {},
    operations: { update: handler, patch: handler, read: handler, delete: handler, list: handler },
  };
}

function warningFor(req: LogicalRequest): string {
  if (ROOTS.has(req.path)) return 'Non-listing operations on the root of a K/V v2 mount are not supported.';
  const sub = SUBCOMMAND[req.operation] ?? '';
  return (
    'Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. ' +
    `If using the Vault CLI, use 'vault kv ${sub}' for this operation.`
  );
}

function notFoundWithWarning(warning: string): LogicalResponse {
  return { status: 404, warnings: [warning] };
}
