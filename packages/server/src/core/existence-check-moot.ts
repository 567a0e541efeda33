import type { ACL } from '../acl/acl.js';
import { Operation } from '../logical/operation.js';
import type { PathSpec } from '../logical/path-spec.js';
import type { TokenEntry } from '../logical/token-entry.js';

export interface ExistenceCheckQuestion {
  /** The operation the HTTP method asked for (before the existence check). */
  readonly operation: Operation;
  readonly spec: PathSpec;
  readonly acl: ACL;
  readonly entry: TokenEntry;
  /** The request path after `/v1/`. */
  readonly path: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly rootProtected: boolean;
  readonly wrapTtl: number | undefined;
  /** Audit devices are enabled: their entries carry the decided operation. */
  readonly audited: boolean;
}

/**
 * True when a write's create-vs-update existence check cannot change anything: the path declares
 * `createSameAsUpdate` and one handler serves both operations, the caller's ACL decides both the
 * same way (allowed, same sudo), no audit device records which one it was, and the token has
 * unlimited uses (so a request refused by field validation would not have spent a use either
 * way). The pipeline then skips the check — a storage read per write — and calls it an update.
 */
export function existenceCheckMoot(q: ExistenceCheckQuestion): boolean {
  if (q.audited || q.entry.numUses !== 0) return false;
  if (q.operation !== Operation.Update && q.operation !== Operation.Create) return false;
  const { existenceCheck, operations, createSameAsUpdate } = q.spec;
  if (createSameAsUpdate !== true || existenceCheck === undefined || operations.update === undefined)
    return false;
  if (operations.create !== undefined && operations.create !== operations.update) return false;
  const ask = (operation: Operation) =>
    q.acl.check({
      operation,
      path: q.path,
      data: q.data,
      rootProtected: q.rootProtected,
      ...(q.wrapTtl === undefined ? {} : { wrapTtl: q.wrapTtl }),
    });
  const asCreate = ask(Operation.Create);
  if (!asCreate.allowed) return false;
  const asUpdate = ask(Operation.Update);
  return asUpdate.allowed && asUpdate.rootPrivs === asCreate.rootPrivs;
}
