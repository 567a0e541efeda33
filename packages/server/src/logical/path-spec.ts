import type { FieldSpecs } from './field-spec.js';
import type { LogicalRequest } from './logical-request.js';
import type { LogicalResponse } from './logical-response.js';
import type { Operation } from './operation.js';

/** Field values after coercion: keys are the spec's field names plus captured path parameters. */
export type FieldValues = Readonly<Record<string, unknown>>;

export type PathHandler = (req: LogicalRequest, fields: FieldValues) => Promise<LogicalResponse | undefined>;

/**
 * One path of an engine. `pattern` is a regular expression source matched against the whole
 * mount-relative path (anchored by the framework), with named groups for path parameters,
 * e.g. `data/(?<path>.+)`.
 */
export interface PathSpec {
  readonly pattern: string;
  readonly fields: FieldSpecs;
  readonly operations: Readonly<Partial<Record<Operation, PathHandler>>>;
  /**
   * Decides create vs update for POST/PUT (ACL checks `create` when the object is absent).
   * Without it, POST/PUT is `update` (Vault's behaviour) unless only `create` is declared.
   */
  readonly existenceCheck?: (req: LogicalRequest, fields: FieldValues) => Promise<boolean>;
  /**
   * The handlers do the same for `create` and `update` (they never look at the operation), and the
   * existence check only tells the ACL which capability applies. When the caller's ACL decides
   * both alike and no audit device records the operation, the pipeline skips the check (a storage
   * read) and runs the write as an `update`. See existenceCheckMoot.
   */
  readonly createSameAsUpdate?: boolean;
  /** Paths needing `sudo` (root-protected). Mount-relative regex sources. */
  readonly rootProtected?: boolean;
  /** Reachable without a token (e.g. login paths). */
  readonly unauthenticated?: boolean;
  /**
   * The request body is the payload itself (KV v1, cubbyhole): request keys that are not
   * declared fields are not reported as "unrecognized parameters" (Vault's TakesArbitraryInput).
   */
  readonly takesArbitraryInput?: boolean;
}
