import { BarrierError, type BarrierErrorCode } from '@coffer/barrier';
import { CofferError } from './coffer-error.js';
import { ErrorCode } from './error-code.js';
import { httpStatusOf } from './http-status.js';

/** How an error is shown to the client: status, `errors` messages and optional `data`. */
export interface HttpError {
  readonly status: number;
  readonly code: ErrorCode;
  readonly messages: readonly string[];
  readonly data?: Readonly<Record<string, unknown>>;
  /** True when the error was not a typed error: the caller logs it (without secrets). */
  readonly unexpected: boolean;
}

/** Barrier codes → server codes and client-safe messages (Vault's wording where it has one). */
const barrierErrors: Readonly<Record<BarrierErrorCode, { code: ErrorCode; message: string | undefined }>> = {
  BARRIER_SEALED: { code: ErrorCode.Sealed, message: 'Vault is sealed' },
  NOT_INITIALIZED: { code: ErrorCode.NotInitialized, message: 'Vault is not initialized' },
  ALREADY_INITIALIZED: { code: ErrorCode.AlreadyInitialized, message: 'Vault is already initialized' },
  ALREADY_UNSEALED: { code: ErrorCode.BadRequest, message: 'vault is unsealed' },
  // The barrier's own message says why (wrong length, undecodable, does not decrypt); never key bytes.
  INVALID_UNSEAL_KEY: { code: ErrorCode.BadRequest, message: undefined },
  INVALID_SEAL_CONFIG: { code: ErrorCode.BadRequest, message: undefined },
  DECRYPTION_FAILED: { code: ErrorCode.Internal, message: 'internal error' },
  RESERVED_PATH: { code: ErrorCode.PermissionDenied, message: 'permission denied' },
  INVALID_KEY: { code: ErrorCode.BadRequest, message: 'invalid storage key' },
};

/**
 * Maps any thrown value to what the client sees. Typed errors keep their (client-safe)
 * message; anything else becomes 500 `internal error` with `unexpected` set, so nothing from
 * an unknown error (message, stack) ever reaches the client.
 */
export function httpErrorOf(err: unknown): HttpError {
  if (err instanceof CofferError) {
    // An empty message renders `{"errors":[]}`; a message of several lines renders one entry
    // per line (`permission denied` + `invalid token` for a bad token, as Vault answers).
    const messages = err.message === '' ? [] : err.message.split('\n');
    return {
      status: httpStatusOf[err.code],
      code: err.code,
      messages,
      ...(err.data === undefined ? {} : { data: err.data }),
      unexpected: false,
    };
  }
  if (err instanceof BarrierError) {
    const mapped = barrierErrors[err.code];
    const message = mapped.message ?? (mapped.code === ErrorCode.BadRequest ? err.message : 'internal error');
    return {
      status: httpStatusOf[mapped.code],
      code: mapped.code,
      messages: [message],
      unexpected: mapped.code === ErrorCode.Internal,
    };
  }
  return { status: 500, code: ErrorCode.Internal, messages: ['internal error'], unexpected: true };
}
