import { httpErrorOf, type HttpError } from '../errors/http-error-of.js';
import type { HttpReply } from './http-reply.js';

/** Vault's error body, `{"errors":[...]}` (plus `data` when the error carries it), for any thrown value. */
export function renderError(err: unknown): { reply: HttpReply; error: HttpError } {
  const error = httpErrorOf(err);
  const body: Record<string, unknown> = { errors: error.messages };
  if (error.data !== undefined) body['data'] = error.data;
  return {
    reply: { status: error.status, contentType: 'application/json', body: JSON.stringify(body) },
    error,
  };
}
