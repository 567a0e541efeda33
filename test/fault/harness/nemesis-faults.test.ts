/**
 * The nemesis's heavier faults on one proxied cluster with small snapshots (threshold 50,
 * trailing logs 10): kill-all, membership churn (the leader removed; a wiped node under its old
 * id refused), a forced snapshot install, failpoints that kill the process at their point, and
 * the SIGTERM-while-a-peer-is-paused regression. Each fault must leave a healthy cluster in
 * which an earlier acknowledged write is still readable.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FaultCluster, type FaultNode } from './fault-cluster.js';
import { Nemesis } from './nemesis.js';

let cluster: FaultCluster;
let nemesis: Nemesis;
const lines: string[] = [];
let seq = 0;

before(async () => {
  cluster = await FaultCluster.create({ logLevel: 'warn', snapshotThreshold: 50, trailingLogs: 10 });
  await cluster.form();
  nemesis = new Nemesis(cluster, {
    seed: 1,
    faults: 0,
    deadline: Date.now(),
    holdMs: [500, 1_000],
    gapMs: [0, 0],
    log: (l) => lines.push(l),
  });
});

after(async () => {
  await cluster.destroy();
});

const context = (): string => `nemesis log:\n${lines.join('\n')}`;

/** Writes a fresh value through the active node; returns [key, value]. */
async function write(): Promise<[string, number]> {
  const key = `t${++seq}`;
  const a = await cluster.active();
  const r = await a.request('POST', `secret/data/${key}`, {
    token: cluster.rootToken,
    body: { data: { v: seq } },
  });
  assert.equal(r.status, 200, r.text);
  return [key, seq];
}

/** The value is readable through every node (forwarded by standbys). */
async function assertReadable([key, v]: [string, number]): Promise<void> {
  for (const n of cluster.nodes) {
    const r = await n.request('GET', `secret/data/${key}`, { token: cluster.rootToken });
    assert.equal(r.status, 200, `${n.id}: ${r.text}\n${context()}`);
    assert.equal((r.body?.['data'] as { data: { v: number } }).data.v, v);
  }
}

async function voters(): Promise<string[]> {
  return (await cluster.configuration())
    .filter((s) => s.voter)
    .map((s) => s.node_id)
    .sort();
}

void describe('Nemesis faults', () => {
  void it('kill-all: every node SIGKILLed at once comes back with its data', async () => {
    const w = await write();
    await nemesis.inject('kill-all', 500, 0);
    await assertReadable(w);
    assert.equal((await voters()).length, 3);
  });

  void it('membership: removes the leader, brings it back wiped under a new id as a voter', async () => {
    const w = await write();
    const leader = await cluster.active();
    const oldId = leader.raftId;
    await nemesis.inject('membership', 0, 0);
    assert.notEqual(leader.raftId, oldId, context());
    const v = await voters();
    assert.equal(v.length, 3, context());
    assert.ok(v.includes(leader.raftId) && !v.includes(oldId), `${v.join(',')}\n${context()}`);
    assert.equal(nemesis.membershipChanges, 2);
    await assertReadable(w);
  });

  void it('membership (I7): a wiped node under its old, still-member id is refused', async () => {
    const w = await write();
    await nemesis.inject('membership', 0, 1);
    assert.equal(nemesis.staleIdRefusals, 1, context());
    assert.deepEqual(nemesis.anomalies, []);
    assert.equal((await voters()).length, 3);
    await assertReadable(w);
  });

  void it('snapshot-install: a follower cut off past compaction installs a snapshot', async () => {
    const w = await write();
    await nemesis.inject('snapshot-install', 0, 0);
    assert.equal(nemesis.snapshotInstalls, 1, context());
    await assertReadable(w);
  });

  void it('a failpoint kills the process at its n-th hit (raft-after-apply:5)', async () => {
    const leader = await cluster.active();
    const target = cluster.nodes.find((n) => n !== leader) as FaultNode;
    const up = await cluster.restartWithEnv(target, { COFFER_FAILPOINT: 'raft-after-apply:5' });
    // Some entries may be applied while it catches up; either way it must die at hit 5 under writes.
    void up;
    await cluster.fill(200, { timeoutMs: 30_000, until: () => !target.alive });
    const deadline = Date.now() + 30_000;
    while (target.alive && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(target.alive, false, 'the armed node is still running');
    assert.equal(target.server.child.signalCode, 'SIGKILL');
    assert.match(target.logs(), /coffer failpoint raft-after-apply fired at hit 5: SIGKILL/);
    await cluster.restart(target);
    assert.equal((await voters()).length, 3);
  });

  void it('the failpoint fault records whether its point fired', async () => {
    const n = new Nemesis(cluster, {
      seed: 2,
      faults: 0,
      deadline: Date.now(),
      holdMs: [0, 0],
      gapMs: [0, 0],
      log: (l) => lines.push(l),
      failpoints: ['raft-before-log-sync'],
    });
    await n.inject('failpoint', 0, 0);
    assert.equal(n.failpointOutcomes.length, 1);
    assert.equal(n.failpointOutcomes[0]?.fired, true, context());
    assert.ok(lines.some((l) => /raft-before-log-sync:\d on n\d fired/.test(l)));
    assert.equal((await voters()).length, 3);
  });

  void it('SIGTERM ends the active node promptly (exit 0) while a peer is paused', async () => {
    const leader = await cluster.active();
    const peer = cluster.nodes.find((n) => n !== leader) as FaultNode;
    peer.pause();
    try {
      const t0 = Date.now();
      leader.server.child.kill('SIGTERM');
      const code = await Promise.race([
        leader.server.exited,
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000)),
      ]);
      assert.equal(
        code,
        0,
        `exit ${String(code)} after ${Date.now() - t0} ms\n${leader.logs().slice(-3000)}`,
      );
    } finally {
      peer.resume();
    }
    await cluster.restart(leader);
    await cluster.active();
  });
});
