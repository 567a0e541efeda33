/**
 * Stable error codes. Code decides the HTTP status (see `http-status.ts`, the one table);
 * callers branch on `code`, never on a message.
 */
export const ErrorCode = {
  /** Invalid input: malformed JSON, wrong field types, failed validation, wrong unseal key. */
  BadRequest: 'BAD_REQUEST',
  /** ACL denial, bad/expired/revoked token. */
  PermissionDenied: 'PERMISSION_DENIED',
  /** Invalid credentials at login. Vault answers 400. */
  InvalidCredentials: 'INVALID_CREDENTIALS',
  NotFound: 'NOT_FOUND',
  /** No route for the path (`no handler for route ...`). */
  NoRoute: 'NO_ROUTE',
  UnsupportedOperation: 'UNSUPPORTED_OPERATION',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  /** KV v2 check-and-set mismatch and similar precondition failures (Vault answers 400). */
  CasMismatch: 'CAS_MISMATCH',
  RateLimited: 'RATE_LIMITED',
  Sealed: 'SEALED',
  NotInitialized: 'NOT_INITIALIZED',
  AlreadyInitialized: 'ALREADY_INITIALIZED',
  /** A standby with no known active node, or a node that must be active and is not. */
  NoActiveNode: 'NO_ACTIVE_NODE',
  /** The outcome is unknown (e.g. forwarded request whose active node died). Never a 4xx. */
  Indeterminate: 'INDETERMINATE',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
