// Scenarios: followers behind the compacted log catch up by snapshot, including crashes mid-install.
import assert from 'node:assert/strict';
import test from 'node:test';
import { MessageType, Role } from '../../src/core/index.js';
import type { Message } from '../../src/core/index.js';
import { SimCluster } from '../sim/sim-cluster.js';

/** a leads; c is cut off while 20 writes commit; a and b then compact their logs past c. */
function behindCompactedLog(seed: number): SimCluster {
  const c = new SimCluster(['a', 'b', 'c'], seed);
  c.elect('a');
  c.stabilize();
  c.network.isolate('c');
  for (let i = 0; i < 20; i++) c.propose('a');
  c.stabilize();
  assert.ok(c.node('a').compact(0));
  assert.ok(c.node('b').compact(0));
  assert.ok(
    c.node('a').storage.firstIndex() > c.node('c').storage.lastIndex() + 1,
    'c is behind the compacted log',
  );
  return c;
}

function converged(c: SimCluster): void {
  const a = c.node('a').fsm;
  for (const id of ['b', 'c']) {
    assert.equal(c.node(id).fsm.applied, a.applied, `${id} applied`);
    assert.equal(c.node(id).fsm.hash, a.hash, `${id} state`);
  }
}

void test('a follower behind the compacted log catches up by snapshot, then by appends', () => {
  const c = behindCompactedLog(21);
  c.network.heal();
  c.tickAndStabilize(5);
  assert.equal(c.checker.snapshotsInstalled, 1);
  assert.equal(c.node('c').storage.snapshot().metadata.index, c.node('a').storage.snapshot().metadata.index);
  c.propose('a');
  c.stabilize();
  converged(c);
});

/** Heals c's partition and runs the cluster until the leader's Snap for c is in hand (not delivered). */
function interceptSnapshot(c: SimCluster): Message {
  c.network.heal();
  let snap: Message | undefined;
  for (let i = 0; i < 10 && snap === undefined; i++) {
    c.tick();
    c.stabilize(1000, (m) => {
      if (m.type !== MessageType.Snap || m.to !== 'c' || snap !== undefined) return true;
      snap = m;
      return false;
    });
  }
  assert.ok(snap !== undefined, 'the leader sent c a snapshot');
  return snap;
}

void test('crash after persisting a snapshot but before installing it: it is installed again on restart', () => {
  const c = behindCompactedLog(22);
  const snap = interceptSnapshot(c);
  c.deliver(snap);
  const node = c.node('c');
  c.advancePhase('c'); // Ready with the snapshot
  assert.equal(node.pending?.rd.snapshot?.metadata.index, snap.snapshot?.metadata.index);
  c.advancePhase('c'); // persist: the snapshot is on disk, the state machine not restored
  assert.equal(node.pending?.phase, 'send');
  const snapIndex = node.storage.snapshot().metadata.index;
  assert.ok(node.fsm.applied < snapIndex);
  c.crash('c');
  c.restart('c');
  assert.equal(node.raw?.hasReady(), true);
  c.advancePhase('c');
  assert.equal(
    node.pending?.rd.snapshot?.metadata.index,
    snapIndex,
    'the stored snapshot is handed out again',
  );
  c.stabilize();
  c.tickAndStabilize(5);
  converged(c);
});

void test('crash right after receiving a snapshot (nothing persisted): the leader sends it again', () => {
  const c = behindCompactedLog(23);
  c.deliver(interceptSnapshot(c));
  c.crash('c');
  assert.equal(c.node('c').storage.snapshot().metadata.index, 0);
  c.restart('c');
  c.tickAndStabilize(10);
  converged(c);
  assert.ok(c.checker.snapshotsInstalled >= 1);
});

void test('a snapshot lost in transit is reported failed and retried', () => {
  const c = behindCompactedLog(24);
  c.network.heal();
  let dropped = 0;
  c.tick();
  c.stabilize(1000, (m) => {
    if (m.type === MessageType.Snap && dropped === 0) {
      dropped++;
      return false;
    }
    return true;
  });
  assert.equal(dropped, 1);
  const pr = c.node('a').raw?.status().progress.get('c');
  assert.notEqual(pr?.state, 'snapshot', 'the failure report moved c back to probing');
  c.tickAndStabilize(5);
  converged(c);
  assert.equal(c.node('a').raw?.basicStatus().role, Role.Leader);
});

void test('a new member joins through a snapshot when the log is already compacted', () => {
  const c = new SimCluster(['a', 'b', 'c'], 25);
  c.elect('a');
  for (let i = 0; i < 10; i++) c.propose('a');
  c.stabilize();
  for (const id of ['a', 'b', 'c']) c.node(id).compact(0);
  const r = c.proposeConfChange('a', { type: 1, nodeId: 'd', context: new Uint8Array() });
  assert.ok(typeof r !== 'string');
  c.addJoiner('d');
  c.stabilize();
  c.tickAndStabilize(5);
  assert.equal(c.node('d').fsm.applied, c.node('a').fsm.applied);
  assert.equal(c.node('d').fsm.hash, c.node('a').fsm.hash);
  assert.deepEqual(c.node('d').raw?.status().config.learners, ['d']);
});
