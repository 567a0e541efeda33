import { ConfChangeType } from './types.js';
import type { ConfChange, ConfState, NodeId } from './types.js';

function sorted(ids: Iterable<NodeId>): NodeId[] {
  return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * An immutable cluster configuration: voters (counted for elections and commit) and learners
 * (replicated to, never counted). Member lists are sorted, so iteration is deterministic.
 */
export class Membership {
  static readonly EMPTY = new Membership([], []);

  readonly voters: ReadonlySet<NodeId>;
  readonly learners: ReadonlySet<NodeId>;
  /** Sorted voter ids. */
  readonly voterIds: readonly NodeId[];
  /** Sorted ids of every member (voters then learners order-independent: one sorted list). */
  readonly memberIds: readonly NodeId[];
  /** Votes needed for a majority of the voters. */
  readonly quorum: number;

  private constructor(voters: Iterable<NodeId>, learners: Iterable<NodeId>) {
    this.voterIds = sorted(new Set(voters));
    this.voters = new Set(this.voterIds);
    this.learners = new Set(sorted([...learners].filter((id) => !this.voters.has(id))));
    this.memberIds = sorted([...this.voterIds, ...this.learners]);
    this.quorum = Math.floor(this.voterIds.length / 2) + 1;
  }

  static fromConfState(cs: ConfState): Membership {
    if (cs.voters.length === 0 && cs.learners.length === 0) return Membership.EMPTY;
    return new Membership(cs.voters, cs.learners);
  }

  isVoter(id: NodeId): boolean {
    return this.voters.has(id);
  }

  isLearner(id: NodeId): boolean {
    return this.learners.has(id);
  }

  isMember(id: NodeId): boolean {
    return this.voters.has(id) || this.learners.has(id);
  }

  /**
   * The configuration after `cc`. Total (never throws), so replaying a log is deterministic:
   * AddVoter adds or promotes, AddLearner adds or demotes, RemoveNode removes if present.
   */
  apply(cc: ConfChange): Membership {
    const voters = new Set(this.voters);
    const learners = new Set(this.learners);
    switch (cc.type) {
      case ConfChangeType.AddVoter:
        learners.delete(cc.nodeId);
        voters.add(cc.nodeId);
        break;
      case ConfChangeType.AddLearner:
        voters.delete(cc.nodeId);
        learners.add(cc.nodeId);
        break;
      case ConfChangeType.RemoveNode:
        voters.delete(cc.nodeId);
        learners.delete(cc.nodeId);
        break;
    }
    return new Membership(voters, learners);
  }

  toConfState(): ConfState {
    return { voters: [...this.voterIds], learners: sorted(this.learners) };
  }

  equals(other: Membership): boolean {
    if (this === other) return true;
    if (this.voters.size !== other.voters.size || this.learners.size !== other.learners.size) return false;
    for (const id of this.voters) if (!other.voters.has(id)) return false;
    for (const id of this.learners) if (!other.learners.has(id)) return false;
    return true;
  }
}
