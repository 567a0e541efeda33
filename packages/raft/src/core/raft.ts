import { ConfigHistory } from './config-history.js';
import { encodeConfChange } from './conf-change-codec.js';
import { entrySize } from './entry-size.js';
import { HeartbeatWindow } from './heartbeat-window.js';
import { Membership } from './membership.js';
import { Progress, ProgressState } from './progress.js';
import { resolveRaftConfig } from './raft-config.js';
import type { RaftConfig, ResolvedRaftConfig } from './raft-config.js';
import { RaftError } from './raft-error.js';
import { RaftLog } from './raft-log.js';
import { ReadOnly } from './read-only.js';
import { ConfChangeType, EntryType, MessageType, Role } from './types.js';
import type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  Message,
  NodeId,
  PeerStatus,
  ProposalResult,
  ReadState,
  Snapshot,
} from './types.js';

const EMPTY_BYTES = new Uint8Array(0);
const NO_ENTRIES: readonly Entry[] = [];
const NO_MESSAGES: readonly Message[] = Object.freeze([]);
const NO_READ_STATES: readonly ReadState[] = Object.freeze([]);
/** Stored entries are scanned for configuration changes in chunks of this many at start-up. */
const SCAN_CHUNK = 4096;

/** Vote-request context of a campaign started by leadership transfer: it overrides leader leases. */
export const CAMPAIGN_TRANSFER_CONTEXT: Uint8Array = new TextEncoder().encode('CampaignTransfer');

function isTransferContext(ctx: Uint8Array): boolean {
  if (ctx.length !== CAMPAIGN_TRANSFER_CONTEXT.length) return false;
  for (let i = 0; i < ctx.length; i++) if (ctx[i] !== CAMPAIGN_TRANSFER_CONTEXT[i]) return false;
  return true;
}

function isBeat(m: Message): boolean {
  return m.type === MessageType.Heartbeat || m.type === MessageType.HeartbeatResp;
}

/** Message types a leader may send before its own pending state is durable (thesis §10.2.1). */
const EARLY_SENDABLE: ReadonlySet<MessageType> = new Set<MessageType>([
  MessageType.App,
  MessageType.Heartbeat,
  MessageType.Snap,
  MessageType.TimeoutNow,
  MessageType.ReadIndexResp,
]);

interface MessageExtra {
  readonly index?: number;
  readonly logTerm?: number;
  readonly entries?: readonly Entry[];
  readonly commit?: number;
  readonly reject?: boolean;
  readonly rejectHint?: number;
  readonly hintTerm?: number;
  readonly snapshot?: Snapshot;
  readonly context?: Uint8Array;
}
const NO_EXTRA: MessageExtra = {};

function message(
  type: MessageType,
  from: NodeId,
  to: NodeId,
  term: number,
  x: MessageExtra = NO_EXTRA,
): Message {
  return {
    type,
    from,
    to,
    term,
    index: x.index ?? 0,
    logTerm: x.logTerm ?? 0,
    entries: x.entries ?? NO_ENTRIES,
    commit: x.commit ?? 0,
    reject: x.reject ?? false,
    rejectHint: x.rejectHint ?? 0,
    hintTerm: x.hintTerm ?? 0,
    snapshot: x.snapshot,
    context: x.context ?? EMPTY_BYTES,
  };
}

type VoteResult = 'won' | 'lost' | 'pending';

/**
 * The raft state machine (roles, elections, replication, commit, membership, ReadIndex,
 * leadership transfer). Purely synchronous: every input is a method call, every output is
 * state, `msgs` or `readStates`. `RawNode` wraps it with the Ready/advance protocol; drivers
 * use `RawNode`, not this class.
 */
export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = '';
  lead: NodeId = '';
  role: Role = Role.Follower;
  readonly log: RaftLog;
  /** The newest configuration in the log: it counts votes and acknowledgements. */
  membership: Membership = Membership.EMPTY;
  /** The configuration as of the applied index (what the state machine's snapshot records). */
  appliedMembership: Membership;
  /** Progress of every member (meaningful on the leader). */
  prs = new Map<NodeId, Progress>();
  leadTransferee: NodeId = '';
  /** Index of the latest membership change the leader may not propose past until applied. */
  pendingConfIndex = 0;
  /** Term of the last hard state the driver reported durable. */
  durableTerm: number;
  /** True when the state machine's applied index is behind the stored snapshot at start-up. */
  readonly needsSnapshotReemit: boolean;
  /** ReadIndex requests (local or from followers) answered from the leader lease. */
  leaseReadsServed = 0;

  private msgs: Message[] = [];
  private msgsNeedPersist = false;
  /** Heartbeats and heartbeat answers among `msgs` (so takeHeartbeats need not scan without any). */
  private beatsQueued = 0;
  private readStates: ReadState[] = [];
  private readonly votes = new Map<NodeId, boolean>();
  private readonly history: ConfigHistory;
  private electionElapsed = 0;
  /**
   * Ticks since this node last accepted a message from a leader, or since it started (capped at
   * electionTick). Unlike electionElapsed, role and term changes do not reset it: with leases on,
   * it is the promise "no vote for anyone for electionTick ticks after hearing from a leader".
   */
  private ticksSinceLeader = 0;
  /** Send times of this leader's heartbeats (lease reads). */
  private readonly heartbeats = new HeartbeatWindow();
  /** A leadership transfer began in this term: no lease reads until the term ends. */
  private leaseForfeited = false;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private readOnly = new ReadOnly();
  private pendingReadIndexMessages: Message[] = [];
  /** A proposal was appended: broadcast Apps on the next flush (batches proposals per Ready). */
  private pendingBcast = false;
  private readonly matchScratch: number[] = [];
  private readonly leaseScratch: number[] = [];
  private readonly cfg: ResolvedRaftConfig;

  constructor(config: RaftConfig) {
    const c = resolveRaftConfig(config);
    this.cfg = c;
    this.id = c.id;
    const storage = c.storage;
    this.log = new RaftLog(storage, c.maxCommittedSizePerReady);
    const { hardState, confState } = storage.initialState();
    const snapIndex = storage.snapshot().metadata.index;
    if (snapIndex < storage.firstIndex() - 1) {
      throw new RaftError(
        'INVARIANT',
        `storage compacted to ${storage.firstIndex() - 1}, past its snapshot ${snapIndex}`,
      );
    }
    this.history = new ConfigHistory(snapIndex, Membership.fromConfState(confState));
    const last = storage.lastIndex();
    for (let lo = snapIndex + 1; lo <= last; lo += SCAN_CHUNK) {
      this.history.append(storage.entries(lo, Math.min(last + 1, lo + SCAN_CHUNK), Infinity));
    }

    const emptyStorage = isEmptyHardState(hardState) && last === 0 && snapIndex === 0;
    const peers = c.peers;
    if (emptyStorage && peers !== undefined && peers.voters.length + peers.learners.length > 0) {
      this.bootstrap(peers);
    } else if (!isEmptyHardState(hardState)) {
      const commit = Math.max(hardState.commit, snapIndex);
      if (commit > this.log.lastIndex()) {
        throw new RaftError(
          'INVARIANT',
          `hard state commit ${hardState.commit} beyond last index ${this.log.lastIndex()}`,
        );
      }
      this.log.committed = commit;
      this.term = hardState.term;
      this.vote = hardState.vote;
    } else {
      this.log.committed = Math.max(this.log.committed, snapIndex);
    }
    this.durableTerm = hardState.term;
    this.membership = this.history.latest();

    if (c.applied > this.log.committed) {
      throw new RaftError(
        'INVALID_CONFIG',
        `applied ${c.applied} is beyond the durable commit index ${this.log.committed}`,
      );
    }
    this.needsSnapshotReemit = c.applied < snapIndex;
    this.log.applied = c.applied;
    this.appliedMembership = this.needsSnapshotReemit
      ? this.history.at(snapIndex)
      : this.history.at(c.applied);
    this.becomeFollower(this.term, '');
  }

  /** A brand-new cluster: every founding member writes the same committed membership entries. */
  private bootstrap(peers: ConfState): void {
    const ents: Entry[] = [];
    const voters = [...new Set(peers.voters)].sort();
    const learners = [...new Set(peers.learners)].filter((id) => !voters.includes(id)).sort();
    for (const nodeId of voters) {
      const data = encodeConfChange({ type: ConfChangeType.AddVoter, nodeId, context: EMPTY_BYTES });
      ents.push({ index: ents.length + 1, term: 1, type: EntryType.ConfChange, data });
    }
    for (const nodeId of learners) {
      const data = encodeConfChange({ type: ConfChangeType.AddLearner, nodeId, context: EMPTY_BYTES });
      ents.push({ index: ents.length + 1, term: 1, type: EntryType.ConfChange, data });
    }
    this.log.append(ents);
    this.history.append(ents);
    this.log.committed = ents.length;
    this.term = 1;
  }

  // ---------------------------------------------------------------- outputs

  /** Takes the queued messages; `needPersist` says whether any must wait for the fsync. */
  takeMessages(): { messages: readonly Message[]; needPersist: boolean } {
    // Never hand out the live array (even empty): later sends would leak into an old Ready.
    const messages = this.msgs.length === 0 ? NO_MESSAGES : this.msgs;
    const out = { messages, needPersist: this.msgsNeedPersist };
    if (this.msgs.length !== 0) this.msgs = [];
    this.msgsNeedPersist = false;
    this.beatsQueued = 0;
    return out;
  }

  hasMessages(): boolean {
    return this.msgs.length !== 0;
  }

  /**
   * Takes the queued heartbeats and heartbeat responses, once the current term is durable: they
   * promise nothing about the log, so a driver still waiting on a slow fsync or apply may send
   * them at once instead of in the next Ready (liveness: a slow disk must not cost leadership).
   * Reordering them ahead of earlier appends is harmless (the network reorders too), and a
   * heartbeat's commit is capped at what its follower matched.
   */
  takeHeartbeats(): readonly Message[] {
    if (this.beatsQueued === 0 || this.term !== this.durableTerm) return NO_MESSAGES;
    const out: Message[] = [];
    const keep: Message[] = [];
    for (const m of this.msgs) (isBeat(m) ? out : keep).push(m);
    this.msgs = keep;
    this.beatsQueued = 0;
    return out;
  }

  takeReadStates(): readonly ReadState[] {
    if (this.readStates.length === 0) return NO_READ_STATES;
    const out = this.readStates;
    this.readStates = [];
    return out;
  }

  hasReadStates(): boolean {
    return this.readStates.length !== 0;
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  /** Emits the Apps batched since the last flush (called before a Ready is built). */
  flush(): void {
    if (!this.pendingBcast) return;
    this.pendingBcast = false;
    if (this.role === Role.Leader) this.bcastAppend();
  }

  private send(m: Message): void {
    if (this.role !== Role.Leader || this.term !== this.durableTerm || !EARLY_SENDABLE.has(m.type)) {
      this.msgsNeedPersist = true;
    }
    this.msgs.push(m);
    if (isBeat(m)) this.beatsQueued++;
  }

  // ---------------------------------------------------------------- driver hooks

  /** After `advance()`: the leader's own durable log now counts toward commit. */
  afterAdvance(): void {
    this.history.compact(this.log.applied);
    if (this.role !== Role.Leader) return;
    const self = this.prs.get(this.id);
    if (self !== undefined && self.maybeUpdate(this.log.stableIndex()) && this.maybeCommit())
      this.onCommitAdvanced();
  }

  onSnapshotApplied(s: Snapshot): void {
    this.appliedMembership = Membership.fromConfState(s.metadata.confState);
  }

  // ---------------------------------------------------------------- time

  tick(): void {
    if (this.ticksSinceLeader < this.cfg.electionTick) this.ticksSinceLeader++;
    if (this.role === Role.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) this.checkQuorumNow();
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.role === Role.Leader && this.leadTransferee !== '') this.leadTransferee = '';
    }
    if (this.role !== Role.Leader) return;
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat(this.readOnly.lastPendingContext() ?? EMPTY_BYTES);
    }
  }

  private resetRandomizedElectionTimeout(): void {
    const e = this.cfg.electionTick;
    const r = this.cfg.random();
    this.randomizedElectionTimeout = e + Math.min(e - 1, Math.max(0, Math.floor(r * e)));
  }

  // ---------------------------------------------------------------- roles

  /** Whether this node may campaign: it is a voter in its newest configuration and holds no unpersisted snapshot. */
  promotable(): boolean {
    return this.membership.isVoter(this.id) && this.log.unstable.snapshot === undefined;
  }

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = '';
    }
    this.lead = '';
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.leadTransferee = '';
    this.votes.clear();
    this.prs = new Map();
    const next = this.log.lastIndex() + 1;
    for (const id of this.membership.memberIds) {
      const pr = this.newProgress(next, this.membership.isLearner(id));
      if (id === this.id) pr.match = this.log.stableIndex();
      this.prs.set(id, pr);
    }
    this.pendingConfIndex = 0;
    this.readOnly = new ReadOnly();
    this.pendingReadIndexMessages = [];
    this.pendingBcast = false;
    this.heartbeats.clear();
    this.leaseForfeited = false;
  }

  private newProgress(next: number, isLearner: boolean): Progress {
    return new Progress(next, isLearner, this.cfg.maxInflightMsgs, this.cfg.maxInflightBytes);
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.role = Role.Follower;
  }

  private becomePreCandidate(): void {
    if (this.role === Role.Leader) throw new RaftError('INVARIANT', 'leader cannot become pre-candidate');
    // Pre-vote does not touch term or vote: a failed pre-campaign leaves no trace.
    this.votes.clear();
    this.lead = '';
    this.role = Role.PreCandidate;
    this.resetRandomizedElectionTimeout();
  }

  private becomeCandidate(): void {
    if (this.role === Role.Leader) throw new RaftError('INVARIANT', 'leader cannot become candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = Role.Candidate;
  }

  private becomeLeader(): void {
    if (this.role === Role.Follower) throw new RaftError('INVARIANT', 'follower cannot become leader');
    this.reset(this.term);
    this.lead = this.id;
    this.role = Role.Leader;
    const self = this.prs.get(this.id);
    if (self !== undefined) {
      self.becomeReplicate();
      self.next = this.log.lastIndex() + 1;
    }
    // Commit an entry of the new term: it commits everything before it (§5.4.2), and no
    // membership change or ReadIndex is served until it is committed.
    const e = this.appendLeaderEntry(EntryType.Normal, EMPTY_BYTES);
    this.pendingConfIndex = e.index;
  }

  private hup(transfer: boolean): void {
    if (this.role === Role.Leader || !this.promotable()) return;
    // A campaign forced from outside (not by the election timer, which only fires after
    // electionTick ticks) must not break this node's lease promise: its own vote counts too. The
    // only voter has no one to promise anything to.
    if (!transfer && this.inVoteLease() && this.membership.voterIds.length > 1) return;
    if (this.cfg.preVote && !transfer) this.campaign(true, false);
    else this.campaign(false, transfer);
  }

  /** Starts an election now (with pre-vote when enabled), if this node may campaign. */
  campaignNow(): void {
    this.hup(false);
  }

  private campaign(pre: boolean, transfer: boolean): void {
    let voteType: MessageType;
    let term: number;
    if (pre) {
      this.becomePreCandidate();
      voteType = MessageType.PreVote;
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = MessageType.Vote;
      term = this.term;
    }
    if (this.poll(this.id, true) === 'won') {
      // A single voter wins at once.
      if (pre) this.campaign(false, transfer);
      else this.becomeLeader();
      return;
    }
    const index = this.log.lastIndex();
    const logTerm = this.log.lastTerm();
    const context = transfer ? CAMPAIGN_TRANSFER_CONTEXT : EMPTY_BYTES;
    for (const to of this.membership.voterIds) {
      if (to === this.id) continue;
      this.send(message(voteType, this.id, to, term, { index, logTerm, context }));
    }
  }

  private poll(from: NodeId, granted: boolean): VoteResult {
    if (!this.votes.has(from)) this.votes.set(from, granted);
    let yes = 0;
    let no = 0;
    for (const id of this.membership.voterIds) {
      const v = this.votes.get(id);
      if (v === true) yes++;
      else if (v === false) no++;
    }
    const q = this.membership.quorum;
    if (yes >= q) return 'won';
    if (this.membership.voterIds.length - no < q) return 'lost';
    return 'pending';
  }

  // ---------------------------------------------------------------- proposals

  private checkCanPropose(): void {
    if (this.role !== Role.Leader)
      throw new RaftError('NOT_LEADER', `${this.id} is not the leader`, this.lead);
    if (!this.prs.has(this.id)) {
      throw new RaftError('NOT_LEADER', `${this.id} is leaving the cluster and accepts no proposals`);
    }
    if (this.leadTransferee !== '') {
      throw new RaftError('LEADER_TRANSFERRING', `leadership is moving to ${this.leadTransferee}`, this.lead);
    }
  }

  private appendLeaderEntry(type: EntryType, data: Uint8Array): Entry {
    const e: Entry = { index: this.log.lastIndex() + 1, term: this.term, type, data };
    this.log.appendOne(e);
    if (type === EntryType.ConfChange && this.history.append([e])) this.onMembershipChanged();
    // The leader's own progress advances only once the entry is durable (afterAdvance).
    this.pendingBcast = true;
    return e;
  }

  propose(data: Uint8Array): ProposalResult {
    this.checkCanPropose();
    const e = this.appendLeaderEntry(EntryType.Normal, data);
    return { index: e.index, term: e.term };
  }

  proposeConfChange(cc: ConfChange): ProposalResult {
    this.checkCanPropose();
    if (this.pendingConfIndex > this.log.applied) {
      throw new RaftError(
        'CONF_CHANGE_PENDING',
        `membership change at ${this.pendingConfIndex} not applied yet (applied ${this.log.applied})`,
        this.lead,
      );
    }
    const cur = this.membership;
    switch (cc.type) {
      case ConfChangeType.AddVoter:
        if (cur.isVoter(cc.nodeId))
          throw new RaftError('INVALID_CONF_CHANGE', `${cc.nodeId} is already a voter`);
        break;
      case ConfChangeType.AddLearner:
        if (cur.isLearner(cc.nodeId))
          throw new RaftError('INVALID_CONF_CHANGE', `${cc.nodeId} is already a learner`);
        break;
      case ConfChangeType.RemoveNode:
        if (!cur.isMember(cc.nodeId))
          throw new RaftError('INVALID_CONF_CHANGE', `${cc.nodeId} is not a member`);
        break;
      default:
        throw new RaftError('INVALID_CONF_CHANGE', `unknown change type ${String(cc.type)}`);
    }
    if (cur.apply(cc).voters.size === 0)
      throw new RaftError('INVALID_CONF_CHANGE', 'the change would leave no voter');
    const e = this.appendLeaderEntry(EntryType.ConfChange, encodeConfChange(cc));
    this.pendingConfIndex = e.index;
    return { index: e.index, term: e.term };
  }

  /**
   * The driver applied a ConfChange entry. The core already counts with the newest configuration
   * (it took effect when appended); this tracks the applied configuration for snapshots and makes
   * a leader that is no longer a voter step down (handing over to a caught-up voter first).
   */
  applyConfChange(cc: ConfChange): ConfState {
    this.appliedMembership = this.appliedMembership.apply(cc);
    if (
      this.role === Role.Leader &&
      !this.appliedMembership.isVoter(this.id) &&
      !this.membership.isVoter(this.id)
    ) {
      let best: NodeId = '';
      for (const id of this.membership.voterIds) {
        const pr = this.prs.get(id);
        if (pr !== undefined && pr.match === this.log.lastIndex()) {
          best = id;
          break;
        }
      }
      if (best !== '') this.sendTimeoutNow(best);
      this.becomeFollower(this.term, '');
    }
    return this.appliedMembership.toConfState();
  }

  private onMembershipChanged(): void {
    const m = this.history.latest();
    this.membership = m;
    const next = this.log.lastIndex() + 1;
    for (const id of m.memberIds) {
      const pr = this.prs.get(id);
      if (pr === undefined) {
        const fresh = this.newProgress(next, m.isLearner(id));
        fresh.recentActive = true;
        if (id === this.id) fresh.match = this.log.stableIndex();
        this.prs.set(id, fresh);
      } else {
        pr.isLearner = m.isLearner(id);
      }
    }
    for (const id of [...this.prs.keys()]) if (!m.isMember(id)) this.prs.delete(id);
    if (this.leadTransferee !== '' && !m.isVoter(this.leadTransferee)) this.leadTransferee = '';
    if (this.role === Role.Leader && this.maybeCommit()) this.onCommitAdvanced();
  }

  // ---------------------------------------------------------------- step

  step(m: Message): void {
    if (m.term === 0) {
      // Local message.
    } else if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const inLease =
          this.cfg.checkQuorum && this.lead !== '' && this.electionElapsed < this.cfg.electionTick;
        // Heard from a leader within an election timeout (or, with leader leases, started less
        // than one ago): ignore (do not even bump our term). Transfers override both.
        if ((inLease || this.inVoteLease()) && !isTransferContext(m.context)) return;
      }
      if (m.type === MessageType.PreVote) {
        // Never change term in response to a pre-vote.
      } else if (m.type === MessageType.PreVoteResp && !m.reject) {
        // A grant for our pre-campaign at term + 1; tallied below.
      } else if (
        m.type === MessageType.App ||
        m.type === MessageType.Heartbeat ||
        m.type === MessageType.Snap
      ) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, '');
      }
    } else if (m.term < this.term) {
      if (
        (this.cfg.checkQuorum || this.cfg.preVote) &&
        (m.type === MessageType.Heartbeat || m.type === MessageType.App)
      ) {
        // A stale leader (e.g. partitioned away): tell it our term so it steps down.
        this.send(message(MessageType.AppResp, this.id, m.from, this.term));
      } else if (m.type === MessageType.PreVote || m.type === MessageType.Vote) {
        // Tell a stale (pre-)candidate our term: it may have no other way to learn it (e.g. no
        // leader, and the nodes ahead of it do not have it in their configuration), and would
        // campaign at stale terms forever.
        const respType = m.type === MessageType.Vote ? MessageType.VoteResp : MessageType.PreVoteResp;
        this.send(message(respType, this.id, m.from, this.term, { reject: true }));
      }
      return;
    }

    switch (m.type) {
      case MessageType.Hup:
        this.hup(false);
        return;
      case MessageType.Vote:
      case MessageType.PreVote: {
        const respType = m.type === MessageType.Vote ? MessageType.VoteResp : MessageType.PreVoteResp;
        const canVote =
          this.vote === m.from ||
          (this.vote === '' && this.lead === '') ||
          (m.type === MessageType.PreVote && m.term > this.term);
        if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
          this.send(message(respType, this.id, m.from, m.term));
          if (m.type === MessageType.Vote) {
            this.electionElapsed = 0;
            this.vote = m.from;
          }
        } else {
          this.send(message(respType, this.id, m.from, this.term, { reject: true }));
        }
        return;
      }
    }
    switch (this.role) {
      case Role.Leader:
        this.stepLeader(m);
        return;
      case Role.Candidate:
      case Role.PreCandidate:
        this.stepCandidate(m);
        return;
      case Role.Follower:
        this.stepFollower(m);
        return;
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case MessageType.Beat:
        this.bcastHeartbeat(this.readOnly.lastPendingContext() ?? EMPTY_BYTES);
        return;
      case MessageType.CheckQuorum:
        this.checkQuorumNow();
        return;
      case MessageType.ReadIndex:
        this.leaderReadIndex(m);
        return;
    }
    const pr = this.prs.get(m.from);
    if (pr === undefined) return;
    switch (m.type) {
      case MessageType.AppResp:
        this.handleAppendResponse(m, pr);
        return;
      case MessageType.HeartbeatResp:
        this.handleHeartbeatResponse(m, pr);
        return;
      case MessageType.SnapStatus:
        if (pr.state !== ProgressState.Snapshot) return;
        if (m.reject) pr.pendingSnapshot = 0;
        pr.becomeProbe();
        // Wait for the follower's answer (or a heartbeat) before probing again.
        pr.probeSent = true;
        return;
      case MessageType.Unreachable:
        if (pr.state === ProgressState.Replicate) pr.becomeProbe();
        return;
      case MessageType.TransferLeader: {
        if (pr.isLearner) return;
        const to = m.from;
        if (this.leadTransferee !== '') {
          if (this.leadTransferee === to) return;
          this.leadTransferee = '';
        }
        if (to === this.id) return;
        this.electionElapsed = 0;
        this.leadTransferee = to;
        // The transferee will campaign past every lease: ours ends for the rest of the term.
        this.leaseForfeited = true;
        if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to);
        else this.maybeSendAppend(to, pr, true);
        return;
      }
    }
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    if (m.reject) {
      let hint = m.rejectHint;
      if (m.hintTerm > 0) hint = this.log.findConflictByTerm(m.rejectHint, m.hintTerm).index;
      if (pr.maybeDecrTo(m.index, hint)) {
        if (pr.state === ProgressState.Replicate) pr.becomeProbe();
        this.maybeSendAppend(m.from, pr, true);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) return;
    switch (pr.state) {
      case ProgressState.Probe:
        pr.becomeReplicate();
        break;
      case ProgressState.Snapshot:
        if (pr.match + 1 >= this.log.firstIndex()) {
          pr.becomeProbe();
          pr.becomeReplicate();
        }
        break;
      case ProgressState.Replicate:
        pr.inflights.freeLE(m.index);
        break;
    }
    if (this.maybeCommit()) this.onCommitAdvanced();
    else if (wasPaused) this.maybeSendAppend(m.from, pr, true);
    while (this.maybeSendAppend(m.from, pr, false)) {
      // Fill the pipeline.
    }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    if (m.index > 0 && m.commit > 0) {
      // The echoed sequence number of the heartbeat acknowledged, and for how long after it the
      // follower promises to vote for no one else (both 0 from a node without leases).
      const sentAt = this.heartbeats.sentAt(m.index);
      const until = sentAt === undefined ? -Infinity : sentAt + Math.min(m.commit, this.cfg.leaseMs);
      if (until > pr.leaseUntil) pr.leaseUntil = until;
    }
    pr.probeSent = false;
    if (pr.state === ProgressState.Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.log.lastIndex()) this.maybeSendAppend(m.from, pr, true);
    if (m.context.length === 0) return;
    const acks = this.readOnly.recvAck(m.from, m.context);
    if (acks === undefined || !this.isQuorum(acks)) return;
    for (const rs of this.readOnly.advance(m.context)) this.respondToRead(rs.from, rs.context, rs.index);
  }

  private stepCandidate(m: Message): void {
    const respType = this.role === Role.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
    switch (m.type) {
      case MessageType.App:
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        return;
      case MessageType.Heartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case respType: {
        const r = this.poll(m.from, !m.reject);
        if (r === 'won') {
          if (this.role === Role.PreCandidate) this.campaign(false, false);
          else this.becomeLeader();
        } else if (r === 'lost') {
          this.becomeFollower(this.term, '');
        }
        return;
      }
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.App:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m);
        return;
      case MessageType.Heartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case MessageType.TransferLeader:
        if (this.lead !== '') {
          this.send(message(MessageType.TransferLeader, m.from, this.lead, this.term));
        }
        return;
      case MessageType.TimeoutNow:
        // The leader hands over: campaign at once, past pre-vote and leases.
        this.hup(true);
        return;
      case MessageType.ReadIndex:
        if (this.lead !== '') {
          this.send(message(MessageType.ReadIndex, this.id, this.lead, this.term, { context: m.context }));
        }
        return;
      case MessageType.ReadIndexResp:
        this.readStates.push({ index: m.index, context: m.context });
        return;
    }
  }

  // ---------------------------------------------------------------- follower handling

  private handleAppend(m: Message): void {
    this.ticksSinceLeader = 0;
    const log = this.log;
    if (m.index < log.committed) {
      this.send(message(MessageType.AppResp, this.id, m.from, this.term, { index: log.committed }));
      return;
    }
    if (log.matchTerm(m.index, m.logTerm)) {
      const lastNew = m.index + m.entries.length;
      const ci = log.findConflict(m.entries);
      if (ci !== 0) {
        if (ci <= log.committed) {
          throw new RaftError(
            'INVARIANT',
            `entry ${ci} conflicts with committed entry (commit ${log.committed})`,
          );
        }
        const suffix = ci === m.index + 1 ? m.entries : m.entries.slice(ci - m.index - 1);
        log.append(suffix);
        if (this.history.append(suffix)) this.onMembershipChanged();
      }
      log.commitTo(Math.min(m.commit, lastNew));
      this.send(message(MessageType.AppResp, this.id, m.from, this.term, { index: lastNew }));
      return;
    }
    // Reject, with a hint that lets the leader skip a whole divergent term at once.
    const hint = log.findConflictByTerm(Math.min(m.index, log.lastIndex()), m.logTerm);
    this.send(
      message(MessageType.AppResp, this.id, m.from, this.term, {
        index: m.index,
        reject: true,
        rejectHint: hint.index,
        hintTerm: hint.term,
      }),
    );
  }

  private handleHeartbeat(m: Message): void {
    this.ticksSinceLeader = 0;
    this.log.commitTo(m.commit);
    // With leases on, echo the heartbeat's sequence number (`index`: the leader counts from its
    // send time) and promise our leaseMs (`commit`): we refuse other candidates for electionTick
    // ticks from now, which the driver guarantees last longer. A node without leases promises
    // nothing, so its acks never extend a lease.
    const lease = this.cfg.leaseMs > 0 && m.index > 0;
    this.send(
      message(MessageType.HeartbeatResp, this.id, m.from, this.term, {
        context: m.context,
        index: lease ? m.index : 0,
        commit: lease ? Math.floor(this.cfg.leaseMs) : 0,
      }),
    );
  }

  private handleSnapshot(m: Message): void {
    this.ticksSinceLeader = 0;
    const s = m.snapshot;
    if (s === undefined) return;
    if (this.restore(s)) {
      this.send(message(MessageType.AppResp, this.id, m.from, this.term, { index: this.log.lastIndex() }));
    } else {
      this.send(message(MessageType.AppResp, this.id, m.from, this.term, { index: this.log.committed }));
    }
  }

  private restore(s: Snapshot): boolean {
    const meta = s.metadata;
    if (meta.index <= this.log.committed) return false;
    if (this.log.matchTerm(meta.index, meta.term)) {
      // We already hold the snapshot's last entry: just fast-forward the commit index.
      this.log.commitTo(meta.index);
      return false;
    }
    this.log.restore(s);
    this.history.reset(meta.index, Membership.fromConfState(meta.confState));
    this.onMembershipChanged();
    return true;
  }

  // ---------------------------------------------------------------- leader replication

  private maybeSendAppend(to: NodeId, pr: Progress, sendIfEmpty: boolean): boolean {
    if (pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    if (prevIndex > this.log.lastIndex()) {
      throw new RaftError(
        'INVARIANT',
        `next index ${pr.next} of ${to} beyond last index ${this.log.lastIndex()}`,
      );
    }
    const prevTerm = this.log.term(prevIndex);
    const ents = prevTerm === undefined ? undefined : this.log.entriesFrom(pr.next, this.cfg.maxSizePerMsg);
    if (prevTerm === undefined || ents === undefined) return this.maybeSendSnapshot(to, pr);
    if (ents.length === 0 && !sendIfEmpty) return false;
    const commit = this.log.committed;
    this.send(
      message(MessageType.App, this.id, to, this.term, {
        index: prevIndex,
        logTerm: prevTerm,
        entries: ents,
        commit,
      }),
    );
    const known = Math.min(commit, prevIndex + ents.length);
    if (known > pr.sentCommit) pr.sentCommit = known;
    if (ents.length !== 0 && pr.state === ProgressState.Replicate) {
      const last = (ents[ents.length - 1] as Entry).index;
      let bytes = 0;
      for (let i = 0; i < ents.length; i++) bytes += entrySize(ents[i] as Entry);
      pr.optimisticUpdate(last);
      pr.inflights.add(last, bytes);
    } else if (pr.state === ProgressState.Probe) {
      pr.probeSent = true;
    }
    return true;
  }

  private maybeSendSnapshot(to: NodeId, pr: Progress): boolean {
    // Only to followers known alive: a snapshot is expensive.
    if (!pr.recentActive) return false;
    let snap: Snapshot;
    try {
      snap = this.log.snapshot();
    } catch (err) {
      if (RaftError.is(err, 'SNAPSHOT_TEMPORARILY_UNAVAILABLE')) return false;
      throw err;
    }
    if (snap.metadata.index === 0)
      throw new RaftError('INVARIANT', 'log compacted but storage has no snapshot');
    pr.becomeSnapshot(snap.metadata.index);
    this.send(message(MessageType.Snap, this.id, to, this.term, { snapshot: snap }));
    return true;
  }

  private bcastAppend(): void {
    const committed = this.log.committed;
    for (const [id, pr] of this.prs) {
      if (id !== this.id) this.maybeSendAppend(id, pr, pr.sentCommit < committed);
    }
  }

  private bcastHeartbeat(context: Uint8Array): void {
    const committed = this.log.committed;
    // Lease reads: a sequence number (in `index`, unused by heartbeats otherwise) that followers
    // echo, remembered with the send time. The message leaves later, never earlier.
    const index = this.cfg.leaseMs > 0 ? this.heartbeats.stamp(this.cfg.now()) : 0;
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue;
      // Never tell a follower to commit past what it is known to hold.
      const commit = Math.min(pr.match, committed);
      this.send(message(MessageType.Heartbeat, this.id, id, this.term, { commit, context, index }));
    }
  }

  private sendTimeoutNow(to: NodeId): void {
    this.leaseForfeited = true;
    this.send(message(MessageType.TimeoutNow, this.id, to, this.term));
  }

  /** Commits the highest index durable on a quorum of voters, if it is of the current term. */
  private maybeCommit(): boolean {
    const voters = this.membership.voterIds;
    if (voters.length === 0) return false;
    const matches = this.matchScratch;
    matches.length = 0;
    for (const id of voters) matches.push(this.prs.get(id)?.match ?? 0);
    matches.sort((a, b) => b - a);
    return this.log.maybeCommit(matches[this.membership.quorum - 1] as number, this.term);
  }

  private onCommitAdvanced(): void {
    this.pendingBcast = true;
    this.releasePendingReadIndexMessages();
  }

  private isQuorum(ids: ReadonlySet<NodeId>): boolean {
    let n = 0;
    for (const id of this.membership.voterIds) if (ids.has(id)) n++;
    return n >= this.membership.quorum;
  }

  private checkQuorumNow(): void {
    let active = 0;
    for (const id of this.membership.voterIds) {
      if (id === this.id || this.prs.get(id)?.recentActive === true) active++;
    }
    if (active < this.membership.quorum) {
      this.becomeFollower(this.term, '');
      return;
    }
    for (const [id, pr] of this.prs) if (id !== this.id) pr.recentActive = false;
  }

  // ---------------------------------------------------------------- ReadIndex

  private committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private leaderReadIndex(m: Message): void {
    const mem = this.membership;
    if (mem.voterIds.length === 1 && mem.isVoter(this.id)) {
      this.respondToRead(m.from, m.context, this.log.committed);
      return;
    }
    if (!this.committedEntryInCurrentTerm()) {
      // Our commit index may lag the cluster's until an entry of our term commits.
      this.pendingReadIndexMessages.push(m);
      return;
    }
    this.startReadIndexRound(m.from, m.context);
  }

  /** Sends `context` on a heartbeat round, or answers it at once while the lease holds. */
  private startReadIndexRound(from: NodeId, context: Uint8Array): void {
    if (this.leaseValid()) {
      this.leaseReadsServed++;
      this.respondToRead(from, context, this.log.committed);
      return;
    }
    this.readOnly.addRequest(this.log.committed, from, context);
    this.readOnly.recvAck(this.id, context);
    this.bcastHeartbeat(context);
  }

  private releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const ms = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of ms) this.startReadIndexRound(m.from, m.context);
  }

  private respondToRead(from: NodeId, context: Uint8Array, index: number): void {
    if (from === this.id || from === '') this.readStates.push({ index, context });
    else this.send(message(MessageType.ReadIndexResp, this.id, from, this.term, { index, context }));
  }

  // ---------------------------------------------------------------- leases

  /** With leases on: this node heard from a leader (or started) less than electionTick ticks ago. */
  private inVoteLease(): boolean {
    return this.cfg.leaseMs > 0 && this.ticksSinceLeader < this.cfg.electionTick;
  }

  /**
   * Until when a quorum of voters promised to vote for no other leader: the quorum-th latest of
   * their promises (the same quorum rule as the commit index), the leader itself counting as
   * `now + leaseMs`.
   */
  private leaseEnd(now: number): number {
    const voters = this.membership.voterIds;
    if (voters.length === 0) return -Infinity;
    const ends = this.leaseScratch;
    ends.length = 0;
    for (const id of voters)
      ends.push(id === this.id ? now + this.cfg.leaseMs : (this.prs.get(id)?.leaseUntil ?? -Infinity));
    ends.sort((a, b) => b - a);
    return ends[this.membership.quorum - 1] as number;
  }

  /**
   * Whether a read may be served now at the commit index without a heartbeat round (Raft thesis
   * §6.4.1): this node leads and is a voter, an entry of its term is committed, no leadership
   * transfer began in this term, and a quorum acknowledged a heartbeat sent less than leaseMs ago
   * (less than their own promised lease, when shorter). No other leader can exist before then:
   * every voter of that quorum refuses votes for electionTick ticks after the heartbeat reached
   * it, which take longer than the lease it promised.
   */
  private leaseValid(): boolean {
    if (this.cfg.leaseMs <= 0 || this.role !== Role.Leader || this.leaseForfeited) return false;
    if (this.leadTransferee !== '' || !this.membership.isVoter(this.id)) return false;
    if (!this.committedEntryInCurrentTerm()) return false;
    const now = this.cfg.now();
    return now < this.leaseEnd(now);
  }

  /** The commit index a read may be served at right now by lease, or undefined (no valid lease). */
  leaseReadIndex(): number | undefined {
    return this.leaseValid() ? this.log.committed : undefined;
  }

  // ---------------------------------------------------------------- status

  peerStatus(): Map<NodeId, PeerStatus> {
    const out = new Map<NodeId, PeerStatus>();
    if (this.role !== Role.Leader) return out;
    for (const [id, pr] of this.prs) {
      out.set(id, {
        match: pr.match,
        next: pr.next,
        state: pr.state,
        recentActive: id === this.id || pr.recentActive,
        isLearner: pr.isLearner,
        pendingSnapshot: pr.pendingSnapshot,
        inflight: pr.inflights.count,
      });
    }
    return out;
  }
}

function isEmptyHardState(hs: HardState): boolean {
  return hs.term === 0 && hs.vote === '' && hs.commit === 0;
}
