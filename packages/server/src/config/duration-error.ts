import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';

/** A duration that is not a Go duration, integer seconds or `Nd` days. Maps to HTTP 400. */
export class DurationError extends CofferError {
  constructor(message: string) {
    super(ErrorCode.BadRequest, message);
    this.name = 'DurationError';
  }
}
