import type { ServerResponse } from 'node:http';
import type { HttpReply } from './http-reply.js';

/**
 * Writes `reply` as the response: status, its headers, `Cache-Control: no-store` (every API
 * answer), and a JSON (or the reply's own) content type with an exact length; no body for 204 or
 * HEAD.
 */
export function sendReply(res: ServerResponse, reply: HttpReply, head: boolean): void {
  const headers: Record<string, string | number> = { 'Cache-Control': 'no-store' };
  if (reply.headers !== undefined) for (const [k, v] of Object.entries(reply.headers)) headers[k] = v;
  if (reply.body === undefined || reply.status === 204) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body;
  headers['Content-Type'] = reply.contentType ?? 'application/json';
  headers['Content-Length'] = body.byteLength;
  res.writeHead(reply.status, headers);
  if (head) res.end();
  else res.end(body);
}
