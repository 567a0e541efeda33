import type { HttpReply } from './http-reply.js';

/**
 * One API request as it reached this node, before any parsing into a core request: what a
 * standby forwards to the active node verbatim, and what the active node serves for it.
 */
export interface ApiRequest {
  readonly requestId: string;
  /** The HTTP method; `LIST` for Vault's LIST verb (the shim's GET + marker header). */
  readonly method: string;
  /** Path and query as received, e.g. `/v1/secret/data/a?version=2`. */
  readonly url: string;
  /** Lower-case names; never the LIST marker header. Holds the client token: never log it. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The (decoded) body of POST/PUT/PATCH requests. */
  readonly body: Uint8Array | undefined;
  /** The HTTP client's address (for a forwarded request: as the standby saw it). */
  readonly clientAddress: string;
}

/** Serves an API request on this node; never throws (errors are rendered as Vault does). */
export type ApiHandler = (req: ApiRequest) => Promise<HttpReply>;

/**
 * Decides, before the core sees a request, whether another node answers it: a standby forwards
 * it to the active node or redirects the client there. Undefined means "serve it here".
 * Thrown CofferErrors are rendered as usual (503 no active node, 502 unknown outcome).
 */
export interface RequestForwarder {
  route(req: ApiRequest, apiPath: string): Promise<HttpReply | undefined>;
}
