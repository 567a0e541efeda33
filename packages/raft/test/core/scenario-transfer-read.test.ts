// Scenarios: leadership transfer under load, and ReadIndex linearizability.
import assert from 'node:assert/strict';
import test from 'node:test';
import { MessageType, Role } from '../../src/core/index.js';
import type { BasicStatus, Message } from '../../src/core/index.js';
import { SimCluster } from '../sim/sim-cluster.js';

function st(c: SimCluster, id: string): BasicStatus {
  const raw = c.node(id).raw;
  assert.ok(raw !== undefined, `${id} is down`);
  return raw.basicStatus();
}

void test('leadership transfer under load: the transferee is caught up, wins at once, and no write is lost', () => {
  const c = new SimCluster(['a', 'b', 'c'], 41, { maxSizePerMsg: 64, maxInflightMsgs: 2 });
  c.elect('a');
  c.stabilize();
  // b falls behind while a keeps taking writes.
  c.network.isolate('b');
  for (let i = 0; i < 30; i++) c.propose('a', 20);
  c.stabilize();
  c.network.heal();
  const term = st(c, 'a').term;
  c.node('a').raw?.transferLeader('b');
  assert.equal(st(c, 'a').leadTransferee, 'b');
  assert.equal(c.propose('a'), 'LEADER_TRANSFERRING', 'proposals wait while leadership moves');
  c.stabilize();
  for (let i = 0; i < 5 && c.leader() !== 'b'; i++) c.tickAndStabilize(1); // heartbeats resume b's catch-up
  assert.equal(c.leader(), 'b');
  assert.equal(st(c, 'b').term, term + 1, 'TimeoutNow: one election, past the leader leases');
  for (let i = 0; i < 10; i++) c.propose('b', 20);
  c.stabilize();
  assert.equal(c.checker.acked.size, 40);
  for (const id of ['a', 'c']) assert.equal(c.node(id).fsm.applied, c.node('b').fsm.applied);
});

void test('a transfer to an unreachable node is abandoned after an election timeout', () => {
  const c = new SimCluster(['a', 'b', 'c'], 42);
  c.elect('a');
  c.stabilize();
  c.crash('b');
  c.propose('a');
  c.node('a').raw?.transferLeader('b');
  assert.equal(c.propose('a'), 'LEADER_TRANSFERRING');
  c.tickAndStabilize(10);
  assert.equal(st(c, 'a').leadTransferee, '');
  assert.equal(st(c, 'a').role, Role.Leader);
  assert.equal(typeof c.propose('a'), 'object');
});

void test('ReadIndex: a deposed leader cannot serve a read, even one that still believes it leads', () => {
  // Without check-quorum the old leader never notices on its own that it was deposed.
  const c = new SimCluster(['a', 'b', 'c'], 43, { checkQuorum: false });
  c.elect('a');
  c.propose('a');
  c.stabilize();
  c.network.isolate('a');
  c.node('b').raw?.campaign();
  c.stabilize();
  assert.equal(st(c, 'b').role, Role.Leader);
  const w = c.propose('b');
  assert.ok(typeof w !== 'string');
  c.stabilize();
  assert.ok(c.checker.acked.has(w.index), 'the new leader acknowledged a write');
  assert.equal(st(c, 'a').role, Role.Leader, 'a still thinks it leads');
  const ctx = c.readIndex('a');
  c.tickAndStabilize(30);
  assert.equal(c.checker.servedReads.has(ctx), false, 'no quorum answered its heartbeats: no read');
  c.network.heal();
  c.tickAndStabilize(10);
  assert.equal(c.checker.servedReads.has(ctx), false, 'stepping down drops the pending read');
  assert.notEqual(st(c, 'a').role, Role.Leader);
});

void test('ReadIndex: a new leader answers only after committing an entry of its term, with an index covering every acknowledged write', () => {
  const c = new SimCluster(['a', 'b', 'c'], 44, { checkQuorum: false });
  c.elect('a');
  for (let i = 0; i < 5; i++) c.propose('a');
  c.stabilize();
  const acked = c.checker.maxAcked;
  c.crash('a');
  c.node('b').raw?.campaign();
  // b wins, but c's acknowledgement of b's first entry is lost: nothing of b's term is committed.
  const noAcks = (m: Message): boolean => !(m.from === 'c' && m.type === MessageType.AppResp);
  c.stabilize(1000, noAcks);
  assert.equal(st(c, 'b').role, Role.Leader);
  const ctx = c.readIndex('b');
  c.stabilize(1000, noAcks);
  assert.equal(c.checker.servedReads.has(ctx), false, 'deferred: nothing of the new term is committed');
  c.tickAndStabilize(3);
  const index = c.checker.servedReads.get(ctx);
  assert.ok(index !== undefined && index >= acked, `read index ${String(index)} covers write ${acked}`);
});

void test('ReadIndex on a follower is forwarded to the leader and answered on the follower', () => {
  const c = new SimCluster(['a', 'b', 'c'], 45);
  c.elect('a');
  for (let i = 0; i < 3; i++) c.propose('a');
  c.stabilize();
  const ctx = c.readIndex('c');
  c.tickAndStabilize(2);
  const index = c.checker.servedReads.get(ctx);
  assert.ok(index !== undefined && index >= c.checker.maxAcked);
});

void test('ReadIndex on a single voter is answered immediately', () => {
  const c = new SimCluster(['a'], 46);
  c.elect('a');
  c.propose('a');
  c.stabilize();
  const ctx = c.readIndex('a');
  c.stabilize();
  assert.equal(c.checker.servedReads.get(ctx), c.checker.maxAcked);
});
