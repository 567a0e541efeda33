import type { ConfState, Entry, HardState, SnapshotMetadata } from '../core/types.js';

/** The membership as of the last applied configuration change. */
export interface AppliedConf {
  /** Index of the log entry (or snapshot) that produced `confState`. */
  readonly index: number;
  readonly confState: ConfState;
}

/** Everything a LogStore holds, as read back on start (crash recovery). */
export interface PersistedState {
  readonly hardState: HardState;
  /** The latest snapshot recorded (installed from a leader or taken locally), if any. */
  readonly snapshot: SnapshotMetadata | undefined;
  /** The membership as of the last applied configuration change, if one was recorded. */
  readonly appliedConf: AppliedConf | undefined;
  /**
   * The entries held, contiguous and ascending. With a snapshot, they may start at or below its
   * index (trailing logs; the first is the compaction anchor) or right after it (installed snapshot).
   */
  readonly entries: readonly Entry[];
}

/**
 * One durable write: everything a Ready batch must persist, written atomically with one fsync.
 * Applied in this order: `snapshot` (replaces the whole log), then `entries` (overwriting from
 * `entries[0].index`, dropping any conflicting suffix), then `hardState`.
 */
export interface LogWrite {
  readonly snapshot?: SnapshotMetadata | undefined;
  readonly entries?: readonly Entry[] | undefined;
  readonly hardState?: HardState | undefined;
  readonly appliedConf?: AppliedConf | undefined;
}

/**
 * Durable storage of the raft log, hard state, snapshot metadata and membership. Every method
 * that changes state resolves only once the change is on stable storage.
 */
export interface LogStore {
  /** Opens the store and reads everything back, verifying checksums (throws LogCorruptionError). */
  open(): Promise<PersistedState>;
  /** Atomically and durably applies `write` (one fsync). */
  write(write: LogWrite): Promise<void>;
  /**
   * Records a locally taken snapshot and deletes entries with index < `keepFrom` (`keepFrom` ≤
   * `snapshot.index`; a lower value keeps trailing logs for slow followers). The entry at
   * `keepFrom` stays: it anchors the term of the compaction point. One fsync. A snapshot older
   * than the one recorded (a newer one was installed while it was being taken) changes nothing.
   */
  compact(snapshot: SnapshotMetadata, keepFrom: number): Promise<void>;
  /** Index of the first entry held (snapshot index + 1 when empty). */
  firstIndex(): number;
  /** Index of the last entry held (or the snapshot index when empty). */
  lastIndex(): number;
  close(): Promise<void>;
}
