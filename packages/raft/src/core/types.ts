/**
 * The raft core's data types. Everything here is plain immutable data: the core consumes and
 * produces these values and never performs I/O. Indexes and terms are JavaScript numbers
 * (safe integers; 2^53 entries is far beyond any log we keep).
 */

export type NodeId = string;

export const EntryType = {
  /** Application data (may be empty: the no-op a new leader appends in its term). */
  Normal: 0,
  /** A membership change; `data` is an encoded ConfChange. */
  ConfChange: 1,
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** Persistent state that must be on stable storage before any message that depends on it is sent. */
export interface HardState {
  readonly term: number;
  /** '' when the node has not voted in `term`. */
  readonly vote: NodeId;
  readonly commit: number;
}

export interface ConfState {
  readonly voters: readonly NodeId[];
  /** Non-voting members (learners): receive the log, never vote, never count toward quorum. */
  readonly learners: readonly NodeId[];
}

export const ConfChangeType = {
  AddVoter: 0,
  AddLearner: 1,
  RemoveNode: 2,
} as const;
export type ConfChangeType = (typeof ConfChangeType)[keyof typeof ConfChangeType];

/** One membership change. Promotion of a learner is AddVoter for an existing learner. */
export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: NodeId;
  /** Opaque application context (e.g. the node's address), carried through the log. */
  readonly context: Uint8Array;
}

export interface SnapshotMetadata {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

/** A state-machine snapshot as the core sees it: metadata plus opaque bytes. */
export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  readonly data: Uint8Array;
}

export const MessageType = {
  /** Local: election timeout elapsed, start a (pre-)campaign. */
  Hup: 0,
  /** Local: the leader should send heartbeats. */
  Beat: 1,
  /** Local: a client proposal. */
  Prop: 2,
  App: 3,
  AppResp: 4,
  Vote: 5,
  VoteResp: 6,
  PreVote: 7,
  PreVoteResp: 8,
  Snap: 9,
  Heartbeat: 10,
  HeartbeatResp: 11,
  /** Local: the follower reports a snapshot finished (reject=true: failed). */
  SnapStatus: 12,
  /** Local: the transport could not reach `from`. */
  Unreachable: 13,
  TransferLeader: 14,
  TimeoutNow: 15,
  ReadIndex: 16,
  ReadIndexResp: 17,
  /** Local: the leader should check that a quorum is still active. */
  CheckQuorum: 18,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export interface Message {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  /**
   * App: index of the entry preceding `entries`; AppResp: highest index matched (or rejected);
   * Heartbeat: the leader's broadcast sequence number (leases; 0 without), echoed in HeartbeatResp.
   */
  readonly index: number;
  /** App: term of the entry at `index`. */
  readonly logTerm: number;
  readonly entries: readonly Entry[];
  /** App/Heartbeat: the leader's commit index; HeartbeatResp: the sender's lease promise in ms (0 = none). */
  readonly commit: number;
  readonly reject: boolean;
  /** AppResp reject: the follower's hint for fast back-off (last index of its log). */
  readonly rejectHint: number;
  /** AppResp reject: the term of the follower's entry at rejectHint (for term-skipping back-off). */
  readonly hintTerm: number;
  readonly snapshot?: Snapshot;
  /** ReadIndex request context, echoed in heartbeats/ReadIndexResp. */
  readonly context: Uint8Array;
}

/** A linearizable read that is ready once `index` has been applied. */
export interface ReadState {
  readonly index: number;
  readonly context: Uint8Array;
}

export const Role = {
  Follower: 'follower',
  PreCandidate: 'pre-candidate',
  Candidate: 'candidate',
  Leader: 'leader',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** Volatile state that does not need persisting; reported so the driver can emit events. */
export interface SoftState {
  readonly leader: NodeId;
  readonly role: Role;
}

/**
 * One batch of work for the driver, from `RawNode.ready()`. Process it in this order, then call
 * `RawNode.advance(ready)` (no second `ready()` before that; `step`/`tick`/`propose` in between
 * are fine — that is how the driver keeps receiving while it fsyncs):
 *
 * 1. If `mustSync` is true, `messages` may be sent right away, before step 2 (the leader's own
 *    appends travel while it fsyncs them; Raft thesis §10.2.1).
 * 2. Persist `snapshot`, `hardState` and `entries` in one durable (fsynced) write; writing an entry
 *    at index i discards every previously stored entry at index ≥ i. Then mirror the same into the
 *    `MemoryStorage` the core reads: `applySnapshot(snapshot)`, `append(entries)`, `setHardState`.
 * 3. If `mustSync` is false, send `messages` now (they promise state that step 2 made durable:
 *    votes, follower acknowledgements). Sending after the fsync is always correct.
 * 4. Install `snapshot` into the state machine (its `data` may be empty when the snapshot streams
 *    separately), then apply `committedEntries` in order. For each ConfChange entry call
 *    `RawNode.applyConfChange(decodeConfChange(entry.data))`. Serve `readStates` once the applied
 *    index reaches their `index`.
 * 5. `advance(ready)`: the core marks the entries durable (the leader counts its own log toward
 *    commit only now) and the committed entries applied.
 */
export interface Ready {
  /** Set when leader or role changed since the previous Ready. */
  readonly softState?: SoftState;
  /** Set when term, vote or commit changed since the previous Ready. */
  readonly hardState?: HardState;
  /** New log entries to persist (may overwrite a suffix of the stored log). */
  readonly entries: readonly Entry[];
  /**
   * A snapshot to persist and install into the state machine: one received from the leader, or
   * (right after a restart) the stored snapshot when the state machine's applied index is behind
   * it — e.g. the node crashed in the middle of installing it. Never together with committedEntries.
   */
  readonly snapshot?: Snapshot;
  /** Committed entries to apply, in order (only after step 2). */
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
  /**
   * True when every message in `messages` may be sent before this Ready's `snapshot`, `hardState`
   * and `entries` are durable (a leader's appends, heartbeats and snapshots in a term that is
   * already durable). False when they must wait for the fsync. (It does not say whether an fsync
   * is needed: anything in `snapshot`/`hardState`/`entries` must always be fsynced before
   * `advance()`.)
   */
  readonly mustSync: boolean;
}

/** Where the leader appended a proposal. It is committed once an entry at `index` with `term` applies. */
export interface ProposalResult {
  readonly index: number;
  readonly term: number;
}

/** The leader's view of one member's replication, from `RawNode.status()`. */
export interface PeerStatus {
  readonly match: number;
  readonly next: number;
  readonly state: 'probe' | 'replicate' | 'snapshot';
  /** Heard from within the current check-quorum interval. */
  readonly recentActive: boolean;
  readonly isLearner: boolean;
  /** Snapshot index being sent (state `snapshot`), else 0. */
  readonly pendingSnapshot: number;
  /** App messages in flight (pipelining window). */
  readonly inflight: number;
}

/** Cheap snapshot of a node's state (no per-peer detail). */
export interface BasicStatus {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId;
  readonly role: Role;
  /** '' when no leader is known. */
  readonly leader: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  /** Target of an ongoing leadership transfer ('' if none; leader only). */
  readonly leadTransferee: NodeId;
}

export interface Status extends BasicStatus {
  /** The newest membership in the log (the one counting votes and acknowledgements now). */
  readonly config: ConfState;
  /** The membership as of the applied index (what a snapshot taken now must record). */
  readonly appliedConfig: ConfState;
  /** Per-member replication progress; empty unless this node is the leader. */
  readonly progress: ReadonlyMap<NodeId, PeerStatus>;
}
