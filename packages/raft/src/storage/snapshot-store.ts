import type { SnapshotMetadata } from '../core/types.js';

/** Snapshot bytes as handed over by a state machine or a transport. */
export type SnapshotData = AsyncIterable<Uint8Array> | Uint8Array;

/**
 * Durable storage of state-machine snapshot bytes, keyed by snapshot (term, index). The raft log
 * store records which snapshot is current; this store only holds bytes. Writing a snapshot does
 * not make it current: the driver records it in the LogStore first, then calls `retain`.
 *
 * While a node runs, snapshots newer than the current one may be held and still needed: received
 * from the leader and waiting to be installed, or being written. So `retain` only ever deletes
 * older snapshots; `retainOnly` (at start-up, when nothing is in flight) deletes everything but
 * the recorded one, including newer snapshots that were received but never installed.
 */
export interface SnapshotStore {
  /** Opens the store; returns the metadata of every complete snapshot held. */
  open(): Promise<readonly SnapshotMetadata[]>;
  /**
   * Writes the bytes of `meta` durably; resolves once they are on stable storage. Writing a
   * snapshot that is already held (the same snapshot received twice, or taken locally and
   * received) keeps the bytes held and discards the new copy.
   */
  write(meta: SnapshotMetadata, data: SnapshotData): Promise<void>;
  /** True when the complete bytes of `meta` are held. */
  has(meta: SnapshotMetadata): boolean;
  /** Size in bytes of the snapshot `meta` (0 if not held). */
  size(meta: SnapshotMetadata): number;
  /** Streams the bytes of `meta`, verifying them (throws LogCorruptionError at the end on mismatch). */
  read(meta: SnapshotMetadata): AsyncIterable<Uint8Array>;
  /** Deletes every snapshot older than `keep` (see isOlderSnapshot); never a newer one. */
  retain(keep: SnapshotMetadata): Promise<void>;
  /** Deletes every snapshot other than `keep` (all of them when undefined). For start-up only. */
  retainOnly(keep: SnapshotMetadata | undefined): Promise<void>;
  close(): Promise<void>;
}
