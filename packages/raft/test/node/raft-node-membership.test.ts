import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Role } from '../../src/core/types.js';
import { RaftNodeError } from '../../src/node/raft-node-errors.js';
import { TestCluster } from './test-cluster.js';

const enc = new TextEncoder();

void describe('RaftNode membership', () => {
  void it('adds a learner that receives the log, promotes it, then removes a voter', async () => {
    const c = await TestCluster.start(['a', 'b', 'c']);
    try {
      let leader = await c.waitLeader();
      await c.proposeMany(leader, 'm', 20);
      const d = await c.startNode('d', { join: true });
      await c.drive(leader.addLearner('d', 'mem://d'));
      assert.deepEqual(leader.status().config.learners, ['d']);
      await c.until('learner catches up', () => c.sm('d').values.length === 20);
      assert.equal(d.role, Role.Follower);

      await c.drive(leader.promote('d'));
      assert.deepEqual([...leader.status().config.voters].sort(), ['a', 'b', 'c', 'd']);
      assert.deepEqual(leader.status().config.learners, []);

      const victim = ['a', 'b', 'c'].find((id) => id !== leader.id)!;
      await c.drive(leader.removeNode(victim));
      assert.deepEqual(
        [...leader.status().config.voters].sort(),
        ['a', 'b', 'c', 'd'].filter((id) => id !== victim),
      );
      await c.stopNode(victim);

      // The remaining three still form a quorum with the new member.
      await c.drive(leader.propose(enc.encode('after-change')));
      await c.until('d applies', () => c.sm('d').values.includes('after-change'));

      // d, a voter now, can lead.
      await c.drive(leader.transferLeadership('d'));
      leader = c.node('d');
      await c.drive(leader.propose(enc.encode('d-leads')));
    } finally {
      await c.close();
    }
  });

  void it('refuses a second change while one is pending, and no-op changes', async () => {
    const c = await TestCluster.start(['a', 'b', 'c']);
    try {
      const leader = await c.waitLeader();
      await c.drive(leader.propose(enc.encode('x')));
      await c.startNode('d', { join: true });
      const first = leader.addLearner('d', 'mem://d');
      await assert.rejects(
        leader.addLearner('e', 'mem://e'),
        (err: unknown) => err instanceof RaftNodeError && err.code === 'conf_change_pending',
      );
      await c.drive(first);
      await assert.rejects(
        leader.addLearner('d', 'mem://d'),
        (err: unknown) => err instanceof RaftNodeError && err.code === 'invalid_conf_change',
      );
    } finally {
      await c.close();
    }
  });

  void it('a leader that removes itself steps down and the others elect a new leader', async () => {
    const c = await TestCluster.start(['a', 'b', 'c']);
    try {
      const leader = await c.waitLeader();
      await c.drive(leader.removeNode(leader.id));
      const fresh = await c.waitLeader(leader.id);
      assert.notEqual(fresh.id, leader.id);
      assert.deepEqual(
        [...fresh.status().config.voters].sort(),
        ['a', 'b', 'c'].filter((id) => id !== leader.id),
      );
      await c.drive(fresh.propose(enc.encode('without-old-leader')));
    } finally {
      await c.close();
    }
  });
});
