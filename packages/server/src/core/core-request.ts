import type { LogicalResponse } from '../logical/logical-response.js';
import type { Operation } from '../logical/operation.js';

/**
 * A request as the HTTP layer hands it to the core: method already mapped to an operation,
 * body/query already parsed into `data`, token already extracted. Immutable.
 */
export interface CoreRequest {
  readonly id: string;
  /** POST/PUT arrive as `update`; the engine's existence check may turn it into `create`. */
  readonly operation: Operation;
  /** API path after `/v1/`, percent-decoded; list requests end in `/`. */
  readonly path: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** From `X-Vault-Token` or `Authorization: Bearer`; undefined when absent. Never log it. */
  readonly token: string | undefined;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly clientAddress: string;
  /** True for an HTTP HEAD request (only `sys/health` serves it). */
  readonly head: boolean;
  /** Response wrapping TTL in seconds (`X-Vault-Wrap-TTL`); undefined when not asked for. */
  readonly wrapTtl?: number;
}

/** What the core answers: the engine's response and the type of the mount that served it. */
export interface CoreResponse {
  readonly response: LogicalResponse | undefined;
  /** e.g. `kv`, `system`, `token`, or '' when no mount was involved. */
  readonly mountType: string;
}

/** The one entry point the HTTP layer calls. Throws CofferError/BarrierError for failures. */
export interface RequestHandler {
  handleRequest(req: CoreRequest): Promise<CoreResponse>;
}
