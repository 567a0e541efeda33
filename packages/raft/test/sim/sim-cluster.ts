import { MessageType, RaftError, Role } from '../../src/core/index.js';
import type { ConfChange, Message, NodeId, ProposalResult, Ready } from '../../src/core/index.js';
import { InvariantChecker } from './invariant-checker.js';
import { Prng } from './prng.js';
import { SimNetwork } from './sim-network.js';
import { SimNode } from './sim-node.js';
import type { SimNodeConfig, SimNodeHost } from './sim-node.js';

export const DEFAULT_NODE_CONFIG: SimNodeConfig = {
  electionTick: 10,
  heartbeatTick: 1,
  preVote: true,
  checkQuorum: true,
  maxSizePerMsg: 1024 * 1024,
  maxInflightMsgs: 256,
  maxInflightBytes: 0,
  maxCommittedSizePerReady: 8 * 1024 * 1024,
};

/**
 * Simulated milliseconds per tick: every tick (of one node or of all) advances the shared clock by
 * this much, so no node ever counts ticks faster than real time (timers never fire early).
 */
export const SIM_TICK_MS = 100;

const encoder = new TextEncoder();

const TYPE_NAMES = new Map<number, string>(Object.entries(MessageType).map(([k, v]) => [v, k]));

/** One-line rendering of a message for traces and failure reports. */
export function describeMessage(m: Message): string {
  const ents =
    m.entries.length === 0 ? '' : ` ents ${m.entries[0]?.index}..${m.entries[m.entries.length - 1]?.index}`;
  const snap =
    m.snapshot === undefined ? '' : ` snap ${m.snapshot.metadata.index}@${m.snapshot.metadata.term}`;
  return (
    `${TYPE_NAMES.get(m.type) ?? m.type} ${m.from}→${m.to} t${m.term} i${m.index} lt${m.logTerm} c${m.commit}` +
    `${m.reject ? ` reject hint ${m.rejectHint}@${m.hintTerm}` : ''}${ents}${snap}`
  );
}

/**
 * A simulated cluster: nodes, a lossy network and the invariant checker, with primitives for
 * scenarios (tick, deliver, process Readies, crash, partition, …) and a `stabilize()` that runs
 * the cluster to quiescence. Every primitive re-checks the per-step invariants.
 */
export class SimCluster implements SimNodeHost {
  readonly checker = new InvariantChecker();
  readonly network: SimNetwork;
  readonly nodes = new Map<NodeId, SimNode>();
  readonly rng: Prng;
  private readonly cfg: SimNodeConfig;
  /** Simulated time (ms): advanced by ticks, or directly to model a paused node. */
  clock = 0;
  private proposalSeq = 0;
  private readSeq = 0;
  /** Nodes whose disk is "slow": stabilize() leaves their Ready processing alone (they still receive). */
  readonly pausedDisks = new Set<NodeId>();
  /**
   * Stopped processes (SIGSTOP): they neither tick nor process Readies nor receive (messages to
   * them stay queued), while the shared clock keeps running.
   */
  readonly frozen = new Set<NodeId>();
  trace: ((line: string) => void) | undefined = undefined;

  constructor(
    founders: readonly NodeId[],
    seed = 1,
    cfg: Partial<SimNodeConfig> = {},
    learners: readonly NodeId[] = [],
  ) {
    this.rng = new Prng(seed);
    this.cfg = { ...DEFAULT_NODE_CONFIG, ...cfg };
    this.network = new SimNetwork(this.rng.fork());
    this.network.onLost = (m) => this.onLost(m);
    const peers = { voters: [...founders], learners: [...learners] };
    for (const id of [...founders, ...learners]) {
      const n = new SimNode(id, peers, this.cfg, this.rng.fork(), this);
      this.nodes.set(id, n);
      n.start();
    }
  }

  log(line: string): void {
    this.trace?.(line);
  }

  node(id: NodeId): SimNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** Adds a node that joins an existing cluster (empty storage, no bootstrap membership). */
  addJoiner(id: NodeId): SimNode {
    let n = this.nodes.get(id);
    if (n === undefined) {
      n = new SimNode(id, undefined, this.cfg, this.rng.fork(), this);
      this.nodes.set(id, n);
      n.start();
    }
    return n;
  }

  // ------------------------------------------------------------------ host

  now(): number {
    return this.clock;
  }

  sendMessages(_from: SimNode, rd: Ready): void {
    this.network.send(rd.messages);
  }

  private onLost(m: Message): void {
    const sender = this.nodes.get(m.from)?.raw;
    if (sender === undefined) return;
    if (m.type === MessageType.Snap) sender.reportSnapshot(m.to, false);
    else if (m.type === MessageType.App && this.rng.chance(0.3)) sender.reportUnreachable(m.to);
  }

  // ------------------------------------------------------------------ primitives

  /** Delivers one message (lost if its target is down); Snap deliveries are reported to the sender. */
  deliver(m: Message): void {
    if (this.frozen.has(m.to)) {
      this.network.requeue(m);
      return;
    }
    const to = this.nodes.get(m.to);
    if (to?.raw === undefined) {
      this.onLost(m);
      return;
    }
    try {
      to.raw.step(m);
    } catch (err) {
      if (err instanceof Error) err.message += ` (delivering ${describeMessage(m)})`;
      throw err;
    }
    if (m.type === MessageType.Snap) this.nodes.get(m.from)?.raw?.reportSnapshot(m.to, true);
    this.checkStep();
  }

  deliverRandom(): boolean {
    if (this.network.size === 0) return false;
    const m = this.network.takeRandom();
    if (m !== undefined) this.deliver(m);
    return true;
  }

  tick(id?: NodeId): void {
    this.clock += SIM_TICK_MS;
    if (id !== undefined) {
      if (!this.frozen.has(id)) this.nodes.get(id)?.raw?.tick();
    } else {
      for (const n of this.nodes.values()) if (!this.frozen.has(n.id)) n.raw?.tick();
    }
    this.checkStep();
  }

  advancePhase(id: NodeId): boolean {
    if (this.frozen.has(id)) return false;
    const did = this.node(id).advancePhase();
    if (did) this.checkStep();
    return did;
  }

  crash(id: NodeId): void {
    this.log(`crash ${id}`);
    this.node(id).crash();
  }

  restart(id: NodeId): void {
    this.log(`restart ${id}`);
    const n = this.node(id);
    if (n.alive) n.crash();
    this.frozen.delete(id);
    n.start();
    this.checkStep();
  }

  /** Per-step invariants: election safety and leader completeness on every live node. */
  checkStep(): void {
    for (const n of this.nodes.values()) {
      const raw = n.raw;
      if (raw === undefined) continue;
      const s = raw.basicStatus();
      this.checker.onStatus(s);
      if (s.role === Role.Leader) this.checker.checkLeaderCompleteness(s, raw);
    }
  }

  // ------------------------------------------------------------------ clients

  nextProposalData(size = 0): Uint8Array {
    const base = `p${++this.proposalSeq}`;
    return encoder.encode(size > base.length ? base + '.'.repeat(size - base.length) : base);
  }

  /** Proposes on `id`; returns the result, or the RaftError code when refused. */
  propose(id: NodeId, size = 0): ProposalResult | string {
    const raw = this.node(id).raw;
    if (raw === undefined) return 'DOWN';
    const data = this.nextProposalData(size);
    try {
      const r = raw.propose(data);
      this.checker.onPropose(id, new TextDecoder().decode(data), r.index, r.term);
      return r;
    } catch (err) {
      if (err instanceof RaftError) return err.code;
      throw err;
    }
  }

  proposeConfChange(id: NodeId, cc: ConfChange): ProposalResult | string {
    const raw = this.node(id).raw;
    if (raw === undefined) return 'DOWN';
    try {
      return raw.proposeConfChange(cc);
    } catch (err) {
      if (err instanceof RaftError) return err.code;
      throw err;
    }
  }

  /** Starts a ReadIndex on `id`; returns its context, or the RaftError code when refused. */
  readIndex(id: NodeId): string {
    const raw = this.node(id).raw;
    if (raw === undefined) return 'DOWN';
    const ctx = `r${++this.readSeq}`;
    try {
      raw.readIndex(encoder.encode(ctx));
      this.checker.onReadRequest(id, ctx);
      return ctx;
    } catch (err) {
      if (err instanceof RaftError) return err.code;
      throw err;
    }
  }

  // ------------------------------------------------------------------ observation

  liveNodes(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.alive);
  }

  /** The live leader with the highest term, if any. */
  leader(): NodeId | undefined {
    let best: { id: NodeId; term: number } | undefined;
    for (const n of this.nodes.values()) {
      const s = n.raw?.basicStatus();
      if (s?.role === Role.Leader && (best === undefined || s.term > best.term))
        best = { id: n.id, term: s.term };
    }
    return best?.id;
  }

  // ------------------------------------------------------------------ orderly driving

  /**
   * Runs Readies and FIFO message delivery until nothing is left to do (no ticks). Messages for
   * which `keep` is false are lost. Returns the number of rounds; throws if it does not settle.
   */
  stabilize(maxRounds = 1000, keep: (m: Message) => boolean = () => true): number {
    for (let round = 0; round < maxRounds; round++) {
      let busy = false;
      for (const n of this.nodes.values()) {
        if (this.pausedDisks.has(n.id) || this.frozen.has(n.id)) continue;
        while (n.hasWork()) {
          busy = true;
          n.advancePhase();
          this.checkStep();
        }
      }
      const msgs = this.network.takeAll();
      for (const m of msgs) {
        if (this.frozen.has(m.to)) {
          this.network.requeue(m);
          continue;
        }
        busy = true;
        if (keep(m)) this.deliver(m);
        else this.onLost(m);
      }
      if (!busy) return round;
    }
    throw new Error(`cluster did not stabilize in ${maxRounds} rounds`);
  }

  /** Ticks every live node `n` times, stabilizing after each tick. */
  tickAndStabilize(n: number): void {
    for (let i = 0; i < n; i++) {
      this.tick();
      this.stabilize();
    }
  }

  /** Elects `id` (campaign + stabilize) and returns once it leads. */
  elect(id: NodeId): void {
    this.node(id).raw?.campaign();
    this.stabilize();
    const s = this.node(id).raw?.basicStatus();
    if (s?.role !== Role.Leader) throw new Error(`${id} failed to become leader (role ${String(s?.role)})`);
  }

  /** Ticks until some live node leads (at most `maxTicks`). */
  waitForLeader(maxTicks = 200): NodeId {
    for (let i = 0; i < maxTicks; i++) {
      const l = this.leader();
      if (l !== undefined && this.node(l).raw?.basicStatus().leader === l) return l;
      this.tick();
      this.stabilize();
    }
    throw new Error('no leader elected');
  }
}
