import { Raft } from './raft.js';
import type { RaftConfig } from './raft-config.js';
import { RaftError } from './raft-error.js';
import { MessageType, Role } from './types.js';
import type {
  BasicStatus,
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Message,
  NodeId,
  ProposalResult,
  Ready,
  Snapshot,
  SoftState,
  Status,
} from './types.js';

const EMPTY_BYTES = new Uint8Array(0);
const NO_ENTRIES: readonly Entry[] = [];

/** Message types that only the node itself may generate; they never arrive from the network. */
const LOCAL_ONLY: ReadonlySet<MessageType> = new Set<MessageType>([
  MessageType.Hup,
  MessageType.Beat,
  MessageType.Prop,
  MessageType.SnapStatus,
  MessageType.Unreachable,
  MessageType.CheckQuorum,
]);

function localMessage(
  type: MessageType,
  from: NodeId,
  to: NodeId,
  reject = false,
  context: Uint8Array = EMPTY_BYTES,
): Message {
  return {
    type,
    from,
    to,
    term: 0,
    index: 0,
    logTerm: 0,
    entries: NO_ENTRIES,
    commit: 0,
    reject,
    rejectHint: 0,
    hintTerm: 0,
    snapshot: undefined,
    context,
  };
}

/**
 * The raft core's public face: a synchronous, deterministic state machine driven by the caller.
 *
 * Inputs: `tick()` (time), `step(message)` (network), `propose`/`proposeConfChange`/`readIndex`/
 * `transferLeader` (clients), `applyConfChange`/`reportSnapshot`/`reportUnreachable` (driver).
 * Output: `ready()` batches (see `Ready` for the persist → send → apply order), acknowledged with
 * `advance(ready)`. Persistence is reported only through `advance()`: the leader counts its own log
 * toward the commit quorum only for entries whose Ready was advanced, so it may send its appends
 * before its own fsync (`Ready.mustSync`) without ever acknowledging a write that is not durable
 * on a quorum.
 */
export class RawNode {
  private readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private outstanding: Ready | undefined = undefined;
  /** The stored snapshot, to hand out again when the state machine is behind it (crash mid-install). */
  private reemit: Snapshot | undefined;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.prevHard = config.storage.initialState().hardState;
    this.prevSoft = { leader: this.raft.lead, role: this.raft.role };
    this.reemit = this.raft.needsSnapshotReemit ? config.storage.snapshot() : undefined;
  }

  get id(): NodeId {
    return this.raft.id;
  }

  /** Advances logical time by one tick (elections, heartbeats, check-quorum, transfer timeout). */
  tick(): void {
    this.raft.tick();
  }

  /**
   * Campaigns now (through pre-vote when enabled) if this node is a voter. With leader leases
   * (`leaseMs`), ignored in a multi-voter configuration until electionTick ticks have passed since
   * this node last heard from a leader or started (its vote, even for itself, is promised away).
   */
  campaign(): void {
    this.raft.campaignNow();
  }

  /**
   * Appends a proposal to the leader's log. Throws `RaftError` `NOT_LEADER` (with a leader hint) or
   * `LEADER_TRANSFERRING`. The entry is committed when an entry with the returned index and term is
   * applied; if another term's entry is applied at that index, the proposal was lost.
   */
  propose(data: Uint8Array): ProposalResult {
    return this.raft.propose(data);
  }

  /**
   * Proposes one membership change (add voter, add learner, promote learner = AddVoter, remove).
   * It takes effect in the core when appended, and only one may be in the log unapplied: throws
   * `CONF_CHANGE_PENDING` otherwise (also until the new leader's first entry is applied), and
   * `INVALID_CONF_CHANGE` for a no-op or a change leaving no voter.
   */
  proposeConfChange(cc: ConfChange): ProposalResult {
    return this.raft.proposeConfChange(cc);
  }

  /**
   * Call when applying a ConfChange entry (in log order, with `decodeConfChange(entry.data)`).
   * Returns the membership as of that entry, which a snapshot taken at or after it must record.
   * A leader that removed (or demoted) itself steps down here.
   */
  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /**
   * Feeds a message from a peer. Throws `STEP_LOCAL_MESSAGE` for local-only types; messages
   * addressed to another node are ignored.
   */
  step(m: Message): void {
    if (LOCAL_ONLY.has(m.type)) {
      throw new RaftError('STEP_LOCAL_MESSAGE', `message type ${m.type} cannot come from the network`);
    }
    if (m.to !== this.raft.id) return;
    this.raft.step(m);
  }

  /**
   * Requests a linearizable read. `context` must be unique per request; the result arrives as a
   * `ReadState` with the same context in a later Ready (serve it once applied ≥ its index); a
   * leader holding a valid lease (`leaseMs`) answers in the next Ready without a heartbeat round,
   * and so does it for followers' forwarded requests. Throws
   * `NOT_LEADER` when no leader is known; a request lost in transit or dropped on a leader change
   * never answers, so the caller needs a timeout.
   */
  readIndex(context: Uint8Array): void {
    const r = this.raft;
    if (r.role !== Role.Leader && r.lead === '')
      throw new RaftError('NOT_LEADER', 'no leader known for ReadIndex');
    r.step(localMessage(MessageType.ReadIndex, r.id, r.id, false, context));
  }

  /**
   * Leader leases (`leaseMs`): when this node leads and its lease holds right now, the commit index
   * a linearizable read may be served at as soon as the state machine has applied it, with no
   * heartbeat round; otherwise undefined (use `readIndex`). Takes no action.
   */
  leaseReadIndex(): number | undefined {
    return this.raft.leaseReadIndex();
  }

  /** The current term (cheaper than `status()` for callers on a request path). */
  get term(): number {
    return this.raft.term;
  }

  /** The newest membership (cheaper than `status()` for callers on a request path). */
  membership(): ConfState {
    return this.raft.membership.toConfState();
  }

  /** ReadIndex requests (local, or forwarded by followers) this node answered from its lease. */
  get leaseReadsServed(): number {
    return this.raft.leaseReadsServed;
  }

  /**
   * Asks the leader to hand leadership to `to` (forwarded when called on a follower). The leader
   * refuses proposals meanwhile; the transfer is abandoned after an election timeout.
   */
  transferLeader(to: NodeId): void {
    this.raft.step(localMessage(MessageType.TransferLeader, to, this.raft.id));
  }

  /** The transport could not deliver to `id`: stop pipelining to it until it answers again. */
  reportUnreachable(id: NodeId): void {
    this.raft.step(localMessage(MessageType.Unreachable, id, this.raft.id));
  }

  /**
   * The snapshot sent to `id` (a Snap message from a Ready) was delivered (`ok`) or failed. Call
   * exactly once per Snap message sent; until then the leader sends that follower nothing else.
   */
  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.step(localMessage(MessageType.SnapStatus, id, this.raft.id, !ok));
  }

  /**
   * Heartbeats and heartbeat responses queued since the last Ready, for a driver still persisting
   * or applying one to send at once (see `Raft.takeHeartbeats`); everything else waits for the
   * next Ready.
   */
  takeHeartbeats(): readonly Message[] {
    return this.raft.takeHeartbeats();
  }

  hasReady(): boolean {
    if (this.outstanding !== undefined) return false;
    const r = this.raft;
    r.flush();
    if (r.hasMessages() || r.hasReadStates() || r.log.hasUnstable() || this.reemit !== undefined) return true;
    if (r.log.hasNextCommittedEnts()) return true;
    if (r.lead !== this.prevSoft.leader || r.role !== this.prevSoft.role) return true;
    const h = this.prevHard;
    return r.term !== h.term || r.vote !== h.vote || r.log.committed !== h.commit;
  }

  /** The next batch of work. Throws `READY_NOT_ADVANCED` if the previous one was not advanced. */
  ready(): Ready {
    if (this.outstanding !== undefined) {
      throw new RaftError('READY_NOT_ADVANCED', 'advance() the previous Ready before calling ready() again');
    }
    const r = this.raft;
    r.flush();
    let softState: SoftState | undefined;
    if (r.lead !== this.prevSoft.leader || r.role !== this.prevSoft.role) {
      softState = { leader: r.lead, role: r.role };
      this.prevSoft = softState;
    }
    let hardState: HardState | undefined;
    const h = this.prevHard;
    if (r.term !== h.term || r.vote !== h.vote || r.log.committed !== h.commit) {
      hardState = r.hardState();
      this.prevHard = hardState;
    }
    const snapshot = r.log.unstable.snapshot ?? this.reemit;
    const entries = r.log.unstableEntries();
    const committedEntries = snapshot === undefined ? r.log.nextCommittedEnts() : NO_ENTRIES;
    const { messages, needPersist } = r.takeMessages();
    const rd: Ready = {
      softState,
      hardState,
      entries,
      snapshot,
      committedEntries,
      messages,
      readStates: r.takeReadStates(),
      mustSync: messages.length !== 0 && !needPersist,
    };
    this.outstanding = rd;
    return rd;
  }

  /**
   * Acknowledges `rd` (the Ready last returned): its snapshot, hard state and entries are durable
   * and mirrored into storage, its messages sent, its snapshot installed and committed entries
   * applied.
   */
  advance(rd: Ready): void {
    if (rd !== this.outstanding)
      throw new RaftError('INVARIANT', 'advance() needs the Ready last returned by ready()');
    this.outstanding = undefined;
    const r = this.raft;
    const log = r.log;
    if (rd.hardState !== undefined) r.durableTerm = rd.hardState.term;
    if (rd.snapshot !== undefined) {
      const idx = rd.snapshot.metadata.index;
      log.stableSnapTo(idx);
      if (idx > log.applied) log.appliedTo(idx);
      r.onSnapshotApplied(rd.snapshot);
      if (this.reemit !== undefined && this.reemit.metadata.index <= idx) this.reemit = undefined;
    }
    const last = rd.entries[rd.entries.length - 1];
    if (last !== undefined) {
      if (log.storage.lastIndex() < last.index) {
        throw new RaftError(
          'INVARIANT',
          `Ready entries up to ${last.index} were not appended to storage before advance()`,
        );
      }
      log.stableTo(last.index, last.term);
    }
    const lastApplied = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastApplied !== undefined) log.appliedTo(lastApplied.index);
    r.afterAdvance();
  }

  /** Term of the entry at `index` in this node's log, or undefined if compacted or absent. */
  termAt(index: number): number | undefined {
    return this.raft.log.term(index);
  }

  basicStatus(): BasicStatus {
    const r = this.raft;
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      role: r.role,
      leader: r.lead,
      commit: r.log.committed,
      applied: r.log.applied,
      firstIndex: r.log.firstIndex(),
      lastIndex: r.log.lastIndex(),
      leadTransferee: r.leadTransferee,
    };
  }

  status(): Status {
    const r = this.raft;
    return {
      ...this.basicStatus(),
      config: r.membership.toConfState(),
      appliedConfig: r.appliedMembership.toConfState(),
      progress: r.peerStatus(),
    };
  }
}
