import { readSnapshot } from '../../src/read-snapshot.js';
import type { SnapshotSource } from '../../src/byte-reader.js';
import type { SnapshotEntry } from '../../src/snapshot-entry.js';
import type { SnapshotMeta } from '../../src/snapshot-meta.js';

/** The outcome of reading a whole snapshot: what was yielded, and the error if any. */
export interface ReadOutcome {
  readonly meta: SnapshotMeta | undefined;
  readonly entries: SnapshotEntry[];
  readonly error: unknown;
}

/** Reads `source` to the end, keeping every entry yielded before a failure (small files only). */
export async function readAll(source: SnapshotSource): Promise<ReadOutcome> {
  let meta: SnapshotMeta | undefined;
  const entries: SnapshotEntry[] = [];
  try {
    const reader = await readSnapshot(source);
    meta = reader.meta;
    for await (const entry of reader.entries) entries.push(entry);
    return { meta, entries, error: undefined };
  } catch (error) {
    return { meta, entries, error };
  }
}
