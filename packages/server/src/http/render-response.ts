import type { CoreResponse } from '../core/core-request.js';
import type { HttpReply } from './http-reply.js';
import { injectsDataAtTopLevel } from './top-level-data-routes.js';

/**
 * Turns a core response into Vault's wire format:
 * - `raw` responses (bare-JSON sys endpoints, KV v2 soft-delete 404s) are written as given;
 * - nothing to return (no data, auth, secret or warnings) → 204 with no body;
 * - otherwise the envelope (status 200 unless the response names one), every key present (`lease_id:""`, `data:null`, `wrap_info:null`,
 *   `warnings:null`, `auth:null`, `mount_type`), with `data` keys also copied to the top
 *   level for the legacy sys routes.
 */
export function renderResponse(requestId: string, path: string, result: CoreResponse): HttpReply {
  const response = result.response;
  if (response?.raw !== undefined) {
    return { status: response.raw.status, contentType: response.raw.contentType, body: response.raw.body };
  }
  const warnings =
    response?.warnings !== undefined && response.warnings.length > 0 ? [...response.warnings] : null;
  if (
    response === undefined ||
    (response.data === undefined &&
      response.auth === undefined &&
      response.secret === undefined &&
      warnings === null)
  ) {
    return { status: 204 };
  }
  const envelope: Record<string, unknown> = {
    request_id: requestId,
    lease_id: response.secret?.leaseId ?? '',
    renewable: response.secret?.renewable ?? false,
    lease_duration: response.secret?.leaseDuration ?? 0,
    data: response.data ?? null,
    wrap_info: null,
    warnings,
    auth: response.auth ?? null,
    mount_type: result.mountType,
  };
  const body =
    response.data !== undefined && injectsDataAtTopLevel(path) ? { ...response.data, ...envelope } : envelope;
  return { status: response.status ?? 200, contentType: 'application/json', body: JSON.stringify(body) };
}
