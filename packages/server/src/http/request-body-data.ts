import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';

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
