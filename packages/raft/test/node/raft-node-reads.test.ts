import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RaftNodeError } from '../../src/node/raft-node-errors.js';
import { TestCluster } from './test-cluster.js';

const enc = new TextEncoder();

void describe('RaftNode readIndex', () => {
  void it('on the leader resolves once the confirmed index is applied', async () => {
    const c = await TestCluster.start(['a', 'b', 'c']);
    try {
      const leader = await c.waitLeader();
      await c.proposeMany(leader, 'r', 20);
      await c.drive(leader.readIndex());
      assert.equal(c.sm(leader.id).values.length, 20);
    } finally {
      await c.close();
    }
  });

  void it('on a follower sees every write acknowledged before the read started (linearizable)', async () => {
    const c = await TestCluster.start(['a', 'b', 'c']);
    try {
      const leader = await c.waitLeader();
      const follower = c.running().find((n) => n.id !== leader.id)!;
      // Hold the follower back so it has not applied the write when the read starts.
      c.network.block(leader.id, follower.id);
      await c.drive(leader.propose(enc.encode('w1')));
      assert.ok(!c.sm(follower.id).values.includes('w1'));
      const read = follower.readIndex();
      c.network.heal();
      await c.drive(read);
      assert.ok(c.sm(follower.id).values.includes('w1'));
    } finally {
      await c.close();
    }
  });

  void it('shares one confirmation round among concurrent reads', async () => {
    const c = await TestCluster.start(['a', 'b', 'c']);
    try {
      const leader = await c.waitLeader();
      await c.drive(leader.propose(enc.encode('x')));
      const sentBefore = leader.status().metrics.messagesSent;
      await c.drive(Promise.all(Array.from({ length: 200 }, () => leader.readIndex())));
      const sent = leader.status().metrics.messagesSent - sentBefore;
      assert.ok(sent < 40, `${sent} messages for 200 reads`);
    } finally {
      await c.close();
    }
  });

  void it('rejects with NotLeaderError when no leader is known', async () => {
    const c = await TestCluster.start(['a', 'b', 'c']);
    try {
      await assert.rejects(
        c.node('a').readIndex(),
        (err: unknown) => err instanceof RaftNodeError && err.code === 'not_leader',
      );
    } finally {
      await c.close();
    }
  });

  void it('times out when the leader cannot confirm', async () => {
    const c = await TestCluster.start(['a', 'b', 'c'], { tuning: { readTimeoutMs: 200 } });
    try {
      const leader = await c.waitLeader();
      const follower = c.running().find((n) => n.id !== leader.id)!;
      c.network.block(follower.id, leader.id);
      await assert.rejects(
        follower.readIndex(),
        (err: unknown) => err instanceof RaftNodeError && err.code === 'timeout',
      );
    } finally {
      await c.close();
    }
  });
});
