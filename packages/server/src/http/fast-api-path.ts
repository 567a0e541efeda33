import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ApiHandler } from './api-request.js';
import { declaredLength, refuseTooLarge } from './refuse-too-large.js';
import { renderError } from './render-error.js';
import { apiRequestOf, startRequest } from './request-start.js';
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
 * chunked ones up to the limit), and not a streamed endpoint. It does what the general app does
 * for such requests (request start, declared-length limit, rendering) without a router or
 * body-parser middleware in between.
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
    if (streamed?.(query < 0 ? url : url.slice(0, query)) === true) return false;

    const start = startRequest(req, res, logger);
    const declared = declaredLength(req);
    if (declared > limit) {
      refuseTooLarge(req, res, start.head);
      return true;
    }
    const dispatch = (body: Buffer | undefined): void => {
      serve(apiRequestOf(req, start, body)).then(
        (reply) => sendReply(res, reply, start.head),
        (err: unknown) => sendReply(res, renderError(err).reply, start.head),
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
