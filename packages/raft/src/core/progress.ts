import { Inflights } from './inflights.js';

/**
 * How the leader replicates to one follower:
 * - `probe`: the follower's log position is unknown; send one App at a time and wait for the
 *   answer (or a heartbeat response) before the next.
 * - `replicate`: the follower is known to match; stream Apps optimistically (pipelining), bounded
 *   by the inflight window.
 * - `snapshot`: the follower needs a snapshot; send nothing until it is reported done or failed.
 */
export const ProgressState = {
  Probe: 'probe',
  Replicate: 'replicate',
  Snapshot: 'snapshot',
} as const;
export type ProgressState = (typeof ProgressState)[keyof typeof ProgressState];

/** The leader's view of one member's replication progress. */
export class Progress {
  /** Highest index known replicated (durable) on the member. */
  match = 0;
  /** Next index to send. */
  next: number;
  state: ProgressState = ProgressState.Probe;
  /** Index of the snapshot being sent while in `snapshot` state. */
  pendingSnapshot = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** In `probe` state: an App was sent and no answer has come yet. */
  probeSent = false;
  /** Highest commit index sent to the member (avoids empty commit-only Apps). */
  sentCommit = 0;
  /**
   * Leader leases: until when (the leader's `now()`) the member promised to vote for no other
   * leader: the send time of the newest heartbeat it acknowledged in this term plus the promise it
   * made in the ack (at most the leader's leaseMs); -Infinity when none.
   */
  leaseUntil = -Infinity;
  isLearner: boolean;
  readonly inflights: Inflights;

  constructor(next: number, isLearner: boolean, maxInflight: number, maxInflightBytes: number) {
    this.next = next;
    this.isLearner = isLearner;
    this.inflights = new Inflights(maxInflight, maxInflightBytes);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === ProgressState.Snapshot) {
      // After a snapshot, resume right after it (or after match, whichever is later).
      const pending = this.pendingSnapshot;
      this.resetState(ProgressState.Probe);
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState(ProgressState.Probe);
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snapshotIndex;
  }

  /** An acknowledgement up to `n`. Returns whether `match` advanced. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    if (this.next < n + 1) this.next = n + 1;
    return updated;
  }

  /** Pipelining: entries up to `n` were sent; assume they will arrive. */
  optimisticUpdate(n: number): void {
    this.next = n + 1;
  }

  /**
   * A rejection of an App whose previous index was `rejected`; `matchHint` is the follower's
   * suggestion (the largest index that may match). Returns false for a stale rejection.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === ProgressState.Replicate) {
      // Stale if we already know a match at or past it.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // Probing sends one App at a time, so a rejection not for next - 1 is stale.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.probeSent;
      case ProgressState.Replicate:
        return this.inflights.full();
      case ProgressState.Snapshot:
        return true;
    }
  }
}
