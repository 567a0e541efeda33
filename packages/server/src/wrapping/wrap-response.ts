import { responseEnvelope } from '../http/render-response.js';
import type { LogicalResponse } from '../logical/logical-response.js';
import type { ResponseWrapper } from './response-wrapper.js';

/** Paths whose responses are never wrapped again (`sys/wrapping/rewrap` wraps by itself). */
const NEVER_WRAPPED: ReadonlySet<string> = new Set([
  'sys/wrapping/unwrap',
  'sys/wrapping/lookup',
  'sys/wrapping/rewrap',
]);

export interface WrapStep {
  readonly requestId: string;
  /** Full request path after `/v1/`: the wrapping token's creation path. */
  readonly path: string;
  /** Type of the mount that served the request (stored in the envelope; `approle` secret IDs). */
  readonly mountType: string;
  /** Requested wrap TTL, seconds; undefined or 0 = no wrapping. */
  readonly ttl: number | undefined;
  readonly response: LogicalResponse | undefined;
}

/**
 * The pipeline's response-wrapping step (Vault's `wrapInCubbyhole`): when the request asked for
 * wrapping and the response has something to wrap (data, auth or a secret), the response is
 * serialised as the HTTP layer would render it, stored in the cubbyhole of a new single-use
 * wrapping token, and replaced by its `wrap_info`. Anything else passes through unchanged:
 * no TTL, nothing to return (204), raw or non-2xx answers, already wrapped responses, and the
 * `sys/wrapping/{unwrap,lookup,rewrap}` answers.
 */
export async function wrapResponse(
  wrapper: () => ResponseWrapper,
  step: WrapStep,
): Promise<LogicalResponse | undefined> {
  const { response, ttl } = step;
  if (ttl === undefined || ttl <= 0 || response === undefined) return response;
  if (response.raw !== undefined || response.wrapInfo !== undefined) return response;
  if (response.status !== undefined && (response.status < 200 || response.status >= 300)) return response;
  if (NEVER_WRAPPED.has(step.path)) return response;
  if (response.data === undefined && response.auth === undefined && response.secret === undefined)
    return response;
  const envelope = responseEnvelope(step.requestId, { response, mountType: step.mountType });
  const wrappedAccessor =
    response.auth?.accessor ??
    (step.mountType === 'approle' && typeof response.data?.['secret_id_accessor'] === 'string'
      ? response.data['secret_id_accessor']
      : undefined);
  const wrapInfo = await wrapper().wrap({
    ttl,
    creationPath: step.path,
    response: JSON.stringify(envelope),
    ...(wrappedAccessor === undefined ? {} : { wrappedAccessor }),
  });
  return { wrapInfo };
}
