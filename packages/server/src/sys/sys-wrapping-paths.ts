import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { LogicalRequest } from '../logical/logical-request.js';
import type { LogicalResponse } from '../logical/logical-response.js';
import type { PathSpec } from '../logical/path-spec.js';
import type { TokenEntry } from '../logical/token-entry.js';
import { invalidWrappingToken } from '../wrapping/invalid-wrapping-token.js';
import { parseWrapTtl } from '../wrapping/parse-wrap-ttl.js';
import { isWrappingToken, type ResponseWrapper } from '../wrapping/response-wrapper.js';
import { bodyWrappingToken } from '../wrapping/wrapping-token-request.js';

const tokenField = {
  token: { type: 'string', description: 'The wrapping token (omit when it is the client token)' },
} as const;

/**
 * The wrapping token of an unwrap/rewrap: `token` in the body (a third party's, whose single use
 * is spent here), else the client token, whose use the pipeline already spent.
 */
async function wrappingTokenOf(
  wrapper: ResponseWrapper,
  req: LogicalRequest,
): Promise<{ entry: TokenEntry; thirdParty: boolean }> {
  const inBody = bodyWrappingToken(req.data);
  if (inBody !== undefined) {
    const entry = await wrapper.validate(inBody);
    if (entry === undefined) throw invalidWrappingToken();
    return { entry, thirdParty: true };
  }
  const entry = req.auth?.entry;
  if (entry === undefined || !isWrappingToken(entry)) throw invalidWrappingToken();
  return { entry, thirdParty: false };
}

/** Runs `read` on the wrapping token's cubbyhole; a third party's token is spent and revoked around it. */
async function withWrappingToken<T>(
  wrapper: ResponseWrapper,
  req: LogicalRequest,
  read: (entry: TokenEntry) => Promise<T>,
): Promise<T> {
  const { entry, thirdParty } = await wrappingTokenOf(wrapper, req);
  return thirdParty ? wrapper.consume(entry, read) : read(entry);
}

/**
 * `sys/wrapping/wrap|unwrap|lookup|rewrap` (Vault §2.11). Wrapping itself happens in the request
 * pipeline: `wrap` only echoes its input, which the pipeline then wraps; `rewrap` wraps by
 * itself (same TTL and creation path) and the pipeline leaves its answer alone. The pipeline has
 * already validated the wrapping token of unwrap/lookup/rewrap before the token check.
 */
export function sysWrappingPaths(wrapper: () => ResponseWrapper): PathSpec[] {
  return [
    {
      pattern: 'wrapping/wrap',
      fields: {},
      takesArbitraryInput: true,
      operations: {
        update: async (req): Promise<LogicalResponse> => {
          const ttl = parseWrapTtl(req.headers);
          if (ttl === undefined || ttl === 0)
            throw new CofferError(ErrorCode.BadRequest, 'endpoint requires response wrapping to be used');
          return { data: { ...req.data } };
        },
      },
    },
    {
      pattern: 'wrapping/unwrap',
      fields: tokenField,
      operations: {
        update: async (req): Promise<LogicalResponse> => {
          const w = wrapper();
          const body = await withWrappingToken(w, req, (entry) => w.response(entry));
          return { raw: { status: 200, contentType: 'application/json', body } };
        },
      },
    },
    {
      pattern: 'wrapping/lookup',
      fields: tokenField,
      unauthenticated: true,
      operations: {
        update: async (req) => lookup(wrapper(), req),
        read: async (req) => lookup(wrapper(), req),
      },
    },
    {
      pattern: 'wrapping/rewrap',
      fields: tokenField,
      operations: {
        update: async (req): Promise<LogicalResponse> => {
          const w = wrapper();
          const wrapInfo = await withWrappingToken(w, req, async (entry) => {
            const [response, info] = await Promise.all([w.response(entry), w.lookup(entry)]);
            return w.wrap({ ttl: info.creationTtl, creationPath: info.creationPath, response });
          });
          return { wrapInfo };
        },
      },
    },
  ];
}

/** Lookup never spends the token: the body's `token`, else the (valid) client token. */
async function lookup(wrapper: ResponseWrapper, req: LogicalRequest): Promise<LogicalResponse> {
  const token = bodyWrappingToken(req.data) ?? req.auth?.clientToken;
  if (token === undefined) throw new CofferError(ErrorCode.BadRequest, 'missing "token" value in input');
  const entry = await wrapper.validate(token);
  if (entry === undefined) throw invalidWrappingToken();
  const info = await wrapper.lookup(entry);
  return {
    data: {
      creation_path: info.creationPath,
      creation_time: info.creationTime,
      creation_ttl: info.creationTtl,
    },
  };
}
