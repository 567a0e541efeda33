import { LeadershipLostError, NotLeaderError, RaftNodeError, type NodeId } from '@coffer/raft';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';

/**
 * Why a raft-storage call failed. Stable: callers (the HA layer, the HTTP error table through
 * `CofferError.code`) branch on `reason` or `code`, never on the message.
 *
 * - `not_leader`: this node cannot accept the write (or serve the linearizable read); nothing was
 *   proposed, so retrying on `leader` (at `leaderAddress`) is safe. `leader` is '' when unknown.
 * - `outcome_unknown`: leadership was lost while the write was pending; it may still commit.
 * - `unavailable`: the write did not commit / the read was not confirmed (proposal dropped, read
 *   timed out, node stopped, backend closed). Retrying is safe.
 * - `value_too_large` / `entry_too_large`: refused before proposing (see RaftBackend limits).
 * - `corrupt_command`: a committed log entry does not decode: a broken invariant, the node stops.
 */
export type RaftStorageErrorReason =
  | 'not_leader'
  | 'outcome_unknown'
  | 'unavailable'
  | 'value_too_large'
  | 'entry_too_large'
  | 'corrupt_command';

const codeOf: Readonly<Record<RaftStorageErrorReason, ErrorCode>> = {
  not_leader: ErrorCode.NoActiveNode,
  outcome_unknown: ErrorCode.Indeterminate,
  unavailable: ErrorCode.NoActiveNode,
  value_too_large: ErrorCode.PayloadTooLarge,
  entry_too_large: ErrorCode.PayloadTooLarge,
  corrupt_command: ErrorCode.Internal,
};

/**
 * A typed raft-storage failure. It is a CofferError, so the server's one error table maps it to
 * HTTP (503 no active node, 502 indeterminate, 413 too large) without knowing about raft; the
 * HA layer reads `reason`, `leader` and `leaderAddress` to forward. Messages name node ids and
 * sizes, never keys' values.
 */
export class RaftStorageError extends CofferError {
  readonly reason: RaftStorageErrorReason;
  /** The leader known when the error was raised ('' when unknown or irrelevant). */
  readonly leader: NodeId;
  readonly leaderAddress: string;

  constructor(
    reason: RaftStorageErrorReason,
    message: string,
    options: { leader?: NodeId; leaderAddress?: string; cause?: unknown } = {},
  ) {
    super(codeOf[reason], message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RaftStorageError';
    this.reason = reason;
    this.leader = options.leader ?? '';
    this.leaderAddress = options.leaderAddress ?? '';
  }

  /** True when `err` is a RaftStorageError, and (if given) carries `reason`. */
  static is(err: unknown, reason?: RaftStorageErrorReason): err is RaftStorageError {
    return err instanceof RaftStorageError && (reason === undefined || err.reason === reason);
  }

  /** Maps a RaftNode rejection to a RaftStorageError; anything else is returned unchanged. */
  static fromRaft(err: unknown): unknown {
    if (!(err instanceof RaftNodeError)) return err;
    switch (err.code) {
      case 'not_leader': {
        const leader = err instanceof NotLeaderError ? err.leader : '';
        const leaderAddress = err instanceof NotLeaderError ? err.leaderAddress : '';
        return new RaftStorageError(
          'not_leader',
          leader === '' ? 'not the active node; no leader known' : `not the active node; leader is ${leader}`,
          { leader, leaderAddress, cause: err },
        );
      }
      case 'leadership_lost':
        return new RaftStorageError(
          'outcome_unknown',
          'leadership lost while the write was pending; outcome unknown',
          {
            leader: err instanceof LeadershipLostError ? err.leader : '',
            cause: err,
          },
        );
      default:
        return new RaftStorageError('unavailable', `raft storage unavailable (${err.code})`, { cause: err });
    }
  }
}
