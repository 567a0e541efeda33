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
  /** App: index of the entry preceding `entries`; AppResp: highest index matched (or rejected). */
  readonly index: number;
  /** App: term of the entry at `index`. */
  readonly logTerm: number;
  readonly entries: readonly Entry[];
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
 * One batch of work for the driver. Order: persist `snapshot`, `hardState` and `entries`
 * (one fsync), then send `messages`, then apply `committedEntries`, then call `advance()`.
 * (The leader may send `messages` before its own fsync; followers must not.)
 */
export interface Ready {
  readonly softState?: SoftState;
  readonly hardState?: HardState;
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
  /** True when `messages` may be sent before `entries` are fsynced (leader's own appends). */
  readonly mustSync: boolean;
}
