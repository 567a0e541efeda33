import type { SnapshotSource } from './byte-reader.js';
import { summarizeSnapshot, type SnapshotSummary } from './snapshot-summary.js';

/**
 * What `coffer operator raft snapshot inspect` prints: metadata, index, term, size, entry and
 * block counts, entries and bytes per top-level key prefix, and the file's SHA-256. It reads
 * and verifies the whole file (an inspect never reports numbers from a file that does not
 * verify), so it rejects with `SnapshotError` exactly when `verifySnapshot` would.
 */
export function inspectSnapshot(source: SnapshotSource): Promise<SnapshotSummary> {
  return summarizeSnapshot(source);
}
