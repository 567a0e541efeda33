import type { Storage } from '@coffer/barrier';

/** Deletes every key of a storage view, depth-first, one folder at a time (bounded memory). */
export async function clearStorage(storage: Storage, prefix = ''): Promise<void> {
  for (const child of await storage.list(prefix)) {
    if (child.endsWith('/')) await clearStorage(storage, prefix + child);
    else await storage.delete(prefix + child);
  }
}
