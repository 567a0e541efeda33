import type { NodeId } from './types.js';

/**
 * Stable error codes of the raft core. Callers branch on `code`, never on the message.
 *
 * - `NOT_LEADER`: a proposal or read needs a leader; this node is not it (see `leader` for a hint).
 * - `LEADER_TRANSFERRING`: the leader is handing over leadership and refuses proposals meanwhile.
 * - `CONF_CHANGE_PENDING`: another membership change is in the log but not applied yet.
 * - `INVALID_CONF_CHANGE`: the change is a no-op or would leave no voter.
 * - `STEP_LOCAL_MESSAGE`: a local-only message type arrived through `step()`.
 * - `READY_NOT_ADVANCED`: `ready()` was called again before `advance()`.
 * - `COMPACTED` / `UNAVAILABLE`: a storage read below the first or above the last index.
 * - `SNAPSHOT_OUT_OF_DATE`: a snapshot older than the one already held.
 * - `SNAPSHOT_TEMPORARILY_UNAVAILABLE`: storage cannot produce a snapshot right now (retry later).
 * - `INVALID_CONFIG`: the RawNode configuration is unusable.
 * - `INVARIANT`: a raft invariant is broken (corrupt storage or a driver contract violation).
 *   The node must stop rather than limp on.
 */
export type RaftErrorCode =
  | 'NOT_LEADER'
  | 'LEADER_TRANSFERRING'
  | 'CONF_CHANGE_PENDING'
  | 'INVALID_CONF_CHANGE'
  | 'STEP_LOCAL_MESSAGE'
  | 'READY_NOT_ADVANCED'
  | 'COMPACTED'
  | 'UNAVAILABLE'
  | 'SNAPSHOT_OUT_OF_DATE'
  | 'SNAPSHOT_TEMPORARILY_UNAVAILABLE'
  | 'INVALID_CONFIG'
  | 'INVARIANT';

export class RaftError extends Error {
  readonly code: RaftErrorCode;
  /** The leader this node knows of ('' if none); set on `NOT_LEADER` so callers can redirect. */
  readonly leader: NodeId;

  constructor(code: RaftErrorCode, message: string, leader: NodeId = '') {
    super(message);
    this.name = 'RaftError';
    this.code = code;
    this.leader = leader;
  }

  static is(err: unknown, code?: RaftErrorCode): err is RaftError {
    return err instanceof RaftError && (code === undefined || err.code === code);
  }
}
