import type { NodeId } from '../core/types.js';

/**
 * Stable codes of the driver's errors. Callers branch on `code`, never on the message.
 *
 * - `not_leader`: this node cannot take proposals or serve reads; `leader`/`leaderAddress` hint
 *   where to go ('' when unknown). Nothing was appended: retrying elsewhere is safe.
 * - `leadership_lost`: the node stopped being leader while the request was pending. The outcome
 *   is unknown: the entry may still commit under the new leader.
 * - `proposal_dropped`: the entry was not committed (another entry took its index, or the
 *   leader refused it, e.g. during a leadership transfer). Retrying is safe.
 * - `conf_change_pending` / `invalid_conf_change`: membership change refused by the core.
 * - `timeout`: no answer in time (a read lost in transit, a transfer that did not finish).
 * - `stopped`: the node was stopped (or stopped itself after a fatal error).
 */
export type RaftNodeErrorCode =
  | 'not_leader'
  | 'leadership_lost'
  | 'proposal_dropped'
  | 'conf_change_pending'
  | 'invalid_conf_change'
  | 'timeout'
  | 'stopped';

export class RaftNodeError extends Error {
  readonly code: RaftNodeErrorCode;

  constructor(code: RaftNodeErrorCode, message: string) {
    super(message);
    this.name = 'RaftNodeError';
    this.code = code;
  }
}

/** This node is not the leader; try `leader` at `leaderAddress` ('' when unknown). */
export class NotLeaderError extends RaftNodeError {
  readonly leader: NodeId;
  readonly leaderAddress: string;

  constructor(leader: NodeId, leaderAddress: string) {
    super(
      'not_leader',
      leader === '' ? 'not the leader; no leader known' : `not the leader; leader is ${leader}`,
    );
    this.name = 'NotLeaderError';
    this.leader = leader;
    this.leaderAddress = leaderAddress;
  }
}

/** Leadership was lost while the request was pending; it may or may not have committed. */
export class LeadershipLostError extends RaftNodeError {
  readonly leader: NodeId;

  constructor(leader: NodeId) {
    super(
      'leadership_lost',
      `leadership lost while pending (outcome unknown)${leader === '' ? '' : `; leader is now ${leader}`}`,
    );
    this.name = 'LeadershipLostError';
    this.leader = leader;
  }
}

/** The proposal definitely did not commit; retrying is safe. */
export class ProposalDroppedError extends RaftNodeError {
  constructor(detail: string) {
    super('proposal_dropped', `proposal dropped: ${detail}`);
    this.name = 'ProposalDroppedError';
  }
}
