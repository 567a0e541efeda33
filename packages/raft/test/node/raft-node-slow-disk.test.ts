import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Role } from '../../src/core/types.js';
import type { LogWrite } from '../../src/storage/log-store.js';
import { TestCluster } from './test-cluster.js';

const ids = ['a', 'b', 'c'];

/** Holds every log write of `id` until the returned function is called. */
function stallLogWrites(c: TestCluster, id: string): () => void {
  const store = c.members.get(id)!.logStore;
  const write = store.write.bind(store);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  store.write = async (w: LogWrite): Promise<void> => {
    await gate;
    await write(w);
  };
  return release;
}

/** Ticks every running node `rounds` times, letting I/O settle after each round. */
async function tickRounds(c: TestCluster, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    for (const n of c.running()) n.tick();
    await c.settle();
  }
}

void describe('RaftNode on a slow disk', () => {
  void it('a leader whose fsync stalls for several election timeouts keeps its leadership', async () => {
    // Check-quorum is on (the default): the leader also needs its followers' answers.
    const c = await TestCluster.start(ids);
    try {
      const leader = await c.waitLeader();
      const term = leader.status().term;
      const release = stallLogWrites(c, leader.id);
      const pending = leader.propose(new TextEncoder().encode('during the stall'));
      // 5 election timeouts (electionTick 10) with the leader's loop waiting on its log write.
      await tickRounds(c, 50);
      for (const id of ids) {
        const st = c.node(id).status();
        assert.equal(st.term, term, `${id} moved to term ${st.term}`);
        assert.equal(st.leader, leader.id, `${id} follows ${st.leader}`);
      }
      assert.equal(leader.role, Role.Leader);
      release();
      const index = await c.drive(pending);
      await c.until('applied everywhere', () => ids.every((id) => c.node(id).appliedIndex >= index));
    } finally {
      await c.close();
    }
  });

  void it('followers whose fsyncs stall keep answering heartbeats, so the leader keeps its quorum', async () => {
    const c = await TestCluster.start(ids);
    try {
      const leader = await c.waitLeader();
      const term = leader.status().term;
      const releases = ids.filter((id) => id !== leader.id).map((id) => stallLogWrites(c, id));
      const pending = leader.propose(new TextEncoder().encode('followers stall'));
      await tickRounds(c, 50);
      assert.equal(leader.role, Role.Leader, 'the leader stepped down');
      for (const id of ids) assert.equal(c.node(id).status().term, term, `${id} changed term`);
      for (const r of releases) r();
      await c.drive(pending);
    } finally {
      await c.close();
    }
  });
});
