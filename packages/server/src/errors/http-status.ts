import { ErrorCode } from './error-code.js';

/** The one table mapping error codes to HTTP status codes. */
export const httpStatusOf: Readonly<Record<ErrorCode, number>> = {
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.PermissionDenied]: 403,
  [ErrorCode.InvalidCredentials]: 400,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.NoRoute]: 404,
  [ErrorCode.UnsupportedOperation]: 405,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.UnsupportedMediaType]: 415,
  [ErrorCode.CasMismatch]: 400,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.Sealed]: 503,
  [ErrorCode.NotInitialized]: 400,
  [ErrorCode.AlreadyInitialized]: 400,
  [ErrorCode.NoActiveNode]: 503,
  [ErrorCode.Indeterminate]: 502,
  [ErrorCode.Internal]: 500,
};
