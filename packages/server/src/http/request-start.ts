import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ApiRequest } from './api-request.js';
import { LIST_MARKER_HEADER } from './list-marker.js';

/** What both request paths (plain `node:http` and Express) know of a request before its body. */
export interface RequestStart {
  readonly requestId: string;
  /** Path and query as received (before any router rewrites `req.url`). */
  readonly url: string;
  /** `url` without the query. */
  readonly urlPath: string;
  /** The client sent Vault's LIST verb (the shim's GET + marker header). */
  readonly listVerb: boolean;
  readonly head: boolean;
}

/**
 * Gives the request its ID and, with info logging on, its access-log line: method (LIST for the
 * verb), path without query, status, timing — never tokens, headers or bodies.
 */
export function startRequest(req: IncomingMessage, res: ServerResponse, logger: Logger): RequestStart {
  const url = req.url ?? '';
  const query = url.indexOf('?');
  const start: RequestStart = {
    requestId: randomUUID(),
    url,
    urlPath: query < 0 ? url : url.slice(0, query),
    listVerb: req.method === 'GET' && req.headers[LIST_MARKER_HEADER] !== undefined,
    head: req.method === 'HEAD',
  };
  if (logger.isLevelEnabled('info')) {
    const began = process.hrtime.bigint();
    res.once('finish', () => {
      const ms = Number(process.hrtime.bigint() - began) / 1e6;
      logger.info(
        {
          request_id: start.requestId,
          method: start.listVerb ? 'LIST' : req.method,
          path: start.urlPath.slice(0, 1024),
          status: res.statusCode,
          duration_ms: Math.round(ms * 1000) / 1000,
          remote_addr: req.socket.remoteAddress,
        },
        'request',
      );
    });
  }
  return start;
}

/** The API request for the core: headers as received, minus the LIST marker. */
export function apiRequestOf(
  req: IncomingMessage,
  start: RequestStart,
  body: Buffer | undefined,
): ApiRequest {
  const headers: Record<string, string | string[] | undefined> = {};
  for (const k in req.headers) if (k !== LIST_MARKER_HEADER) headers[k] = req.headers[k];
  return {
    requestId: start.requestId,
    method: start.listVerb ? 'LIST' : (req.method ?? 'GET'),
    url: start.url,
    headers,
    body,
    clientAddress: req.socket.remoteAddress ?? '',
  };
}
