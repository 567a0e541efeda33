import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as turn, setTimeout as sleep } from 'node:timers/promises';
import { MemoryNetwork, Role } from '@coffer/raft';
import type { NodeId, RaftNode } from '@coffer/raft';
import { openRaftStorage } from '../../src/raft-storage/open-raft-storage.js';
import type { RaftStorage, RaftStorageOptions } from '../../src/raft-storage/open-raft-storage.js';
import type { RaftBackend } from '../../src/raft-storage/raft-backend.js';
import type { RaftFsm } from '../../src/raft-storage/raft-fsm.js';

export type StorageTuning = Partial<Omit<RaftStorageOptions, 'dir' | 'nodeId' | 'transport' | 'peers'>>;

/** Fixed clock for snapshot metadata: time is an input. */
export const FIXED_CLOCK = (): Date => new Date('2025-01-02T03:04:05.000Z');

/**
 * Raft storages in one process: real LevelDB (log, snapshots, FSM) in a temp directory per node,
 * a MemoryNetwork between them, and manual time (tickMs 0): nothing ticks unless `until` does,
 * so a leader chosen with `elect` stays leader while tests write.
 */
export class RaftStorageCluster {
  readonly root: string;
  readonly founders: readonly NodeId[];
  readonly members = new Map<NodeId, RaftStorage>();
  network: MemoryNetwork;
  readonly #tuning: StorageTuning;

  private constructor(root: string, founders: readonly NodeId[], tuning: StorageTuning) {
    this.root = root;
    this.founders = founders;
    this.#tuning = tuning;
    this.network = new MemoryNetwork({ seed: 7 });
  }

  /** Starts the founders and elects `founders[0]`. On failure, everything is closed and removed. */
  static async start(founders: readonly NodeId[], tuning: StorageTuning = {}): Promise<RaftStorageCluster> {
    const root = await mkdtemp(join(tmpdir(), 'coffer-raft-storage-'));
    const c = new RaftStorageCluster(root, founders, tuning);
    try {
      for (const id of founders) await c.startNode(id);
      await c.elect(founders[0]!);
    } catch (err) {
      await c.destroy();
      throw err;
    }
    return c;
  }

  peers(): Record<NodeId, string> {
    return Object.fromEntries(this.founders.map((id) => [id, `mem://${id}`]));
  }

  dirOf(id: NodeId): string {
    return join(this.root, id);
  }

  /** Opens `id`'s storage from its directory (a restart when it ran before). */
  async startNode(id: NodeId, opts: { join?: boolean; tuning?: StorageTuning } = {}): Promise<RaftStorage> {
    const s = await openRaftStorage({
      dir: this.dirOf(id),
      nodeId: id,
      transport: this.network.transport(id),
      peers: opts.join === true ? {} : this.peers(),
      bootstrap: opts.join === true ? false : undefined,
      tickMs: 0,
      electionTick: 20,
      heartbeatTick: 1,
      seed: id.charCodeAt(0) * 7919,
      readTimeoutMs: 10_000,
      clock: FIXED_CLOCK,
      ...this.#tuning,
      ...opts.tuning,
    });
    this.members.set(id, s);
    return s;
  }

  storage(id: NodeId): RaftStorage {
    const s = this.members.get(id);
    if (s === undefined) throw new Error(`no node ${id}`);
    return s;
  }

  node(id: NodeId): RaftNode {
    return this.storage(id).raftNode;
  }

  backend(id: NodeId): RaftBackend {
    return this.storage(id).backend;
  }

  fsm(id: NodeId): RaftFsm {
    return this.storage(id).fsm;
  }

  running(): RaftNode[] {
    return [...this.members.values()].map((s) => s.raftNode).filter((n) => n.running);
  }

  /**
   * Ticks every running node (heartbeats carry the commit index to followers and retry lagging
   * ones) at most every 10 ms, letting I/O run in between, until `cond` holds. The spacing keeps
   * an election timeout (20 ticks) well above any fsync stall on a loaded machine.
   */
  async until(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${what}`);
      for (const n of this.running()) n.tick();
      for (let i = 0; i < 5; i++) await turn();
      await sleep(10);
    }
  }

  /** Waits (without ticking: no elections, no heartbeats) for real I/O until `cond` holds. */
  async waitFor(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${what}`);
      await sleep(2);
    }
  }

  /**
   * Makes `id` campaign and waits until every running node follows it and it has applied an
   * entry of its own term (its no-op), so its applied index is settled.
   */
  async elect(id: NodeId): Promise<RaftNode> {
    const node = this.node(id);
    // No ticks while electing: nobody else's election timer can fire, so `id` (whose log is
    // up to date in every test) wins deterministically.
    node.campaign();
    await this.waitFor(
      `${id} leads`,
      () =>
        node.role === Role.Leader &&
        this.running().every((n) => n.leader === id) &&
        this.fsm(id).appliedTerm === node.status().term,
    );
    return node;
  }

  leader(): RaftNode | undefined {
    return this.running().find((n) => n.role === Role.Leader);
  }

  async stopNode(id: NodeId): Promise<void> {
    await this.members.get(id)?.close();
  }

  /** Closes every node (storage stays on disk); the next start uses a fresh network. */
  async stopAll(): Promise<void> {
    const errors: unknown[] = [];
    for (const s of this.members.values()) await s.close().catch((err: unknown) => errors.push(err));
    this.network.close();
    this.network = new MemoryNetwork({ seed: 7 });
    if (errors.length > 0) throw errors[0];
  }

  /** Closes every node and reopens the founders from their directories, electing `founders[0]`. */
  async restartAll(): Promise<void> {
    await this.stopAll();
    this.members.clear();
    for (const id of this.founders) await this.startNode(id);
    await this.elect(this.founders[0]!);
  }

  /** Closes everything and removes the directories. Safe to call more than once. */
  async destroy(): Promise<void> {
    try {
      await this.stopAll();
    } finally {
      await rm(this.root, { recursive: true, force: true });
    }
  }
}

/** Every (key, value) of an FSM, values hex-encoded, for deepEqual comparisons. */
export async function dump(fsm: RaftFsm): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const e of fsm.entries()) out.push([e.key, Buffer.from(e.value).toString('hex')]);
  return out;
}
