import type { CoreResponse } from '../core/core-request.js';
import { wireWrapInfo } from '../wrapping/wrap-info.js';
import type { HttpReply } from './http-reply.js';
import { injectsDataAtTopLevel } from './top-level-data-routes.js';

/**
 * Turns a core response into Vault's wire format:
 * - `raw` responses (bare-JSON sys endpoints, KV v2 soft-delete 404s) are written as given;
 * - nothing to return (no data, auth, secret, wrap info or warnings) → 204 with no body;
 * - otherwise the envelope (status 200 unless the response names one), every key present (`lease_id:""`, `data:null`, `wrap_info:null`,
 *   `warnings:null`, `auth:null`, `mount_type`), with `data` keys also copied to the top
 *   level for the legacy sys routes.
 */
export function renderResponse(requestId: string, path: string, result: CoreResponse): HttpReply {
  const response = result.response;
  if (response?.raw !== undefined) {
    return { status: response.raw.status, contentType: response.raw.contentType, body: response.raw.body };
  }
  const envelope = responseEnvelope(requestId, result);
  if (envelope === undefined) return { status: 204 };
  const body =
    response?.data !== undefined && response.wrapInfo === undefined && injectsDataAtTopLevel(path)
      ? { ...response.data, ...envelope }
      : envelope;
  return { status: response?.status ?? 200, contentType: 'application/json', body: JSON.stringify(body) };
}

/**
 * Vault's JSON envelope of a (non-raw) response, without the legacy top-level copy of `data`;
 * undefined when there is nothing to return (204). A wrapped response carries only `wrap_info`
 * (Vault leaves even `request_id` empty). Response wrapping stores this very envelope, so
 * unwrapping returns what the client would have received unwrapped.
 */
export function responseEnvelope(
  requestId: string,
  result: CoreResponse,
): Record<string, unknown> | undefined {
  const response = result.response;
  if (response?.wrapInfo !== undefined) {
    return {
      request_id: '',
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: null,
      wrap_info: wireWrapInfo(response.wrapInfo),
      warnings: null,
      auth: null,
      mount_type: '',
    };
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
    return undefined;
  }
  return {
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
}
