/** HTTP headers by name, every value kept in order (a name sent twice has two values). */
export type ForwardedHeaders = Readonly<Record<string, readonly string[]>>;

/** An HTTP request a standby received and forwards to the active node. */
export interface ForwardedRequest {
  readonly method: string;
  /** Path and query, e.g. `/v1/secret/data/a?version=2`. */
  readonly url: string;
  readonly headers: ForwardedHeaders;
  readonly body: Uint8Array;
  /** The HTTP client's address as the standby saw it (for audit and `X-Forwarded-For`). */
  readonly clientAddress: string;
  readonly requestId: string;
}
