import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Role } from '../../src/core/types.js';
import { RaftNodeError } from '../../src/node/raft-node-errors.js';
import { TestCluster } from './test-cluster.js';

const enc = new TextEncoder();

void describe('RaftNode leadership', () => {
  void it('rejects proposals pending when leadership is lost (never hangs), and the cluster moves on', async () => {
    const c = await TestCluster.start(['a', 'b', 'c']);
    try {
      const old = await c.waitLeader();
      c.network.isolate(old.id);
      const pending = [old.propose(enc.encode('lost-1')), old.propose(enc.encode('lost-2'))];
      const outcomes = pending.map((p) =>
        p.then(
          () => 'resolved',
          (err: unknown) => (err instanceof RaftNodeError ? err.code : 'other'),
        ),
      );
      // check-quorum makes the isolated leader step down; the majority elects a new one.
      await c.until('old leader steps down', () => old.role !== Role.Leader);
      const codes = await Promise.all(outcomes);
      for (const code of codes) assert.ok(code === 'leadership_lost' || code === 'proposal_dropped', code);
      const fresh = await c.waitLeader(old.id);
      assert.notEqual(fresh.id, old.id);
      await c.drive(fresh.propose(enc.encode('after')));
      c.network.heal();
      await c.until(
        'old leader follows and catches up',
        () => old.leader === fresh.id && c.sm(old.id).values.includes('after'),
      );
      const values = c.sm(fresh.id).values;
      await c.until('logs converge', () =>
        ['a', 'b', 'c'].every((id) => c.sm(id).values.join() === values.join()),
      );
      assert.ok(!values.includes('lost-1') && !values.includes('lost-2'));
    } finally {
      await c.close();
    }
  });

  void it('transfers leadership to a chosen voter', async () => {
    const c = await TestCluster.start(['a', 'b', 'c']);
    try {
      const leader = await c.waitLeader();
      await c.proposeMany(leader, 't', 5);
      const target = ['a', 'b', 'c'].find((id) => id !== leader.id)!;
      await c.drive(leader.transferLeadership(target));
      await c.until('target leads', () => c.node(target).role === Role.Leader);
      assert.equal(leader.role, Role.Follower);
      assert.equal(leader.leader, target);
    } finally {
      await c.close();
    }
  });

  void it('transfers leadership to the most up-to-date voter when none is named', async () => {
    const c = await TestCluster.start(['a', 'b', 'c']);
    try {
      const leader = await c.waitLeader();
      await c.drive(leader.transferLeadership());
      await c.until('someone else leads', () => c.leader() !== undefined && c.leader()!.id !== leader.id);
    } finally {
      await c.close();
    }
  });

  void it('refuses a transfer from a follower with NotLeaderError', async () => {
    const c = await TestCluster.start(['a', 'b', 'c']);
    try {
      const leader = await c.waitLeader();
      const follower = c.running().find((n) => n.id !== leader.id)!;
      await assert.rejects(
        follower.transferLeadership(),
        (err: unknown) => err instanceof RaftNodeError && err.code === 'not_leader',
      );
    } finally {
      await c.close();
    }
  });
});
