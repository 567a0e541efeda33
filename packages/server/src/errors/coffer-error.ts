import type { ErrorCode } from './error-code.js';

/**
 * An error whose message is safe to show to the caller (it never contains secrets).
 * `data` is echoed as the `data` member of the error body when present (Vault does this for
 * KV v2 soft-deleted reads).
 */
export class CofferError extends Error {
  readonly code: ErrorCode;
  readonly data: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { data?: Record<string, unknown>; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CofferError';
    this.code = code;
    this.data = options?.data;
  }
}
