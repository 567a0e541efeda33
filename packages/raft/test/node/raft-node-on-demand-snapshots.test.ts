import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RaftNode } from '../../src/node/raft-node.js';
import { LogCorruptionError } from '../../src/storage/log-corruption-error.js';
import { TestCluster } from './test-cluster.js';

const tuning = { snapshotThreshold: 50, trailingLogs: 10 };
const ids = ['a', 'b', 'c'];

/** Snapshots whose bytes a member's snapshot store holds. */
async function heldSnapshots(c: TestCluster, id: string): Promise<number> {
  return (await c.members.get(id)!.snapshotStore.open()).length;
}

/**
 * Isolates a follower, writes 240 values and waits until the leader compacted past it (the
 * follower then needs a snapshot). `beforeWrites` runs once the lagger is cut off.
 */
async function outrunFollower(
  c: TestCluster,
  beforeWrites: (leaderId: string) => void = () => {},
): Promise<{ leader: RaftNode; lagger: string }> {
  const leader = await c.waitLeader();
  const lagger = ids.find((id) => id !== leader.id)!;
  c.network.isolate(lagger);
  beforeWrites(leader.id);
  for (let round = 0; round < 6; round++) await c.proposeMany(leader, `s${round}-`, 40);
  await c.until('leader compacted', () => leader.status().firstIndex > c.node(lagger).appliedIndex + 1);
  return { leader, lagger };
}

void describe('RaftNode with on-demand snapshots (the state machine is the snapshot)', () => {
  void it('compacts the log after a sync, capturing and writing no snapshot', async () => {
    const c = await TestCluster.start(ids, { tuning, onDemand: true });
    try {
      const leader = await c.waitLeader();
      for (let round = 0; round < 6; round++) await c.proposeMany(leader, `r${round}-`, 40);
      await c.until('every node compacted', () =>
        ids.every((id) => c.node(id).status().metrics.snapshotsTaken >= 2),
      );
      for (const id of ids) {
        const st = c.node(id).status();
        assert.ok(st.firstIndex > 1, `${id}: first index ${st.firstIndex}`);
        assert.ok(st.firstIndex <= st.snapshotIndex - tuning.trailingLogs + 1, `${id}: trailing logs kept`);
        // What the log dropped was durable in the state machine first.
        assert.ok(
          c.sm(id).synced >= st.snapshotIndex,
          `${id}: synced ${c.sm(id).synced}, ${st.snapshotIndex}`,
        );
        assert.deepEqual(c.sm(id).snapshotsCaptured, [], `${id} captured a snapshot nobody needed`);
        assert.equal(await heldSnapshots(c, id), 0, `${id} wrote snapshot bytes`);
      }
    } finally {
      await c.close();
    }
  });

  void it('a follower behind the compacted log installs a snapshot captured when it was needed', async () => {
    const c = await TestCluster.start(ids, { tuning, onDemand: true });
    try {
      const { leader, lagger } = await outrunFollower(c);
      const point = leader.status().snapshotIndex;
      c.network.heal();
      await c.until('lagger caught up', () => c.sm(lagger).values.length === 240);
      assert.equal(c.node(lagger).status().metrics.snapshotsInstalled, 1);
      const captured = c.sm(leader.id).snapshotsCaptured;
      assert.equal(captured.length, 1, `captures: ${captured.join(', ')}`);
      // Captured at the applied index of that moment: at or past the compaction point.
      assert.ok(captured[0]! >= point, `captured at ${captured[0]}, compaction point ${point}`);
      assert.equal(c.node(lagger).status().snapshotIndex, captured[0]);
      assert.deepEqual(c.sm(lagger).values, c.sm(leader.id).values);
      // Replication goes on after the install.
      await c.proposeMany(leader, 'after-', 5);
      await c.until('lagger applied later writes', () => c.sm(lagger).values.length === 245);
    } finally {
      await c.close();
    }
  });

  void it('a new member joins from a captured snapshot with the membership as of its index', async () => {
    const c = await TestCluster.start(ids, { tuning, onDemand: true });
    try {
      const leader = await c.waitLeader();
      for (let round = 0; round < 4; round++) await c.proposeMany(leader, `j${round}-`, 40);
      await c.until('leader compacted', () => leader.status().firstIndex > 1);
      await c.startNode('d', { join: true, onDemand: true });
      await c.drive(leader.addVoter('d', 'mem://d'));
      await c.until('d caught up', () => c.sm('d').values.length === 160);
      assert.equal(c.node('d').status().metrics.snapshotsInstalled, 1);
      assert.deepEqual(c.sm('d').values, c.sm(leader.id).values);
      await c.proposeMany(leader, 'with-d-', 5);
      await c.until('d applies as a member', () => c.sm('d').values.length === 165);
    } finally {
      await c.close();
    }
  });

  void it('defers captures, not compaction, while the state machine does not allow snapshots', async () => {
    const c = await TestCluster.start(ids, { tuning, onDemand: true });
    try {
      const { leader, lagger } = await outrunFollower(c, (id) => (c.sm(id).allowSnapshots = false));
      c.network.heal();
      for (let i = 0; i < 60; i++) {
        for (const n of c.running()) n.tick();
        await c.settle();
      }
      assert.deepEqual(c.sm(leader.id).snapshotsCaptured, [], 'captured while not allowed');
      assert.equal(c.node(lagger).status().metrics.snapshotsInstalled, 0);
      c.sm(leader.id).allowSnapshots = true;
      await c.until('lagger caught up', () => c.sm(lagger).values.length === 240);
      assert.equal(c.sm(leader.id).snapshotsCaptured.length, 1);
      assert.deepEqual(c.sm(lagger).values, c.sm(leader.id).values);
    } finally {
      await c.close();
    }
  });

  void it('keeps at most trailingLogBytes of entries behind a compaction', async () => {
    // Without the byte cap, 1000 trailing entries would keep the whole log here.
    const c = await TestCluster.start(ids, {
      tuning: { snapshotThreshold: 50, trailingLogs: 1000, trailingLogBytes: 100 },
      onDemand: true,
    });
    try {
      const leader = await c.waitLeader();
      for (let round = 0; round < 6; round++) await c.proposeMany(leader, `b${round}-`, 40);
      await c.until('leader compacted', () => leader.status().metrics.snapshotsTaken >= 2);
      const st = leader.status();
      // Values are 4–5 bytes ("b0-1"): 100 bytes is about 20–25 entries.
      const kept = st.snapshotIndex - st.firstIndex + 1;
      assert.ok(kept >= 15 && kept <= 30, `kept ${kept} entries behind snapshot ${st.snapshotIndex}`);
    } finally {
      await c.close();
    }
  });

  void it('restarts past a compaction whose snapshot has no bytes, and refuses a state machine behind it', async () => {
    const c = await TestCluster.start(ids, { tuning, onDemand: true });
    try {
      const leader = await c.waitLeader();
      const follower = ids.find((id) => id !== leader.id)!;
      for (let round = 0; round < 4; round++) await c.proposeMany(leader, `t${round}-`, 40);
      await c.until('follower compacted', () => c.node(follower).status().snapshotIndex > 0);
      await c.stopNode(follower);
      await c.startNode(follower);
      await c.proposeMany(leader, 'after-restart-', 5);
      await c.until('restarted follower applies', () => c.sm(follower).values.length === 165);
      assert.deepEqual(c.sm(follower).values, c.sm(leader.id).values);

      // A state machine that lost what it had synced cannot be rebuilt from this log alone.
      await c.stopNode(follower);
      const sm = c.sm(follower);
      sm.applied = 0;
      sm.values = [];
      await assert.rejects(c.startNode(follower), LogCorruptionError);
    } finally {
      await c.close();
    }
  });
});
