import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { ApiHandler } from './api-request.js';
import { LIST_MARKER_HEADER } from './list-marker.js';
import { renderError } from './render-error.js';
import { sendReply } from './send-reply.js';

export interface FastApiPathOptions {
  readonly serve: ApiHandler;
  readonly logger: Logger;
  /** Largest body accepted, in bytes (Infinity = no limit). */
  readonly limit: number;
  /** True for URL paths (no query) some other handler streams (snapshots): not taken here. */
  readonly streamed?: (urlPath: string) => boolean;
}

/** Serves a request and returns true, or returns false (untouched) for the general app to serve. */
export type FastApiPath = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The API path on plain `node:http`: every `/v1/` request without a body or with a declared
 * `Content-Length`, not content-encoded (the general app inflates gzip/deflate bodies, and reads
 * chunked ones up to the limit), and not a streamed endpoint. It does what the
 * general app does for such requests — request ID, the declared and actual body limits, access
 * log, rendering — without a router or body-parser middleware in between.
 */
export function createFastApiPath(options: FastApiPathOptions): FastApiPath {
  const { serve, logger, limit, streamed } = options;
  return (req, res) => {
    const url = req.url ?? '';
    if (!url.startsWith('/v1/')) return false;
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
    // A body without a declared length (chunked) is read by the general app's body parser, which
    // stops at the limit; here a body is at most its declared, checked length.
    if (req.headers['transfer-encoding'] !== undefined) return false;
    const query = url.indexOf('?');
    const urlPath = query < 0 ? url : url.slice(0, query);
    if (streamed?.(urlPath) === true) return false;

    const requestId = randomUUID();
    const listVerb = req.method === 'GET' && req.headers[LIST_MARKER_HEADER] !== undefined;
    const head = req.method === 'HEAD';
    if (logger.isLevelEnabled('info')) logAccess(logger, req, res, requestId, listVerb, urlPath);

    // A declared body over the limit is refused before any of it is read (CVE-2023-6337).
    const length = req.headers['content-length'];
    const declared = length === undefined ? Number.NaN : Number(length);
    if (Number.isFinite(declared) && declared > limit) {
      refuseTooLarge(req, res, head);
      return true;
    }

    const dispatch = (body: Buffer | undefined): void => {
      const headers: Record<string, string | string[] | undefined> = {};
      for (const k in req.headers) if (k !== LIST_MARKER_HEADER) headers[k] = req.headers[k];
      serve({
        requestId,
        method: listVerb ? 'LIST' : (req.method ?? 'GET'),
        url,
        headers,
        body,
        clientAddress: req.socket.remoteAddress ?? '',
      }).then(
        (reply) => sendReply(res, reply, head),
        (err: unknown) => sendReply(res, renderError(err).reply, head),
      );
    };

    // As body-parser: a request has a body when it declares a length (chunked ones went above).
    if (Number.isNaN(declared)) {
      dispatch(undefined);
      req.resume();
      return true;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => dispatch(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.once('aborted', () => req.socket.destroy());
    req.once('error', () => req.socket.destroy());
    return true;
  };
}

/** 413, and the connection closes after it: the rest of the body is never read. */
function refuseTooLarge(req: IncomingMessage, res: ServerResponse, head: boolean): void {
  res.once('finish', () => req.socket.destroySoon());
  sendReply(
    res,
    {
      ...renderError(new CofferError(ErrorCode.PayloadTooLarge, 'http: request body too large')).reply,
      headers: { Connection: 'close' },
    },
    head,
  );
}

/** Method (LIST for the verb), path without query, status, timing: never tokens, headers or bodies. */
function logAccess(
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  listVerb: boolean,
  urlPath: string,
): void {
  const start = process.hrtime.bigint();
  res.once('finish', () => {
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    logger.info(
      {
        request_id: requestId,
        method: listVerb ? 'LIST' : req.method,
        path: urlPath.slice(0, 1024),
        status: res.statusCode,
        duration_ms: Math.round(ms * 1000) / 1000,
        remote_addr: req.socket.remoteAddress,
      },
      'request',
    );
  });
}
