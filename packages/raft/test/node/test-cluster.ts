import { setImmediate as turn } from 'node:timers/promises';
import { Role } from '../../src/core/types.js';
import type { NodeId } from '../../src/core/types.js';
import { RaftNode } from '../../src/node/raft-node.js';
import type { RaftNodeOptions } from '../../src/node/raft-node.js';
import { MemoryLogStore } from '../../src/storage/memory-log-store.js';
import { MemorySnapshotStore } from '../../src/storage/memory-snapshot-store.js';
import { MemoryNetwork } from '../../src/transport/memory-network.js';
import { MemoryStateMachine } from './memory-state-machine.js';

interface Member {
  node: RaftNode;
  sm: MemoryStateMachine;
  logStore: MemoryLogStore;
  snapshotStore: MemorySnapshotStore;
}

export type NodeTuning = Partial<
  Omit<RaftNodeOptions, 'id' | 'transport' | 'stateMachine' | 'logStore' | 'snapshotStore' | 'dataDir'>
>;

/**
 * Raft nodes in one process on a MemoryNetwork with in-memory storage and manual time: nothing
 * happens on a timer; `until` ticks every node and lets I/O settle, round after round.
 */
export class TestCluster {
  readonly network: MemoryNetwork;
  readonly members = new Map<NodeId, Member>();
  readonly #tuning: NodeTuning;
  readonly #founders: readonly NodeId[];

  constructor(founders: readonly NodeId[], options: { seed?: number; tuning?: NodeTuning } = {}) {
    this.network = new MemoryNetwork({ seed: options.seed ?? 1 });
    this.#founders = founders;
    this.#tuning = options.tuning ?? {};
  }

  static async start(
    founders: readonly NodeId[],
    options: { seed?: number; tuning?: NodeTuning; durable?: boolean; onDemand?: boolean } = {},
  ): Promise<TestCluster> {
    const c = new TestCluster(founders, options);
    for (const id of founders)
      await c.startNode(id, { durable: options.durable ?? options.onDemand, onDemand: options.onDemand });
    return c;
  }

  peers(): Record<NodeId, string> {
    return Object.fromEntries(this.#founders.map((id) => [id, `mem://${id}`]));
  }

  /** Starts `id` (again, after stopNode, reusing its storage and state machine as a restart would). */
  async startNode(
    id: NodeId,
    opts: { durable?: boolean; onDemand?: boolean; join?: boolean; tuning?: NodeTuning } = {},
  ): Promise<RaftNode> {
    const prev = this.members.get(id);
    const sm =
      prev?.sm.restart() ??
      new MemoryStateMachine(opts.durable ?? opts.onDemand ?? false, opts.onDemand ?? false);
    const logStore = prev?.logStore ?? new MemoryLogStore();
    const snapshotStore = prev?.snapshotStore ?? new MemorySnapshotStore();
    const node = new RaftNode({
      id,
      transport: this.network.transport(id),
      stateMachine: sm,
      logStore,
      snapshotStore,
      peers: this.peers(),
      bootstrap: opts.join === true ? false : undefined,
      tickMs: 0,
      electionTick: 10,
      heartbeatTick: 1,
      seed: id.charCodeAt(0) * 7919,
      readTimeoutMs: 2_000,
      ...this.#tuning,
      ...opts.tuning,
    });
    this.members.set(id, { node, sm, logStore, snapshotStore });
    await node.start();
    return node;
  }

  async stopNode(id: NodeId): Promise<void> {
    await this.members.get(id)?.node.stop();
  }

  node(id: NodeId): RaftNode {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`no node ${id}`);
    return m.node;
  }

  sm(id: NodeId): MemoryStateMachine {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`no node ${id}`);
    return m.sm;
  }

  running(): RaftNode[] {
    return [...this.members.values()].map((m) => m.node).filter((n) => n.running);
  }

  /** Lets pending I/O (deliveries, storage writes, applies) run without advancing time. */
  async settle(turns = 20): Promise<void> {
    for (let i = 0; i < turns; i++) await turn();
  }

  /** Ticks every running node, round after round, until `cond` holds (throws after maxTicks). */
  async until(what: string, cond: () => boolean, maxTicks = 400): Promise<void> {
    for (let i = 0; i < maxTicks; i++) {
      if (cond()) return;
      for (const n of this.running()) n.tick();
      await this.settle();
    }
    if (!cond()) throw new Error(`not reached within ${maxTicks} ticks: ${what}`);
  }

  leader(): RaftNode | undefined {
    const leaders = this.running().filter((n) => n.role === Role.Leader);
    let best: RaftNode | undefined;
    for (const l of leaders) if (best === undefined || l.status().term > best.status().term) best = l;
    return best;
  }

  async waitLeader(exclude?: NodeId): Promise<RaftNode> {
    await this.until('a leader', () => {
      const l = this.leader();
      return (
        l !== undefined &&
        l.id !== exclude &&
        this.running().every((n) => n.id === exclude || n.leader === l.id || !this.#reachable(n.id, l.id))
      );
    });
    return this.leader()!;
  }

  #reachable(a: NodeId, b: NodeId): boolean {
    return this.network.reachable(b, a);
  }

  /** Proposes `n` values tagged `prefix` concurrently on `leader`; resolves with their indexes. */
  proposeMany(leader: RaftNode, prefix: string, n: number): Promise<number[]> {
    const enc = new TextEncoder();
    const out: Promise<number>[] = [];
    for (let i = 0; i < n; i++) out.push(leader.propose(enc.encode(`${prefix}${i}`)));
    return Promise.all(out);
  }

  /** Resolves a promise while ticking (proposals need no ticks, but elections do). */
  async drive<T>(p: Promise<T>, maxTicks = 400): Promise<T> {
    let done = false;
    let value: T | undefined;
    let error: unknown;
    let failed = false;
    p.then(
      (v) => {
        done = true;
        value = v;
      },
      (e: unknown) => {
        done = true;
        failed = true;
        error = e;
      },
    );
    await this.until('promise settles', () => done, maxTicks);
    if (failed) throw error;
    return value as T;
  }

  async close(): Promise<void> {
    for (const m of this.members.values()) await m.node.stop();
    this.network.close();
  }
}
