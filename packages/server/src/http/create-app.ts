import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { CoreRequest, RequestHandler } from '../core/core-request.js';
import type { MetricsEndpoint } from '../metrics/metrics-endpoint.js';
import type { ApiHandler, ApiRequest, RequestForwarder } from './api-request.js';
import { clientToken } from './client-token.js';
import type { HttpReply } from './http-reply.js';
import { createFastApiPath } from './fast-api-path.js';
import { declaredLength, refuseTooLarge } from './refuse-too-large.js';
import { apiRequestOf, startRequest, type RequestStart } from './request-start.js';
import { sendReply } from './send-reply.js';
import { serializePerConnection, type HttpListener } from './serialize-per-connection.js';
import { LIST_MARKER_HEADER } from './list-marker.js';
import { renderError } from './render-error.js';
import { renderResponse } from './render-response.js';
import { requestBodyData } from './request-body-data.js';
import { requestOperation } from './request-operation.js';
import { parseWrapTtl } from '../wrapping/parse-wrap-ttl.js';

export interface AppOptions {
  readonly handler: RequestHandler;
  readonly logger: Logger;
  /** Listener `max_request_size` in bytes (Vault default 32 MiB); negative = no limit. */
  readonly maxRequestSize?: number;
  /** HA: forwards or redirects what a standby does not serve itself. */
  readonly forwarder?: RequestForwarder;
  /** Endpoints that stream their bodies (snapshots): served before the buffering body parser. */
  readonly streamed?: StreamedEndpoints;
  /** `sys/metrics`: served by this node itself, before the forwarder is asked. */
  readonly metrics?: MetricsEndpoint;
}

/** Requests whose bodies must not be buffered (e.g. `sys/storage/raft/snapshot`, hundreds of MB). */
export interface StreamedEndpoints {
  /** True for a URL path (no query) served here. */
  handles(urlPath: string): boolean;
  /** Serves the request, errors included; never throws. */
  serve(req: Request, res: Response, requestId: string): Promise<void>;
}

export interface ApiHandlerOptions {
  readonly handler: RequestHandler;
  readonly logger: Logger;
  /** Absent for requests that must be served here (e.g. forwarded ones on the active node). */
  readonly forwarder?: RequestForwarder;
  /** `sys/metrics`: served by this node itself, before the forwarder is asked. */
  readonly metrics?: MetricsEndpoint;
}

export const DEFAULT_MAX_REQUEST_SIZE = 32 * 1024 * 1024;

const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\u2028\u2029]/u;

/** Go's `path.Clean` for a request path (ServeMux redirects unclean paths), trailing slash kept. */
function cleanPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  let cleaned = `/${out.join('/')}`;
  if (p.endsWith('/') && cleaned !== '/') cleaned += '/';
  return cleaned;
}

/**
 * The request listener serving Vault's HTTP API: everything under `/v1/` goes to `handler` (the
 * core) after method → operation mapping, body parsing and token extraction. Plain `/v1/`
 * requests take the `node:http` fast path; content-encoded bodies, streamed endpoints and
 * everything else go through the Express app (body-parser inflates). Pipelined requests of one
 * connection run one at a time. Answers are
 * rendered as Vault's envelope, bare JSON, 204, or `{"errors":[...]}`. Every response carries
 * `Cache-Control: no-store`. Access logs carry method, path (no query string), status and
 * timing — never tokens, headers or bodies.
 */
export function createApp(options: AppOptions): HttpListener {
  const { handler, logger } = options;
  const limit =
    (options.maxRequestSize ?? DEFAULT_MAX_REQUEST_SIZE) < 0
      ? Infinity
      : (options.maxRequestSize ?? DEFAULT_MAX_REQUEST_SIZE) || DEFAULT_MAX_REQUEST_SIZE;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    res.locals['coffer'] = startRequest(req, res, logger);
    // Streamed answers set their own headers; every answer carries this one.
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  const streamed = options.streamed;
  if (streamed !== undefined) {
    app.use((req: Request, res: Response, next: NextFunction) => {
      const start = res.locals['coffer'] as RequestStart;
      if (!streamed.handles(start.urlPath)) {
        next();
        return;
      }
      void streamed.serve(req, res, start.requestId);
    });
  }

  const rawBody = express.raw({ type: () => true, limit, inflate: true });

  const serve = createApiHandler({
    handler,
    logger,
    ...(options.forwarder === undefined ? {} : { forwarder: options.forwarder }),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
  });

  // A declared body over the limit is refused before any of it is read (the body parser would
  // read, and discard, all of it before answering).
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (declaredLength(req) > limit) refuseTooLarge(req, res, req.method === 'HEAD');
    else next();
  });

  app.use(rawBody, async (req: Request, res: Response) => {
    const start = res.locals['coffer'] as RequestStart;
    const reply = await serve(apiRequestOf(req, start, Buffer.isBuffer(req.body) ? req.body : undefined));
    sendReply(res, reply, start.head);
  });

  // Body-parser failures (size, encoding, aborted) arrive here.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const start = res.locals['coffer'] as RequestStart | undefined;
    const type =
      typeof err === 'object' && err !== null && 'type' in err ? String((err as { type: unknown }).type) : '';
    if (type === 'request.aborted' || res.headersSent) {
      req.socket.destroy();
      return;
    }
    let reply: HttpReply;
    if (type === 'entity.too.large') {
      reply = {
        ...renderError(new CofferError(ErrorCode.PayloadTooLarge, 'http: request body too large')).reply,
        headers: { Connection: 'close' },
      };
    } else if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      reply = renderError(
        new CofferError(ErrorCode.UnsupportedMediaType, 'unsupported content encoding'),
      ).reply;
    } else if (type !== '' || isClientError(err)) {
      reply = {
        ...renderError(new CofferError(ErrorCode.BadRequest, 'malformed request body')).reply,
        headers: { Connection: 'close' },
      };
    } else {
      logUnexpected(logger, start?.requestId ?? '', err);
      reply = renderError(err).reply;
    }
    sendReply(res, reply, req.method === 'HEAD');
  });

  const fast = createFastApiPath({
    serve,
    logger,
    limit,
    ...(streamed === undefined ? {} : { streamed: (urlPath: string) => streamed.handles(urlPath) }),
  });
  return serializePerConnection((req, res) => {
    if (!fast(req, res)) app(req, res);
  });
}

/**
 * The API request path of a node: everything under `/v1/` goes to `handler` (the core) after
 * path checks, the forwarder's say (standby), method → operation mapping, body parsing and
 * token extraction. Errors are rendered as Vault's `{"errors":[...]}`; unexpected ones are
 * logged by name and stack only.
 */
export function createApiHandler(options: ApiHandlerOptions): ApiHandler {
  const { handler, logger, forwarder, metrics } = options;
  return async (req) => {
    try {
      return await handleApi(req);
    } catch (err) {
      const { reply, error } = renderError(err);
      if (error.unexpected) logUnexpected(logger, req.requestId, err);
      return reply;
    }
  };

  async function handleApi(req: ApiRequest): Promise<HttpReply> {
    const [rawPath = '', rawQuery = ''] = splitOnce(req.url, '?');
    if (!rawPath.startsWith('/v1/')) return renderError(new CofferError(ErrorCode.NotFound, '')).reply;
    let path: string;
    try {
      path = decodeURIComponent(rawPath.slice('/v1/'.length));
    } catch {
      throw new CofferError(ErrorCode.BadRequest, 'invalid URL escape in request path');
    }
    if (NON_PRINTABLE.test(path))
      throw new CofferError(ErrorCode.BadRequest, 'path contains non-printable characters');
    const full = `/v1/${path}`;
    const cleaned = cleanPath(full);
    if (cleaned !== full) {
      const location = rawQuery === '' ? cleaned : `${cleaned}?${rawQuery}`;
      return { status: 301, headers: { Location: encodeURI(location) } };
    }
    if (path.endsWith('.')) throw new CofferError(ErrorCode.NotFound, '');

    // Metrics describe this node: never forwarded, standbys included.
    if (metrics?.handles(req.method, path) === true) return metrics.serve(req, new URLSearchParams(rawQuery));

    if (forwarder !== undefined) {
      const routed = await forwarder.route(req, path);
      if (routed !== undefined) return routed;
    }

    // Response wrapping: a bad `X-Vault-Wrap-TTL` (or JWT format) is a 400 before anything runs.
    const wrapTtl = parseWrapTtl(req.headers);

    const contentType = firstValue(req.headers['content-type']);
    const listVerb = req.method === 'LIST';
    const method = listVerb ? 'GET' : req.method;
    const op = requestOperation({
      method,
      path,
      query: new URLSearchParams(rawQuery),
      listVerb,
      contentType,
    });
    const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
    const data = hasBody ? requestBodyData(req.body, contentType) : op.queryData;

    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (k === 'x-vault-token' || k === 'authorization' || k === LIST_MARKER_HEADER) continue;
      headers[k] = typeof v === 'string' || v === undefined ? v : v.join(', ');
    }
    const coreRequest: CoreRequest = Object.freeze({
      id: req.requestId,
      operation: op.operation,
      path: op.path,
      data: Object.freeze(data),
      token: clientToken(req.headers),
      headers: Object.freeze(headers),
      clientAddress: req.clientAddress,
      head: op.head,
      ...(wrapTtl === undefined ? {} : { wrapTtl }),
    });
    const result = await handler.handleRequest(coreRequest);
    return renderResponse(req.requestId, op.path, result);
  }
}

/** A body-parser failure caused by the request (e.g. a bad gzip stream): http-errors 4xx status. */
function isClientError(err: unknown): boolean {
  const status = typeof err === 'object' && err !== null && 'status' in err ? Number(err.status) : 0;
  return status >= 400 && status < 500;
}

function firstValue(v: string | readonly string[] | undefined): string | undefined {
  return typeof v === 'string' || v === undefined ? v : v[0];
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

/** Logs an unexpected error by name, code and stack frames only: its message may hold data. */
function logUnexpected(logger: Logger, requestId: string, err: unknown): void {
  const e = err instanceof Error ? err : undefined;
  const frames = e?.stack?.split('\n').filter((l) => l.trimStart().startsWith('at ')) ?? [];
  const code =
    typeof err === 'object' && err !== null && 'code' in err
      ? String((err as { code: unknown }).code)
      : undefined;
  logger.error(
    { request_id: requestId, error_name: e?.name ?? typeof err, error_code: code, stack: frames.join('\n') },
    'internal error',
  );
}
