import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';

/** Vault's `ErrInvalidWrappingToken`: a 400 for a wrapping token that is unknown, spent or expired. */
export function invalidWrappingToken(): CofferError {
  return new CofferError(ErrorCode.BadRequest, 'wrapping token is not valid or does not exist');
}
