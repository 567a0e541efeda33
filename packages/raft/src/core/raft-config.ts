import { RaftError } from './raft-error.js';
import type { RaftLogStorage } from './raft-log-storage.js';
import type { ConfState, NodeId } from './types.js';

export interface RaftConfig {
  readonly id: NodeId;
  /**
   * Initial membership for a brand-new cluster: used only when storage is empty (no entries, no
   * snapshot, no hard state), to write the bootstrap entries. Every founding member must be given
   * the same value. Leave it out for a node joining an existing cluster (it learns the membership
   * from the leader) and on restarts (storage already holds it).
   */
  readonly peers?: ConfState;
  /** Ticks without hearing from a leader before campaigning; randomised in [electionTick, 2·electionTick). */
  readonly electionTick: number;
  /** Ticks between leader heartbeats; must be less than electionTick. */
  readonly heartbeatTick: number;
  /** Seeded source of uniform numbers in [0, 1) (never Math.random: the core is deterministic). */
  readonly random: () => number;
  readonly storage: RaftLogStorage;
  /** The state machine's durable applied index at start (0 for a new node). */
  readonly applied?: number;
  /** Maximum bytes of entries in one App message (default 1 MiB; at least one entry is always sent). */
  readonly maxSizePerMsg?: number;
  /** Maximum App messages in flight per follower when pipelining (default 256). */
  readonly maxInflightMsgs?: number;
  /** Maximum entry bytes in flight per follower (default 0 = no byte limit). */
  readonly maxInflightBytes?: number;
  /** Maximum bytes of committed entries in one Ready (default 8 MiB). */
  readonly maxCommittedSizePerReady?: number;
  /** Pre-vote: a would-be candidate first polls without bumping its term (default true). */
  readonly preVote?: boolean;
  /**
   * Check-quorum: a leader steps down when it has not heard from a quorum for an election
   * timeout, and nodes that heard from a leader within an election timeout ignore vote requests
   * (leader lease) (default true).
   */
  readonly checkQuorum?: boolean;
  /**
   * Leader-lease reads (Raft thesis §6.4.1), in milliseconds of `now()`; default 0 = off (every
   * ReadIndex needs a heartbeat round). A node with a positive leaseMs refuses (pre)votes and its
   * own non-forced campaigns until electionTick ticks have passed since it last heard from a
   * leader, or since it started, and promises that in its heartbeat acks as leaseMs: so leaseMs
   * must be shorter in real time than its electionTick − 1 ticks (the driver derives it from its
   * tick interval with a margin). A leader that has committed an entry of its term answers ReadIndex
   * at once with its commit index while a quorum of voters' promises hold: for each, the send time
   * of the newest heartbeat it acknowledged plus the smaller of its promise and this leaseMs (the
   * leader counting as now). No lease once a leadership transfer began in the term. Requires
   * checkQuorum and `now`.
   */
  readonly leaseMs?: number;
  /**
   * Monotonic clock in milliseconds for leader leases (e.g. `performance.now`, which keeps running
   * while the process is stopped). The core reads time only through it; required when leaseMs > 0.
   */
  readonly now?: () => number;
}

export interface ResolvedRaftConfig {
  readonly id: NodeId;
  readonly peers: ConfState | undefined;
  readonly electionTick: number;
  readonly heartbeatTick: number;
  readonly random: () => number;
  readonly storage: RaftLogStorage;
  readonly applied: number;
  readonly maxSizePerMsg: number;
  readonly maxInflightMsgs: number;
  readonly maxInflightBytes: number;
  readonly maxCommittedSizePerReady: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  /** 0 when lease reads are off. */
  readonly leaseMs: number;
  readonly now: () => number;
}

const NO_CLOCK = (): number => 0;

function positiveInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v <= 0)
    throw new RaftError('INVALID_CONFIG', `${name} must be a positive integer, got ${v}`);
  return v;
}

export function resolveRaftConfig(c: RaftConfig): ResolvedRaftConfig {
  if (typeof c.id !== 'string' || c.id === '')
    throw new RaftError('INVALID_CONFIG', 'id must be a non-empty string');
  positiveInt('electionTick', c.electionTick);
  positiveInt('heartbeatTick', c.heartbeatTick);
  if (c.heartbeatTick >= c.electionTick) {
    throw new RaftError(
      'INVALID_CONFIG',
      `heartbeatTick (${c.heartbeatTick}) must be less than electionTick (${c.electionTick})`,
    );
  }
  const applied = c.applied ?? 0;
  if (!Number.isSafeInteger(applied) || applied < 0)
    throw new RaftError('INVALID_CONFIG', `applied must be ≥ 0, got ${applied}`);
  const maxInflightBytes = c.maxInflightBytes ?? 0;
  if (!Number.isSafeInteger(maxInflightBytes) || maxInflightBytes < 0) {
    throw new RaftError('INVALID_CONFIG', `maxInflightBytes must be ≥ 0, got ${maxInflightBytes}`);
  }
  const leaseMs = c.leaseMs ?? 0;
  if (!Number.isFinite(leaseMs) || leaseMs < 0)
    throw new RaftError('INVALID_CONFIG', `leaseMs must be a finite number ≥ 0, got ${leaseMs}`);
  const checkQuorum = c.checkQuorum ?? true;
  if (leaseMs > 0 && !checkQuorum)
    throw new RaftError('INVALID_CONFIG', 'leader-lease reads (leaseMs > 0) need checkQuorum');
  if (leaseMs > 0 && c.now === undefined)
    throw new RaftError('INVALID_CONFIG', 'leader-lease reads (leaseMs > 0) need a clock (now)');
  return {
    id: c.id,
    peers: c.peers,
    electionTick: c.electionTick,
    heartbeatTick: c.heartbeatTick,
    random: c.random,
    storage: c.storage,
    applied,
    maxSizePerMsg: positiveInt('maxSizePerMsg', c.maxSizePerMsg ?? 1024 * 1024),
    maxInflightMsgs: positiveInt('maxInflightMsgs', c.maxInflightMsgs ?? 256),
    maxInflightBytes,
    maxCommittedSizePerReady: positiveInt(
      'maxCommittedSizePerReady',
      c.maxCommittedSizePerReady ?? 8 * 1024 * 1024,
    ),
    preVote: c.preVote ?? true,
    checkQuorum,
    leaseMs,
    now: c.now ?? NO_CLOCK,
  };
}
