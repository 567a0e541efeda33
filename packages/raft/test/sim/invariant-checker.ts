import { EntryType, Role } from '../../src/core/index.js';
import type { BasicStatus, Entry, HardState, NodeId, RawNode, ReadState } from '../../src/core/index.js';

/** A broken safety property: the simulation stops at the first one. */
export class InvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantViolation';
  }
}

const decoder = new TextDecoder();

/** A short identity for an entry's payload (proposal data are unique strings). */
export function entryKey(e: Entry): string {
  if (e.type === EntryType.ConfChange) return `cc:${Array.from(e.data).join(',')}`;
  return e.data.length === 0 ? 'noop' : decoder.decode(e.data);
}

interface PendingProposal {
  readonly node: NodeId;
  readonly index: number;
  readonly term: number;
  readonly key: string;
}

/**
 * Checks Raft's safety properties across the whole simulated history, incrementally:
 * - election safety: at most one leader per term;
 * - log matching: an (index, term) pair always names the same entry with the same predecessor term;
 * - leader completeness: a leader holds every entry committed in an earlier term;
 * - state-machine safety: every node applies the same entry (and reaches the same state hash) at
 *   each index, in order, without gaps;
 * - durability: a node's durable term/vote/commit never go backwards; a committed index never
 *   changes its entry; acknowledged proposals are never lost;
 * - ReadIndex linearizability: a read's index covers every write acknowledged before it was asked.
 */
export class InvariantChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly entryAt = new Map<string, { key: string; prevTerm: number }>();
  private readonly committedTerm = new Map<number, number>();
  /** Highest commit index any node reported in each term. */
  private readonly maxCommitByTerm = new Map<number, number>();
  private readonly appliedAt = new Map<number, string>();
  private readonly hashAt = new Map<number, number>();
  private readonly durableHard = new Map<NodeId, HardState>();
  private readonly proposals = new Map<string, PendingProposal>();
  private readonly proposalAt = new Map<string, PendingProposal>();
  readonly acked = new Map<number, { term: number; key: string }>();
  maxAcked = 0;
  private readonly reads = new Map<string, { node: NodeId; minIndex: number }>();
  readsServed = 0;
  /** Read contexts answered, with their read index. */
  readonly servedReads = new Map<string, number>();
  leadersSeen = 0;
  snapshotsInstalled = 0;

  fail(msg: string): never {
    throw new InvariantViolation(msg);
  }

  // ------------------------------------------------------------------ persistence

  /** `entries` and `hardState` were just made durable on `node`; `termOf` reads its durable log. */
  onPersist(
    node: NodeId,
    entries: readonly Entry[],
    hs: HardState | undefined,
    termOf: (i: number) => number | undefined,
  ): void {
    for (const e of entries) {
      const prevTerm = termOf(e.index - 1);
      if (prevTerm === undefined) continue;
      const k = `${e.index}:${e.term}`;
      const key = entryKey(e);
      const seen = this.entryAt.get(k);
      if (seen === undefined) {
        this.entryAt.set(k, { key, prevTerm });
      } else if (seen.key !== key || seen.prevTerm !== prevTerm) {
        this.fail(
          `log matching: ${node} holds entry ${k} = ${key} after term ${prevTerm}; ` +
            `seen before as ${seen.key} after term ${seen.prevTerm}`,
        );
      }
    }
    if (hs === undefined) return;
    const prev = this.durableHard.get(node);
    if (prev !== undefined) {
      if (hs.term < prev.term) this.fail(`${node}: durable term went back ${prev.term} → ${hs.term}`);
      if (hs.term === prev.term && prev.vote !== '' && hs.vote !== prev.vote) {
        this.fail(`${node}: changed its vote in term ${hs.term}: ${prev.vote} → ${hs.vote}`);
      }
      if (hs.commit < prev.commit)
        this.fail(`${node}: durable commit went back ${prev.commit} → ${hs.commit}`);
    }
    this.durableHard.set(node, hs);
    if (hs.commit > 0) {
      const t = termOf(hs.commit);
      if (t !== undefined) this.recordCommitted(node, hs.commit, t);
      const m = this.maxCommitByTerm.get(hs.term) ?? 0;
      if (hs.commit > m) this.maxCommitByTerm.set(hs.term, hs.commit);
    }
  }

  private recordCommitted(node: NodeId, index: number, term: number): void {
    const t = this.committedTerm.get(index);
    if (t === undefined) this.committedTerm.set(index, term);
    else if (t !== term)
      this.fail(`${node}: committed index ${index} has term ${term}, but term ${t} was committed there`);
  }

  // ------------------------------------------------------------------ state machine

  onApply(node: NodeId, e: Entry, hashAfter: number): void {
    const key = entryKey(e);
    const id = `${e.term}:${key}`;
    const seen = this.appliedAt.get(e.index);
    if (seen === undefined) this.appliedAt.set(e.index, id);
    else if (seen !== id)
      this.fail(`state machine safety: ${node} applied ${id} at ${e.index}, another node applied ${seen}`);
    const h = this.hashAt.get(e.index);
    if (h === undefined) this.hashAt.set(e.index, hashAfter);
    else if (h !== hashAfter) this.fail(`state machine safety: ${node} state hash at ${e.index} differs`);
    this.recordCommitted(node, e.index, e.term);
    const acked = this.acked.get(e.index);
    if (acked !== undefined && (acked.term !== e.term || acked.key !== key)) {
      this.fail(
        `lost write: ${node} applied ${id} at ${e.index} where ${acked.term}:${acked.key} was acknowledged`,
      );
    }
    const p = this.proposalAt.get(`${node}@${e.index}`);
    if (p !== undefined) {
      this.proposalAt.delete(`${node}@${e.index}`);
      this.proposals.delete(p.key);
      if (p.term === e.term) {
        if (p.key !== key) this.fail(`${node}: proposal ${p.key} at ${e.index}:${e.term} applied as ${key}`);
        this.acked.set(e.index, { term: e.term, key });
        if (e.index > this.maxAcked) this.maxAcked = e.index;
      }
    }
  }

  onSnapshotInstalled(node: NodeId, index: number, term: number, hash: number): void {
    this.snapshotsInstalled++;
    const h = this.hashAt.get(index);
    if (h === undefined) this.hashAt.set(index, hash);
    else if (h !== hash)
      this.fail(`state machine safety: ${node} installed a snapshot at ${index} with another state`);
    this.recordCommitted(node, index, term);
    // Proposals this node made at or below the snapshot are resolved elsewhere (or lost to it).
    for (const [k, p] of this.proposalAt) {
      if (p.node === node && p.index <= index) {
        this.proposalAt.delete(k);
        this.proposals.delete(p.key);
      }
    }
  }

  // ------------------------------------------------------------------ clients

  onPropose(node: NodeId, key: string, index: number, term: number): void {
    const p = { node, index, term, key };
    // A crash forgets in-flight proposals: a newer one at the same slot replaces the old.
    const slot = `${node}@${index}`;
    const old = this.proposalAt.get(slot);
    if (old !== undefined) this.proposals.delete(old.key);
    this.proposals.set(key, p);
    this.proposalAt.set(slot, p);
  }

  /** The node crashed: its clients' in-flight proposals become ambiguous (never acknowledged). */
  forgetProposals(node: NodeId): void {
    for (const [k, p] of this.proposalAt) {
      if (p.node === node) {
        this.proposalAt.delete(k);
        this.proposals.delete(p.key);
      }
    }
  }

  onReadRequest(node: NodeId, ctx: string): void {
    this.reads.set(ctx, { node, minIndex: this.maxAcked });
  }

  onReadState(node: NodeId, rs: ReadState): void {
    const ctx = decoder.decode(rs.context);
    const r = this.reads.get(ctx);
    if (r === undefined) return;
    if (r.node !== node) this.fail(`read ${ctx} asked on ${r.node} answered on ${node}`);
    if (rs.index < r.minIndex) {
      this.fail(
        `stale read: ${ctx} got read index ${rs.index} but write ${r.minIndex} was acknowledged before it was asked`,
      );
    }
    this.readsServed++;
    this.servedReads.set(ctx, rs.index);
  }

  // ------------------------------------------------------------------ per step

  onStatus(s: BasicStatus): void {
    if (s.role !== Role.Leader) return;
    const l = this.leaderOfTerm.get(s.term);
    if (l === undefined) {
      this.leaderOfTerm.set(s.term, s.id);
      this.leadersSeen++;
    } else if (l !== s.id) {
      this.fail(`election safety: ${l} and ${s.id} are both leaders of term ${s.term}`);
    }
  }

  /** Leader completeness: the leader of `s.term` holds every entry committed in an earlier term. */
  checkLeaderCompleteness(s: BasicStatus, raw: RawNode): void {
    if (s.role !== Role.Leader) return;
    let c = 0;
    for (const [term, commit] of this.maxCommitByTerm) if (term < s.term && commit > c) c = commit;
    if (c === 0) return;
    const want = this.committedTerm.get(c);
    if (want === undefined) return;
    if (c < s.firstIndex - 1) return; // inside the leader's snapshot
    const t = raw.termAt(c);
    if (t !== want) {
      this.fail(
        `leader completeness: leader ${s.id} of term ${s.term} has term ${String(t)} at ${c}, committed term ${want}`,
      );
    }
  }
}
