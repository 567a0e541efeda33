import type { Entry, SnapshotMetadata } from '../core/types.js';

/**
 * The application's replicated state, driven by RaftNode.
 *
 * - `apply` gets committed entries in log order, in batches, never concurrently with another
 *   call. Entries include empty Normal entries (a new leader's no-op) and ConfChange entries:
 *   a state machine that records its applied index (in the same write as the data it describes)
 *   sees every index; one that does not can skip them.
 * - `snapshot` captures the state as of the last applied entry, described by `meta` (index, term
 *   and the membership as of that entry). It must return promptly (the
 *   driver waits for it before applying more): capture a point-in-time view and stream it lazily.
 * - `restore` replaces the whole state with a snapshot's bytes.
 * - `snapshotAllowed`, when given and false, defers log compaction: the state machine holds state
 *   that only the log carries (a multi-entry operation in progress), so a snapshot taken now would
 *   lose it for a follower that installs it. The driver asks again after later applies. With
 *   `onDemandSnapshots` it defers only captures for followers (the state machine's durable state
 *   holds that operation for itself, so compaction goes on).
 * - `appliedIndex`, when given, returns the durable applied index at start-up so a restart does
 *   not re-apply entries; without it the driver restores the latest snapshot and replays.
 * - `sync`, when given, makes everything applied so far durable. A state machine may apply
 *   without fsyncing (the fsynced log re-applies what an OS crash lost, from its durable applied
 *   index); the driver calls `sync` before it compacts the log below the snapshot it just took.
 * - `onDemandSnapshots`, when true (needs `appliedIndex` and `sync`), says the state machine's own
 *   durable state is the snapshot, as etcd's and Vault's stores are: to compact the log the driver
 *   only calls `sync` and records the applied index as the snapshot point, writing no bytes, and
 *   it calls `snapshot` only when a follower needs one (at the applied index of that moment). A
 *   compaction then costs one fsync instead of rewriting the whole state, however large it is.
 */
export interface StateMachine {
  apply(entries: readonly Entry[]): Promise<void>;
  snapshot(meta: SnapshotMetadata): Promise<AsyncIterable<Uint8Array> | Uint8Array>;
  restore(data: AsyncIterable<Uint8Array>, meta: SnapshotMetadata): Promise<void>;
  appliedIndex?(): Promise<number>;
  snapshotAllowed?(): boolean;
  sync?(): Promise<void>;
  readonly onDemandSnapshots?: boolean;
}
