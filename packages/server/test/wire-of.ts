import { randomUUID } from 'node:crypto';
import type { LogicalResponse } from '../src/logical/logical-response.js';
import { renderResponse } from '../src/http/render-response.js';

/** What the HTTP layer puts on the wire for an engine's response (status, parsed JSON body). */
export interface Wire {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Record<string, unknown> | undefined;
}

export function wireOf(response: LogicalResponse | undefined, mountType: string, path = 'x'): Wire {
  const reply = renderResponse(randomUUID(), path, { response, mountType });
  const text =
    reply.body === undefined
      ? undefined
      : typeof reply.body === 'string'
        ? reply.body
        : Buffer.from(reply.body).toString('utf8');
  return {
    status: reply.status,
    contentType: reply.contentType,
    body: text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}
