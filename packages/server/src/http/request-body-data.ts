import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';

/**
 * Largest nesting of JSON objects/arrays accepted in a request body: Vault's listener
 * `max_json_depth` default (CVE-2025-6203). Deeper bodies would overflow the stack of every
 * recursive walk after parsing (storage encoding, audit HMAC) and answer 500.
 */
export const MAX_JSON_DEPTH = 500;

/** Whether `text` nests `[`/`{` deeper than `max` (strings skipped); linear, no recursion. */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * Parses a request body into request data the way Vault does: a JSON object (empty body or
 * `null` → `{}`), or `application/x-www-form-urlencoded` when the content type says so and the
 * body does not start with `{`/`[` (curl -d sends JSON with a form content type). Repeated form
 * keys are joined with `,`. Error messages never echo the body (it may hold secrets).
 */
export function requestBodyData(
  body: Uint8Array | undefined,
  contentType: string | undefined,
): Record<string, unknown> {
  if (body === undefined || body.byteLength === 0) return {};
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'multipart/form-data') {
    throw new CofferError(ErrorCode.BadRequest, 'multipart/form-data request bodies are not supported');
  }
  if (mediaType === 'application/x-www-form-urlencoded' && !/^[ \t\r\n]*[[{]/.test(text)) {
    const form = new URLSearchParams(text);
    const data: Record<string, unknown> = {};
    for (const key of new Set(form.keys())) data[key] = form.getAll(key).join(',');
    return data;
  }
  if (text.trim() === '') return {};
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    throw new CofferError(
      ErrorCode.BadRequest,
      `failed to parse JSON input: JSON input exceeds allowed nesting depth (${MAX_JSON_DEPTH})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CofferError(ErrorCode.BadRequest, 'failed to parse JSON input: invalid JSON');
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CofferError(
      ErrorCode.BadRequest,
      'failed to parse JSON input: the request body must be a JSON object',
    );
  }
  return parsed as Record<string, unknown>;
}
