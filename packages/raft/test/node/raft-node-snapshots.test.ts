import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TestCluster } from './test-cluster.js';

const tuning = { snapshotThreshold: 50, trailingLogs: 10 };

void describe('RaftNode snapshots and compaction', () => {
  void it('takes snapshots past the threshold and compacts the log, keeping trailing logs', async () => {
    const c = await TestCluster.start(['a', 'b', 'c'], { tuning });
    try {
      const leader = await c.waitLeader();
      for (let round = 0; round < 6; round++) await c.proposeMany(leader, `r${round}-`, 40);
      await c.until(
        'snapshot recorded',
        () => leader.status().snapshotIndex > 0 && leader.status().metrics.snapshotsTaken > 0,
      );
      const st = leader.status();
      assert.ok(
        st.applied - st.snapshotIndex <= tuning.snapshotThreshold + 40 + 5,
        `applied ${st.applied}, snapshot ${st.snapshotIndex}`,
      );
      assert.ok(st.firstIndex > 1, `first index ${st.firstIndex}`);
      assert.ok(st.firstIndex <= st.snapshotIndex - tuning.trailingLogs + 1, 'trailing logs kept');
      // The state machine applies without fsync: before the log dropped entries, it was synced
      // at least up to the snapshot, so the dropped entries were never the only durable copy.
      assert.ok(
        c.sm(leader.id).synced >= st.snapshotIndex,
        `synced ${c.sm(leader.id).synced}, snapshot ${st.snapshotIndex}`,
      );
    } finally {
      await c.close();
    }
  });

  void it('spaces snapshots by the log bytes since the last one, relative to its size', async () => {
    // The memory state machine's snapshot holds every value so far: each snapshot is larger than
    // the last, so with snapshotLogRatio 1 the gaps between snapshots grow instead of staying at
    // the entry threshold (the quadratic rewrite cost a fixed threshold has as data grows).
    const taken = async (snapshotLogRatio: number, snapshotMaxLogBytes?: number): Promise<number> => {
      const c = await TestCluster.start(['a', 'b', 'c'], {
        tuning: {
          snapshotThreshold: 20,
          trailingLogs: 5,
          snapshotLogRatio,
          snapshotRatioFloorBytes: 0,
          ...(snapshotMaxLogBytes === undefined ? {} : { snapshotMaxLogBytes }),
        },
      });
      try {
        const leader = await c.waitLeader();
        for (let round = 0; round < 16; round++) await c.proposeMany(leader, `p${round}-`, 25);
        await c.until('applied', () => leader.status().applied >= 400);
        await c.until('snapshots persisted', () => leader.status().metrics.snapshotsTaken >= 3);
        return leader.status().metrics.snapshotsTaken;
      } finally {
        await c.close();
      }
    };
    const fixed = await taken(0);
    const spaced = await taken(1);
    // The cap on the bytes waited for (the log held in memory) brings back the entry threshold.
    const capped = await taken(1, 64);
    assert.ok(fixed >= 10, `threshold alone: ${fixed} snapshots`);
    assert.ok(spaced <= 6, `ratio 1: ${spaced} snapshots (threshold alone took ${fixed})`);
    assert.ok(capped >= 10, `ratio 1 capped at 64 bytes: ${capped} snapshots`);
  });

  void it('a follower that fell behind the compacted log catches up through InstallSnapshot', async () => {
    const c = await TestCluster.start(['a', 'b', 'c'], { tuning });
    try {
      const leader = await c.waitLeader();
      const lagger = ['a', 'b', 'c'].find((id) => id !== leader.id)!;
      c.network.isolate(lagger);
      for (let round = 0; round < 6; round++) await c.proposeMany(leader, `s${round}-`, 40);
      await c.until('leader compacted', () => leader.status().firstIndex > c.node(lagger).appliedIndex + 1);
      c.network.heal();
      await c.until('lagger caught up', () => c.sm(lagger).values.length === 240);
      assert.equal(c.node(lagger).status().metrics.snapshotsInstalled, 1);
      assert.ok(leader.status().metrics.snapshotsSent >= 1);
      assert.deepEqual(c.sm(lagger).values, c.sm(leader.id).values);
    } finally {
      await c.close();
    }
  });

  void it('a new member joins from a snapshot', async () => {
    const c = await TestCluster.start(['a', 'b', 'c'], { tuning });
    try {
      const leader = await c.waitLeader();
      for (let round = 0; round < 4; round++) await c.proposeMany(leader, `j${round}-`, 40);
      await c.until('leader compacted', () => leader.status().firstIndex > 1);
      await c.startNode('d', { join: true });
      await c.drive(leader.addVoter('d', 'mem://d'));
      await c.until('d caught up', () => c.sm('d').values.length === 160);
      assert.equal(c.node('d').status().metrics.snapshotsInstalled, 1);
      assert.deepEqual(c.sm('d').values, c.sm(leader.id).values);
    } finally {
      await c.close();
    }
  });

  void it('defers compaction while the state machine says a snapshot is not allowed', async () => {
    const c = await TestCluster.start(['a', 'b', 'c'], { tuning });
    try {
      const leader = await c.waitLeader();
      for (const id of ['a', 'b', 'c']) c.sm(id).allowSnapshots = false;
      for (let round = 0; round < 4; round++) await c.proposeMany(leader, `d${round}-`, 40);
      await c.until('all applied', () => ['a', 'b', 'c'].every((id) => c.sm(id).values.length === 160));
      for (const id of ['a', 'b', 'c']) {
        assert.equal(
          c.node(id).status().metrics.snapshotsTaken,
          0,
          `${id} took a snapshot while not allowed`,
        );
        assert.equal(c.node(id).status().firstIndex, 1, `${id} compacted its log`);
      }
      for (const id of ['a', 'b', 'c']) c.sm(id).allowSnapshots = true;
      await c.proposeMany(leader, 'after-', 5);
      await c.until('snapshot once allowed', () => leader.status().metrics.snapshotsTaken > 0);
    } finally {
      await c.close();
    }
  });
});
