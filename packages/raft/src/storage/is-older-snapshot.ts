import type { SnapshotMetadata } from '../core/types.js';

/** True when `a` is older than `b`: a lower index, or the same index from an earlier term. */
export function isOlderSnapshot(a: SnapshotMetadata, b: SnapshotMetadata): boolean {
  return a.index < b.index || (a.index === b.index && a.term < b.term);
}
