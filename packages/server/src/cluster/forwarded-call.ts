import type { ForwardedRequest } from './forwarded-request.js';
import type { ForwardedResponse } from './forwarded-response.js';

/** One forwarded request on a forwarding stream, tagged with an id its answer carries back. */
export interface ForwardedCall {
  /** Unique among the stream's unanswered calls. */
  readonly id: number;
  readonly request: ForwardedRequest;
  /** Milliseconds the standby still waits for the answer when it sends the call. */
  readonly timeoutMs: number;
}

/** A typed error: the active node did not run the request (an `ErrorCode` and its message). */
export interface ForwardedError {
  readonly code: string;
  readonly message: string;
}

/**
 * The active node's answer to one call: the HTTP response of a request it ran, the typed error
 * of one it did not run, or `failed` when its handler failed unexpectedly (outcome unknown).
 */
export type ForwardedResult =
  | { readonly id: number; readonly response: ForwardedResponse }
  | { readonly id: number; readonly error: ForwardedError }
  | { readonly id: number; readonly failed: true };
