import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { Operation } from '../logical/operation.js';

export const MERGE_PATCH_CONTENT_TYPE = 'application/merge-patch+json';

export interface RequestOperation {
  readonly operation: Operation;
  /** The API path, with a trailing `/` for list requests. */
  readonly path: string;
  /** Query parameters that become request data (GET/LIST/DELETE), `list` removed for lists. */
  readonly queryData: Record<string, unknown>;
  readonly head: boolean;
}

/** Go's `strconv.ParseBool`. */
function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

/** Vault's `parseQuery`: one value → string, several → list of strings. */
function queryToData(query: URLSearchParams): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const key of new Set(query.keys())) {
    const values = query.getAll(key);
    data[key] = values.length === 1 ? values[0] : values;
  }
  return data;
}

/**
 * Maps an HTTP method to a logical operation as Vault does (§1.2): GET → read, GET `?list=true`
 * or the LIST verb → list (path gains a trailing `/`), POST/PUT → update (create vs update is
 * decided later by the engine's existence check), PATCH → patch (merge-patch content type
 * required, else 415), DELETE → delete, HEAD → read on `sys/health` only; anything else 405.
 */
export function requestOperation(input: {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly listVerb: boolean;
  readonly contentType: string | undefined;
}): RequestOperation {
  const { method, path, query } = input;
  const withSlash = (p: string): string => (p.endsWith('/') ? p : `${p}/`);
  switch (method) {
    case 'GET': {
      let list = input.listVerb;
      const listParam = query.get('list');
      if (listParam !== null && listParam !== '') {
        const parsed = parseGoBool(listParam);
        if (parsed === undefined)
          throw new CofferError(ErrorCode.BadRequest, 'invalid value for "list" query parameter');
        if (parsed) {
          query.delete('list');
          list = true;
        }
      }
      if (list)
        return {
          operation: Operation.List,
          path: withSlash(path),
          queryData: queryToData(query),
          head: false,
        };
      return { operation: Operation.Read, path, queryData: queryToData(query), head: false };
    }
    case 'LIST':
      return { operation: Operation.List, path: withSlash(path), queryData: queryToData(query), head: false };
    case 'POST':
    case 'PUT':
      return { operation: Operation.Update, path, queryData: {}, head: false };
    case 'PATCH': {
      const type = (input.contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (type !== MERGE_PATCH_CONTENT_TYPE) {
        throw new CofferError(
          ErrorCode.UnsupportedMediaType,
          `PATCH requires Content-Type of ${MERGE_PATCH_CONTENT_TYPE}, provided ${type === '' ? 'none' : type}`,
        );
      }
      return { operation: Operation.Patch, path, queryData: {}, head: false };
    }
    case 'DELETE':
      return { operation: Operation.Delete, path, queryData: queryToData(query), head: false };
    case 'HEAD':
      if (path === 'sys/health')
        return { operation: Operation.Read, path, queryData: queryToData(query), head: true };
      throw new CofferError(ErrorCode.UnsupportedOperation, '');
    default:
      throw new CofferError(ErrorCode.UnsupportedOperation, '');
  }
}
