import type { SnapshotMetadata } from '../core/types.js';

/** Snapshot bytes as handed over by a state machine or a transport. */
export type SnapshotData = AsyncIterable<Uint8Array> | Uint8Array;

/**
 * Durable storage of state-machine snapshot bytes, keyed by snapshot (term, index). The raft log
 * store records which snapshot is current; this store only holds bytes. Writing a snapshot does
 * not make it current: the driver records it in the LogStore first, then calls `retain`.
 */
export interface SnapshotStore {
  /** Opens the store; returns the metadata of every complete snapshot held. */
  open(): Promise<readonly SnapshotMetadata[]>;
  /** Writes the bytes of `meta` durably; resolves once they are on stable storage. */
  write(meta: SnapshotMetadata, data: SnapshotData): Promise<void>;
  /** True when the complete bytes of `meta` are held. */
  has(meta: SnapshotMetadata): boolean;
  /** Size in bytes of the snapshot `meta` (0 if not held). */
  size(meta: SnapshotMetadata): number;
  /** Streams the bytes of `meta`, verifying them (throws LogCorruptionError at the end on mismatch). */
  read(meta: SnapshotMetadata): AsyncIterable<Uint8Array>;
  /** Deletes every snapshot other than `keep`. */
  retain(keep: SnapshotMetadata | undefined): Promise<void>;
  close(): Promise<void>;
}
