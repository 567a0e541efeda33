import type { ConfState, Entry, HardState, Snapshot } from './types.js';

export interface InitialState {
  readonly hardState: HardState;
  /** The membership as of the storage's snapshot (`snapshot().metadata`), not as of the last entry. */
  readonly confState: ConfState;
}

/**
 * The log storage the core reads, synchronously. The driver keeps an in-memory mirror
 * (`MemoryStorage`) of its durable log, so the core never waits on I/O. Everything readable here
 * must already be durable: the driver appends `Ready.entries` (and applies `Ready.snapshot`) only
 * after they are fsynced, and before calling `advance()`.
 *
 * Index space: `snapshot().metadata.index` ≥ `firstIndex() - 1`; `term(firstIndex() - 1)` is the
 * term of the compaction point (readable); entries `[firstIndex(), lastIndex()]` are readable.
 */
export interface RaftLogStorage {
  initialState(): InitialState;
  /**
   * Entries in `[lo, hi)`, at most `maxBytes` in total (at least one entry if any). Throws a
   * `RaftError` `COMPACTED` if `lo < firstIndex()`, `UNAVAILABLE` if `hi > lastIndex() + 1`.
   */
  entries(lo: number, hi: number, maxBytes: number): readonly Entry[];
  /** Term of entry `i`, for `i` in `[firstIndex() - 1, lastIndex()]`; else throws `COMPACTED`/`UNAVAILABLE`. */
  term(i: number): number;
  firstIndex(): number;
  lastIndex(): number;
  /**
   * The most recent snapshot. Its `data` may be empty when the driver streams the state-machine
   * snapshot separately. May throw `SNAPSHOT_TEMPORARILY_UNAVAILABLE` (the leader retries later).
   */
  snapshot(): Snapshot;
}
