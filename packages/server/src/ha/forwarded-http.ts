import type { ForwardedHeaders, ForwardedRequest } from '../cluster/forwarded-request.js';
import type { ForwardedResponse } from '../cluster/forwarded-response.js';
import type { ApiRequest } from '../http/api-request.js';
import type { HttpReply } from '../http/http-reply.js';

/** Hop-by-hop and framing headers: the body travels decoded and whole, so these would lie. */
const NOT_FORWARDED = new Set([
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
]);
const EMPTY = new Uint8Array(0);

/** A standby's API request as the forwarding RPC carries it (token, body, headers and client address kept). */
export function forwardedRequestOf(req: ApiRequest): ForwardedRequest {
  const headers: Record<string, readonly string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || NOT_FORWARDED.has(name)) continue;
    headers[name] = typeof value === 'string' ? [value] : [...value];
  }
  return {
    method: req.method,
    url: req.url,
    headers,
    body: req.body ?? EMPTY,
    clientAddress: req.clientAddress,
    requestId: req.requestId,
  };
}

/** The active node's view of a forwarded request. */
export function apiRequestOf(req: ForwardedRequest): ApiRequest {
  const headers: Record<string, string | readonly string[]> = {};
  for (const [name, values] of Object.entries(req.headers)) {
    const lower = name.toLowerCase();
    if (NOT_FORWARDED.has(lower)) continue;
    headers[lower] = values.length === 1 ? (values[0] as string) : values;
  }
  return {
    requestId: req.requestId,
    method: req.method,
    url: req.url,
    headers,
    body:
      req.body.byteLength === 0
        ? undefined
        : Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength),
    clientAddress: req.clientAddress,
  };
}

/** The active node's answer, as it goes back to the standby. */
export function forwardedResponseOf(reply: HttpReply): ForwardedResponse {
  const headers: Record<string, readonly string[]> = {};
  for (const [name, value] of Object.entries(reply.headers ?? {})) headers[name.toLowerCase()] = [value];
  if (reply.contentType !== undefined) headers['content-type'] = [reply.contentType];
  const body =
    reply.body === undefined
      ? EMPTY
      : typeof reply.body === 'string'
        ? Buffer.from(reply.body, 'utf8')
        : reply.body;
  return { status: reply.status, headers, body };
}

/** What the standby sends its client: the active node's status, headers and body, verbatim. */
export function replyOf(res: ForwardedResponse): HttpReply {
  const headers: Record<string, string> = {};
  let contentType: string | undefined;
  for (const [name, values] of Object.entries(res.headers as ForwardedHeaders)) {
    const lower = name.toLowerCase();
    if (lower === 'content-type') contentType = values[0];
    else if (!NOT_FORWARDED.has(lower)) headers[lower] = values.join(', ');
  }
  return {
    status: res.status,
    ...(contentType === undefined ? {} : { contentType }),
    ...(res.body.byteLength === 0 && contentType === undefined ? {} : { body: res.body }),
    headers,
  };
}
