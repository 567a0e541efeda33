import type { IncomingMessage, ServerResponse } from 'node:http';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { renderError } from './render-error.js';
import { sendReply } from './send-reply.js';

/** The request's declared `Content-Length`, or NaN when it declares none. */
export function declaredLength(req: IncomingMessage): number {
  const length = req.headers['content-length'];
  return length === undefined ? Number.NaN : Number(length);
}

/**
 * 413 for a body declared over the limit, before any of it is read (CVE-2023-6337); the
 * connection closes after the answer, so the rest of the body is never read.
 */
export function refuseTooLarge(req: IncomingMessage, res: ServerResponse, head: boolean): void {
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
