import type { StorageView } from '@coffer/barrier';
import type { Operation } from './operation.js';
import type { TokenEntry } from './token-entry.js';

/** The caller's identity as resolved by the pipeline; undefined on unauthenticated paths. */
export interface RequestAuth {
  /** The raw client token: needed by token-store handlers such as lookup-self. Never log it. */
  readonly clientToken: string;
  readonly entry: TokenEntry;
  /** True for tokens carrying the root policy. */
  readonly isRoot: boolean;
  /** True when the ACL grants sudo on this request's path (or the token is root). */
  readonly sudo: boolean;
}

/**
 * An immutable request handed to an engine. `path` is relative to the mount; `data` has been
 * validated and coerced against the path spec's fields by the framework.
 */
export interface LogicalRequest {
  readonly id: string;
  readonly operation: Operation;
  /** Full API path after `/v1/`, e.g. `secret/data/foo`. */
  readonly fullPath: string;
  /** Mount point with trailing slash, e.g. `secret/`, `auth/token/`, `sys/`. */
  readonly mountPoint: string;
  readonly mountType: string;
  readonly mountAccessor: string;
  /** Path relative to the mount, e.g. `data/foo`. */
  readonly path: string;
  /** Raw request data (JSON body or query parameters), before field coercion. */
  readonly data: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly auth: RequestAuth | undefined;
  readonly clientAddress: string;
  /** The mount's own storage view (barrier-encrypted underneath). */
  readonly storage: StorageView;
}
