import type { StorageView } from '@coffer/barrier';

/**
 * Deletes every entry of one token's cubbyhole (`<cubbyholeId>/...` in the cubbyhole mount's
 * storage view). The token store calls this when the token is revoked or expires; deleting an
 * empty or unknown cubbyhole succeeds.
 */
export async function destroyCubbyhole(storage: StorageView, cubbyholeId: string): Promise<void> {
  if (cubbyholeId === '' || cubbyholeId.includes('/')) return;
  await deleteTree(storage.view(`${cubbyholeId}/`), '');
}

/** Depth-first: children before parents, one folder at a time (bounded memory). */
async function deleteTree(storage: StorageView, prefix: string): Promise<void> {
  for (const child of await storage.list(prefix)) {
    if (child.endsWith('/')) await deleteTree(storage, prefix + child);
    else await storage.delete(prefix + child);
  }
}
