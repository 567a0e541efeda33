import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { formatPosition, type SourcePosition } from '../hcl/source-position.js';

/**
 * A policy that cannot be parsed: bad HCL/JSON, an unknown key, an invalid capability, a bad
 * parameter or wrapping TTL. A `CofferError` with code BAD_REQUEST (HTTP 400), so `sys/policy`
 * writes answer 400 with the message. The position's `file` is the policy name.
 */
export class PolicyError extends CofferError {
  readonly policyName: string;
  readonly line: number;
  readonly column: number;
  /** The message without the prefix. */
  readonly reason: string;

  constructor(pos: SourcePosition, reason: string, options?: { cause?: unknown }) {
    super(ErrorCode.BadRequest, `failed to parse policy: ${formatPosition(pos)}: ${reason}`, options);
    this.name = 'PolicyError';
    this.policyName = pos.file;
    this.line = pos.line;
    this.column = pos.column;
    this.reason = reason;
  }
}
