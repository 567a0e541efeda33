import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { TokenEntry } from '../logical/token-entry.js';
import { invalidWrappingToken } from './invalid-wrapping-token.js';
import type { ResponseWrapper } from './response-wrapper.js';

/** Paths (after `/v1/`) that take a wrapping token: in the body (`token`) or as the client token. */
export const WRAPPING_TOKEN_PATHS: ReadonlySet<string> = new Set([
  'sys/wrapping/unwrap',
  'sys/wrapping/lookup',
  'sys/wrapping/rewrap',
]);

/** Where the wrapping token of a request came from, and its entry. */
export interface WrappingTokenOf {
  readonly entry: TokenEntry;
  /** True when it came in the body: the client token (if any) is someone else's. */
  readonly thirdParty: boolean;
}

/** The `token` field of the body: undefined when absent; 400 when not a non-empty string. */
export function bodyWrappingToken(data: Readonly<Record<string, unknown>>): string | undefined {
  const raw = data['token'];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string')
    throw new CofferError(ErrorCode.BadRequest, 'could not decode token in request body');
  if (raw === '') throw new CofferError(ErrorCode.BadRequest, 'empty token in request body');
  return raw;
}

/**
 * Vault's `validateWrappingToken`, run before the token check of `sys/wrapping/{unwrap,lookup,
 * rewrap}`: the wrapping token is the body's `token`, else the client token; it must be a live
 * wrapping token, else 400 `wrapping token is not valid or does not exist` — also for a spent
 * one presented as the client token. Giving a wrapping token both ways is a 400 too (checked
 * before the client token's single use would be spent).
 */
export async function validateWrappingTokenRequest(
  wrapper: ResponseWrapper,
  data: Readonly<Record<string, unknown>>,
  clientToken: string | undefined,
): Promise<WrappingTokenOf> {
  const inBody = bodyWrappingToken(data);
  if (
    inBody !== undefined &&
    clientToken !== undefined &&
    (await wrapper.validate(clientToken)) !== undefined
  ) {
    throw new CofferError(
      ErrorCode.BadRequest,
      'give the wrapping token either as the "token" parameter or as the client token, not both',
    );
  }
  const entry = await wrapper.validate(inBody ?? clientToken);
  if (entry === undefined) throw invalidWrappingToken();
  return { entry, thirdParty: inBody !== undefined };
}
