import type { ForwardedHeaders } from './forwarded-request.js';

/** The active node's answer to a forwarded request; the standby relays it verbatim. */
export interface ForwardedResponse {
  readonly status: number;
  readonly headers: ForwardedHeaders;
  readonly body: Uint8Array;
}
