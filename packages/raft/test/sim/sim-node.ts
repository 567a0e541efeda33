import { EntryType, MemoryStorage, RawNode, decodeConfChange } from '../../src/core/index.js';
import type { ConfState, Entry, NodeId, RaftConfig, Ready, Snapshot } from '../../src/core/index.js';
import type { InvariantChecker } from './invariant-checker.js';
import type { Prng } from './prng.js';

/** Per-node raft settings the simulation varies. */
export interface SimNodeConfig {
  readonly electionTick: number;
  readonly heartbeatTick: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxSizePerMsg: number;
  readonly maxInflightMsgs: number;
  readonly maxInflightBytes: number;
  readonly maxCommittedSizePerReady: number;
  /** Leader-lease reads in ms of the host's simulated clock (absent or 0: off). */
  readonly leaseMs?: number;
}

/**
 * The durable state machine: an applied index and a rolling hash of every applied entry, stored
 * atomically with the applied index (as the real FSM stores it in the same LevelDB batch).
 */
export interface FsmState {
  readonly applied: number;
  readonly hash: number;
  readonly conf: ConfState;
}

const EMPTY_CONF: ConfState = { voters: [], learners: [] };

function mix(h: number, x: number): number {
  h ^= x;
  return Math.imul(h, 0x01000193) >>> 0;
}

export function hashEntry(prev: number, e: Entry): number {
  let h = mix(mix(prev, e.index), e.term);
  for (let i = 0; i < e.data.length; i++) h = mix(h, e.data[i] as number);
  return h;
}

export function encodeFsm(applied: number, hash: number): Uint8Array {
  return new TextEncoder().encode(`${applied}:${hash}`);
}

export function decodeFsm(data: Uint8Array): { applied: number; hash: number } {
  const [a, h] = new TextDecoder().decode(data).split(':');
  return { applied: Number(a), hash: Number(h) };
}

/** Where a node is in processing its current Ready. */
export type ReadyPhase = 'persist' | 'send' | 'apply';

/** Callbacks a node uses to talk to its cluster. */
export interface SimNodeHost {
  readonly checker: InvariantChecker;
  sendMessages(from: SimNode, rd: Ready): void;
  /** Simulated monotonic time in ms, shared by every node (leader leases). */
  now(): number;
}

/**
 * One simulated server: the driver around a RawNode. Durable state (the MemoryStorage "disk" and
 * the FSM) survives crashes; the RawNode and any half-processed Ready do not. A Ready is processed
 * in phases (persist, send, apply+advance) that the simulation interleaves with other events.
 */
export class SimNode {
  readonly id: NodeId;
  /** The durable log and hard state ("disk"): written only at the persist (fsync) phase. */
  readonly storage = new MemoryStorage();
  fsm: FsmState = { applied: 0, hash: 0, conf: EMPTY_CONF };
  raw: RawNode | undefined = undefined;
  pending: { rd: Ready; phase: ReadyPhase; sent: boolean } | undefined = undefined;
  crashes = 0;
  private readonly peers: ConfState | undefined;
  private readonly cfg: SimNodeConfig;
  private readonly rng: Prng;
  private readonly host: SimNodeHost;

  constructor(id: NodeId, peers: ConfState | undefined, cfg: SimNodeConfig, rng: Prng, host: SimNodeHost) {
    this.id = id;
    this.peers = peers;
    this.cfg = cfg;
    this.rng = rng;
    this.host = host;
  }

  get alive(): boolean {
    return this.raw !== undefined;
  }

  /** Boots (or reboots) from durable state. */
  start(): RawNode {
    const rng = this.rng.fork();
    const config: RaftConfig = {
      id: this.id,
      peers: this.peers,
      electionTick: this.cfg.electionTick,
      heartbeatTick: this.cfg.heartbeatTick,
      random: () => rng.next(),
      storage: this.storage,
      applied: this.fsm.applied,
      maxSizePerMsg: this.cfg.maxSizePerMsg,
      maxInflightMsgs: this.cfg.maxInflightMsgs,
      maxInflightBytes: this.cfg.maxInflightBytes,
      maxCommittedSizePerReady: this.cfg.maxCommittedSizePerReady,
      preVote: this.cfg.preVote,
      checkQuorum: this.cfg.checkQuorum,
      leaseMs: this.cfg.leaseMs ?? 0,
      now: () => this.host.now(),
    };
    this.raw = new RawNode(config);
    this.pending = undefined;
    return this.raw;
  }

  /** Loses everything not durable: the RawNode, the unpersisted Ready, unsent messages. */
  crash(): void {
    this.raw = undefined;
    this.pending = undefined;
    this.crashes++;
    this.host.checker.forgetProposals(this.id);
  }

  /** Whether `advancePhase` has something to do. */
  hasWork(): boolean {
    return this.raw !== undefined && (this.pending !== undefined || this.raw.hasReady());
  }

  /** Runs the next step of Ready processing. Returns false if there was nothing to do. */
  advancePhase(): boolean {
    const raw = this.raw;
    if (raw === undefined) return false;
    const p = this.pending;
    if (p === undefined) {
      if (!raw.hasReady()) return false;
      const rd = raw.ready();
      this.pending = { rd, phase: 'persist', sent: false };
      if (rd.mustSync && rd.messages.length !== 0) {
        // The leader's appends travel while it fsyncs them.
        this.host.sendMessages(this, rd);
        this.pending.sent = true;
      }
      return true;
    }
    switch (p.phase) {
      case 'persist':
        this.persist(p.rd);
        p.phase = 'send';
        return true;
      case 'send':
        if (!p.sent) this.host.sendMessages(this, p.rd);
        p.sent = true;
        p.phase = 'apply';
        return true;
      case 'apply':
        this.applyAndAdvance(raw, p.rd);
        this.pending = undefined;
        return true;
    }
  }

  /** Processes Readies to completion until none is left (bounded). */
  drain(maxRounds = 100): void {
    for (let i = 0; i < maxRounds * 4 && this.advancePhase(); i++) {
      // keep going
    }
  }

  /** The fsync: snapshot, entries and hard state become durable together. */
  private persist(rd: Ready): void {
    const s = this.storage;
    if (rd.snapshot !== undefined) s.applySnapshot(rd.snapshot);
    if (rd.entries.length !== 0) s.append(rd.entries);
    if (rd.hardState !== undefined) s.setHardState(rd.hardState);
    this.host.checker.onPersist(this.id, rd.entries, rd.hardState, (i) => this.durableTerm(i));
  }

  durableTerm(i: number): number | undefined {
    const s = this.storage;
    if (i < s.firstIndex() - 1 || i > s.lastIndex()) return undefined;
    return s.term(i);
  }

  private applyAndAdvance(raw: RawNode, rd: Ready): void {
    const checker = this.host.checker;
    if (rd.snapshot !== undefined) this.installSnapshot(rd.snapshot);
    for (const e of rd.committedEntries) {
      if (e.index !== this.fsm.applied + 1) {
        checker.fail(`${this.id}: applying ${e.index} after ${this.fsm.applied} (gap or repeat)`);
      }
      const hash = hashEntry(this.fsm.hash, e);
      let conf = this.fsm.conf;
      if (e.type === EntryType.ConfChange) conf = raw.applyConfChange(decodeConfChange(e.data));
      this.fsm = { applied: e.index, hash, conf };
      checker.onApply(this.id, e, hash);
    }
    for (const rs of rd.readStates) checker.onReadState(this.id, rs);
    raw.advance(rd);
  }

  private installSnapshot(snap: Snapshot): void {
    const meta = snap.metadata;
    if (meta.index <= this.fsm.applied) {
      this.host.checker.fail(`${this.id}: snapshot ${meta.index} handed out at applied ${this.fsm.applied}`);
    }
    const { applied, hash } = decodeFsm(snap.data);
    if (applied !== meta.index)
      this.host.checker.fail(`${this.id}: snapshot data at ${applied} but metadata at ${meta.index}`);
    this.fsm = { applied, hash, conf: meta.confState };
    this.host.checker.onSnapshotInstalled(this.id, meta.index, meta.term, hash);
  }

  /**
   * Log compaction as a real server does it: snapshot the state machine at its applied index,
   * then drop the log up to `applied - keep`.
   */
  compact(keep: number): boolean {
    const s = this.storage;
    const applied = this.fsm.applied;
    if (applied <= s.snapshot().metadata.index || applied > s.lastIndex()) return false;
    s.createSnapshot(applied, this.fsm.conf, encodeFsm(applied, this.fsm.hash));
    s.compact(Math.max(s.firstIndex() - 1, applied - keep));
    return true;
  }
}
