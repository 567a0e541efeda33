// Leader-lease reads through RaftNode: on a MemoryNetwork, with real tick timers (the default
// lease) or with manual ticks and a controllable clock.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { Role } from '../../src/core/types.js';
import type { NodeId } from '../../src/core/types.js';
import { RaftNode } from '../../src/node/raft-node.js';
import { RaftNodeError } from '../../src/node/raft-node-errors.js';
import { MemoryLogStore } from '../../src/storage/memory-log-store.js';
import { MemorySnapshotStore } from '../../src/storage/memory-snapshot-store.js';
import { MemoryNetwork } from '../../src/transport/memory-network.js';
import { MemoryStateMachine } from './memory-state-machine.js';
import { TestCluster } from './test-cluster.js';

const enc = new TextEncoder();
const IDS = ['a', 'b', 'c'] as const;

/** Polls `cond` in real time (timer-driven clusters), failing after `ms`. */
async function waitFor(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** The settled outcome of a promise, observed without awaiting it. */
function observe(p: Promise<unknown>): { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } {
  const o: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
  p.then(
    () => (o.state = 'resolved'),
    (error: unknown) => {
      o.state = 'rejected';
      o.error = error;
    },
  );
  return o;
}

/** A 3-node cluster on timers (20 ms ticks, electionTick 10: a 144 ms lease by default). */
async function timerCluster(): Promise<TestCluster> {
  return TestCluster.start([...IDS], { tuning: { tickMs: 20, readTimeoutMs: 2_000 } });
}

async function timerLeader(c: TestCluster, exclude?: NodeId): Promise<RaftNode> {
  await waitFor('a leader known to all', () => {
    const l = c.leader();
    return (
      l !== undefined &&
      l.id !== exclude &&
      c.running().every((n) => n.id === exclude || n.leader === l.id || !c.network.reachable(l.id, n.id))
    );
  });
  return c.leader()!;
}

void describe('RaftNode lease reads', () => {
  void it('serve reads on a healthy cluster with no ReadIndex round, on the leader and for followers', async () => {
    const c = await timerCluster();
    try {
      const leader = await timerLeader(c);
      await leader.propose(enc.encode('w1'));
      await waitFor('a lease', () => leader.status().metrics.leaseReads > 0 || tryLease(leader));
      const before = leader.status().metrics;
      for (let i = 0; i < 50; i++) await leader.readIndex();
      await Promise.all(Array.from({ length: 50 }, () => leader.readIndex()));
      const after = leader.status().metrics;
      assert.equal(after.readIndexRounds - before.readIndexRounds, 0, 'no ReadIndex round');
      assert.ok(
        after.leaseReads - before.leaseReads >= 100,
        `${after.leaseReads - before.leaseReads} lease reads`,
      );
      // A follower still asks the leader, which answers from its lease.
      const follower = c.running().find((n) => n.id !== leader.id)!;
      const fBefore = follower.status().metrics.readIndexRounds;
      await follower.readIndex();
      assert.ok(c.sm(follower.id).values.includes('w1'));
      assert.equal(follower.status().metrics.readIndexRounds, fBefore + 1);
      assert.equal(leader.status().metrics.readIndexRounds, before.readIndexRounds);
    } finally {
      await c.close();
    }
  });

  void it('resolve without waiting for the Ready loop when the commit index is already applied', async () => {
    const c = await timerCluster();
    try {
      const leader = await timerLeader(c);
      await leader.propose(enc.encode('w1'));
      await waitFor('a lease', () => tryLease(leader));
      await waitFor('applied = commit', () => leader.appliedIndex === leader.status().commit);
      const o = observe(leader.readIndex());
      await Promise.resolve();
      await Promise.resolve();
      assert.equal(o.state, 'resolved', 'resolved within microtasks, before any I/O turn');
    } finally {
      await c.close();
    }
  });

  void it('a leader isolated for longer than the lease does not resolve reads, while the new leader takes writes', async () => {
    const c = await timerCluster();
    try {
      const old = await timerLeader(c);
      await old.propose(enc.encode('before'));
      await waitFor('a lease', () => tryLease(old));
      c.network.isolate(old.id);
      await sleep(250); // > the 144 ms lease, and the old leader may well still think it leads
      const read = observe(old.readIndex());
      const next = await timerLeader(c, old.id);
      const index = await next.propose(enc.encode('after'));
      assert.ok(index > 0);
      await waitFor('the stale read settles', () => read.state !== 'pending', 5_000);
      assert.equal(read.state, 'rejected', 'no read from the isolated leader');
      assert.ok(read.error instanceof RaftNodeError, String(read.error));
      assert.ok(['leadership_lost', 'timeout', 'not_leader'].includes(read.error.code), read.error.code);
      assert.ok(!c.sm(old.id).values.includes('after'));
    } finally {
      await c.close();
    }
  });

  void it('an old leader whose clock passed its lease never returns a read missing the new leader’s write', async () => {
    const clock = { ms: 0 };
    const net = new MemoryNetwork({ seed: 3 });
    const nodes = new Map<NodeId, { node: RaftNode; sm: MemoryStateMachine }>();
    const peers = Object.fromEntries(IDS.map((id) => [id, `mem://${id}`]));
    for (const id of IDS) {
      const sm = new MemoryStateMachine();
      const node = new RaftNode({
        id,
        transport: net.transport(id),
        stateMachine: sm,
        logStore: new MemoryLogStore(),
        snapshotStore: new MemorySnapshotStore(),
        peers,
        tickMs: 0,
        electionTick: 10,
        heartbeatTick: 1,
        seed: id.charCodeAt(0) * 7919,
        readTimeoutMs: 2_000,
        now: () => clock.ms,
        leaseMs: 720, // 80 % of 9 ticks of a nominal 100 ms
      });
      nodes.set(id, { node, sm });
      await node.start();
    }
    const turns = async (n = 20): Promise<void> => {
      for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
    };
    /** One nominal 100 ms tick of every node not `stopped`. */
    const tick = async (stopped?: NodeId): Promise<void> => {
      clock.ms += 100;
      for (const [id, { node }] of nodes) if (id !== stopped) node.tick();
      await turns();
    };
    const leaderOf = (exclude?: NodeId): RaftNode | undefined => {
      let best: RaftNode | undefined;
      for (const [id, { node }] of nodes) {
        if (id === exclude || node.role !== Role.Leader) continue;
        if (best === undefined || node.status().term > best.status().term) best = node;
      }
      return best;
    };
    const drive = async <T>(p: Promise<T>, stopped?: NodeId): Promise<T> => {
      const o = observe(p);
      for (let i = 0; i < 200 && o.state === 'pending'; i++) await tick(stopped);
      return p;
    };
    try {
      for (let i = 0; i < 100 && leaderOf() === undefined; i++) await tick();
      const old = leaderOf()!;
      assert.ok(old !== undefined, 'a leader');
      await drive(old.propose(enc.encode('w0')));
      await tick();
      const rounds = old.status().metrics.readIndexRounds;
      await old.readIndex();
      assert.equal(old.status().metrics.readIndexRounds, rounds, 'served from the lease');

      // The old leader stops (no ticks, cut off); time runs on while the others elect a leader.
      net.isolate(old.id);
      let next: RaftNode | undefined;
      for (let i = 0; i < 100 && next === undefined; i++) {
        await tick(old.id);
        next = leaderOf(old.id);
      }
      assert.ok(next !== undefined, 'a new leader');
      await drive(next.propose(enc.encode('w1')), old.id);
      assert.equal(old.role, Role.Leader, 'the old leader still believes it leads');
      assert.ok(clock.ms > 720, 'its clock is past the lease');

      // It resumes (the network heals): a read must either fail or include w1.
      net.heal();
      const sm = nodes.get(old.id)!.sm;
      let seen: string[] | undefined; // what a read served at that moment would return
      const read = observe(old.readIndex().then(() => (seen = [...sm.values])));
      for (let i = 0; i < 30 && read.state === 'pending'; i++) await tick();
      if (read.state === 'resolved') assert.ok(seen?.includes('w1'), `stale read: ${String(seen)}`);
      else assert.equal(read.state, 'rejected');
      assert.notEqual(old.role, Role.Leader);
    } finally {
      for (const { node } of nodes.values()) await node.stop();
      net.close();
    }
  });

  void it('are off with manual ticks by default, and refuse unsafe options', async () => {
    const c = await TestCluster.start([...IDS]);
    try {
      const leader = await c.waitLeader();
      await c.drive(leader.propose(enc.encode('x')));
      await c.drive(leader.readIndex());
      const m = leader.status().metrics;
      assert.equal(m.leaseReads, 0);
      assert.equal(m.readIndexRounds, 1);
    } finally {
      await c.close();
    }
    const base = {
      id: 'z',
      transport: new MemoryNetwork().transport('z'),
      stateMachine: new MemoryStateMachine(),
      logStore: new MemoryLogStore(),
      snapshotStore: new MemorySnapshotStore(),
    };
    assert.throws(
      () => new RaftNode({ ...base, leaseReads: true, tuning: { checkQuorum: false } }),
      TypeError,
    );
    assert.throws(() => new RaftNode({ ...base, tickMs: 0, leaseReads: true }), TypeError);
    assert.throws(() => new RaftNode({ ...base, tickMs: 100, electionTick: 10, leaseMs: 901 }), TypeError);
    assert.ok(new RaftNode({ ...base, tickMs: 100, electionTick: 10, leaseMs: 900 }));
    assert.ok(new RaftNode({ ...base, tickMs: 100, tuning: { checkQuorum: false } }), 'leases just stay off');
  });
});

/** Whether `leader` serves a read from its lease right now (probes with one read). */
function tryLease(leader: RaftNode): boolean {
  const before = leader.status().metrics.leaseReads;
  void leader.readIndex().catch(() => undefined);
  return leader.status().metrics.leaseReads > before;
}
