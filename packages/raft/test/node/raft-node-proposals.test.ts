import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Role } from '../../src/core/types.js';
import { NotLeaderError, RaftNodeError } from '../../src/node/raft-node-errors.js';
import { TestCluster } from './test-cluster.js';

const enc = new TextEncoder();

void describe('RaftNode proposals', () => {
  void it('elects one leader and reports role and leader changes as events', async () => {
    const c = new TestCluster(['a', 'b', 'c']);
    const events: string[] = [];
    try {
      for (const id of ['a', 'b', 'c']) {
        const n = await c.startNode(id);
        n.on('role', (role) => events.push(`${id}:role:${role}`));
        n.on('leader', (leader) => events.push(`${id}:leader:${leader}`));
      }
      const leader = await c.waitLeader();
      assert.equal(c.running().filter((n) => n.role === Role.Leader).length, 1);
      assert.ok(events.includes(`${leader.id}:role:leader`));
      for (const id of ['a', 'b', 'c'])
        assert.ok(events.includes(`${id}:leader:${leader.id}`), `${id} saw the leader`);
    } finally {
      await c.close();
    }
  });

  void it('resolves a proposal with its index once applied, on every node in the same order', async () => {
    const c = await TestCluster.start(['a', 'b', 'c']);
    try {
      const leader = await c.waitLeader();
      const indexes = await c.proposeMany(leader, 'v', 100);
      assert.deepEqual(
        indexes,
        [...indexes].sort((x, y) => x - y),
      );
      assert.equal(new Set(indexes).size, 100);
      const expected = Array.from({ length: 100 }, (_, i) => `v${i}`);
      assert.deepEqual(c.sm(leader.id).values, expected);
      assert.ok(leader.appliedIndex >= indexes[99]!);
      await c.until('followers applied', () => ['a', 'b', 'c'].every((id) => c.sm(id).values.length === 100));
      for (const id of ['a', 'b', 'c']) assert.deepEqual(c.sm(id).values, expected);
    } finally {
      await c.close();
    }
  });

  void it('group-commits concurrent proposals into few fsyncs', async () => {
    const c = await TestCluster.start(['a', 'b', 'c']);
    try {
      const leader = await c.waitLeader();
      const before = leader.status().metrics.fsyncs;
      await c.proposeMany(leader, 'g', 1000);
      const m = leader.status().metrics;
      assert.ok(m.fsyncs - before < 50, `${m.fsyncs - before} fsyncs for 1000 proposals`);
      assert.ok(m.maxBatchEntries >= 100, `largest batch ${m.maxBatchEntries}`);
    } finally {
      await c.close();
    }
  });

  void it('a follower rejects a proposal with NotLeaderError naming the leader and its address', async () => {
    const c = await TestCluster.start(['a', 'b', 'c']);
    try {
      const leader = await c.waitLeader();
      const follower = c.running().find((n) => n.id !== leader.id)!;
      await assert.rejects(follower.propose(enc.encode('x')), (err: unknown) => {
        assert.ok(err instanceof NotLeaderError);
        assert.equal(err.code, 'not_leader');
        assert.equal(err.leader, leader.id);
        assert.equal(err.leaderAddress, `mem://${leader.id}`);
        return true;
      });
    } finally {
      await c.close();
    }
  });

  void it('rejects empty proposals and proposals to a stopped node', async () => {
    const c = await TestCluster.start(['a']);
    try {
      const leader = await c.waitLeader();
      await assert.rejects(leader.propose(new Uint8Array(0)), TypeError);
      await leader.stop();
      await assert.rejects(
        leader.propose(enc.encode('x')),
        (err: unknown) => err instanceof RaftNodeError && err.code === 'stopped',
      );
    } finally {
      await c.close();
    }
  });

  void it('status reports term, commit, applied and per-peer progress and last contact on the leader', async () => {
    const c = await TestCluster.start(['a', 'b', 'c']);
    try {
      const leader = await c.waitLeader();
      const index = (await c.proposeMany(leader, 's', 10)).pop()!;
      await c.until('heartbeats exchanged', () =>
        leader.status().peers.every((p) => p.lastContactMs !== undefined),
      );
      const st = leader.status();
      assert.equal(st.role, Role.Leader);
      assert.equal(st.leader, leader.id);
      assert.ok(st.term >= 1);
      assert.ok(st.commit >= index && st.applied >= index);
      assert.deepEqual([...st.config.voters].sort(), ['a', 'b', 'c']);
      assert.equal(st.peers.length, 3);
      for (const p of st.peers) {
        assert.ok(p.progress !== undefined, `progress for ${p.id}`);
        assert.ok(p.progress.match >= index, `${p.id} matched ${p.progress.match}`);
        assert.equal(p.voter, true);
      }
      const follower = c
        .running()
        .find((n) => n.id !== leader.id)!
        .status();
      assert.equal(follower.leader, leader.id);
      assert.ok(follower.peers.every((p) => p.progress === undefined));
    } finally {
      await c.close();
    }
  });
});
