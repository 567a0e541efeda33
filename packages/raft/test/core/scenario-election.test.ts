// Scenarios: elections under partitions and crashes. Every SimCluster step re-checks the safety
// invariants (election safety, log matching, leader completeness, state-machine safety).
import assert from 'node:assert/strict';
import test from 'node:test';
import { MessageType, Role } from '../../src/core/index.js';
import type { BasicStatus, Message, ProposalResult } from '../../src/core/index.js';
import { SimCluster } from '../sim/sim-cluster.js';

function st(c: SimCluster, id: string): BasicStatus {
  const raw = c.node(id).raw;
  assert.ok(raw !== undefined, `${id} is down`);
  return raw.basicStatus();
}

function proposed(r: ProposalResult | string): ProposalResult {
  assert.ok(typeof r !== 'string', `proposal refused: ${String(r)}`);
  return r;
}

void test('a partitioned node rejoining neither inflates terms nor deposes the leader (pre-vote + check-quorum)', () => {
  const c = new SimCluster(['a', 'b', 'c'], 11);
  c.elect('a');
  for (let i = 0; i < 3; i++) proposed(c.propose('a'));
  c.stabilize();
  const term = st(c, 'a').term;

  c.network.isolate('c');
  for (let i = 0; i < 100; i++) {
    c.tick();
    c.stabilize();
  }
  assert.equal(st(c, 'c').term, term, 'pre-vote kept the isolated node at its term');
  assert.equal(st(c, 'a').role, Role.Leader);

  c.network.heal();
  c.tickAndStabilize(30);
  assert.equal(st(c, 'a').role, Role.Leader, 'the leader survived the rejoin');
  assert.equal(st(c, 'a').term, term);
  assert.equal(st(c, 'c').leader, 'a');
  assert.equal(c.node('c').fsm.applied, c.node('a').fsm.applied);
});

void test('without pre-vote an isolated node inflates its term; the cluster still recovers a leader and loses nothing', () => {
  const c = new SimCluster(['a', 'b', 'c'], 12, { preVote: false });
  c.elect('a');
  const w = proposed(c.propose('a'));
  c.stabilize();
  c.network.isolate('c');
  c.tickAndStabilize(100);
  assert.ok(st(c, 'c').term > st(c, 'a').term, 'the isolated node campaigned at ever higher terms');
  c.network.heal();
  c.tickAndStabilize(100);
  const l = c.leader();
  assert.ok(l !== undefined);
  assert.ok(c.checker.acked.has(w.index));
  for (const id of ['a', 'b', 'c']) assert.ok(c.node(id).fsm.applied >= w.index);
});

void test('check-quorum: a leader cut off from the majority steps down within two election timeouts', () => {
  const c = new SimCluster(['a', 'b', 'c'], 13);
  c.elect('a');
  c.network.isolate('a');
  c.tickAndStabilize(20);
  assert.notEqual(st(c, 'a').role, Role.Leader);
  c.network.heal();
  c.waitForLeader();
});

void test('leader crash before its fsync: entries it sent early survive on the followers and commit in the next term', () => {
  const c = new SimCluster(['a', 'b', 'c'], 14);
  c.elect('a');
  c.stabilize();
  const w = proposed(c.propose('a'));
  c.advancePhase('a'); // takes the Ready; the leader's appends go out before its fsync
  assert.equal(c.node('a').pending?.phase, 'persist');
  assert.equal(c.node('a').pending?.rd.mustSync, true);
  c.crash('a');
  assert.ok(c.node('a').storage.lastIndex() < w.index, "the entry never reached the crashed leader's disk");
  c.stabilize();
  assert.equal(c.checker.acked.has(w.index), false, 'never acknowledged: the proposer died first');
  const l = c.waitForLeader();
  assert.notEqual(l, 'a');
  c.tickAndStabilize(5);
  assert.equal(c.node('b').raw?.termAt(w.index), w.term, 'the early-sent entry survived on a quorum');
  c.restart('a');
  c.tickAndStabilize(20);
  assert.ok(c.node('a').fsm.applied >= w.index, 'the restarted leader catches up with the same entry');
});

void test('leader crash before its fsync with its appends lost: the write vanishes everywhere, never half-applied', () => {
  const c = new SimCluster(['a', 'b', 'c'], 15);
  c.elect('a');
  c.stabilize();
  const w = proposed(c.propose('a'));
  c.advancePhase('a');
  c.network.dropWhere((m) => m.from === 'a');
  c.crash('a');
  c.waitForLeader();
  const l = c.leader();
  assert.ok(l !== undefined && l !== 'a');
  proposed(c.propose(l));
  c.restart('a');
  c.tickAndStabilize(20);
  for (const id of ['a', 'b', 'c']) {
    assert.notEqual(c.node(id).raw?.termAt(w.index), w.term, `${id} must not hold the lost write`);
  }
});

void test('leader crash after its fsync but before applying: the write commits and applies everywhere', () => {
  const c = new SimCluster(['a', 'b', 'c'], 16);
  c.elect('a');
  c.stabilize();
  const w = proposed(c.propose('a'));
  c.advancePhase('a'); // ready (early send)
  c.advancePhase('a'); // persist (fsync)
  c.crash('a');
  assert.equal(c.node('a').storage.term(w.index), w.term);
  c.waitForLeader();
  c.restart('a');
  c.tickAndStabilize(20);
  for (const id of ['a', 'b', 'c']) {
    assert.ok(c.node(id).fsm.applied >= w.index);
    assert.equal(c.node(id).raw?.termAt(w.index), w.term);
  }
});

void test('Figure 8: a leader never commits an entry of an earlier term by counting replicas', () => {
  // One entry per App so that the old-term entry travels without the new term's entry behind it.
  // No check-quorum: the test forces campaigns, which leader leases would (rightly) ignore.
  const c = new SimCluster(['a', 'b', 'c'], 17, { maxSizePerMsg: 1, checkQuorum: false });
  c.elect('a');
  c.stabilize();
  // (1) a appends X, which reaches nobody.
  c.network.isolate('a');
  const x = proposed(c.propose('a'));
  c.stabilize();
  // (2) b wins with c's vote and appends Y at the same index, which reaches nobody either.
  c.network.partition([['a'], ['b', 'c']]);
  c.node('b').raw?.campaign();
  c.stabilize(1000, (m) => !(m.from === 'b' && m.type === MessageType.App));
  assert.equal(st(c, 'b').role, Role.Leader);
  assert.equal(c.node('b').raw?.termAt(x.index), st(c, 'b').term, "Y sits at X's index");
  // (3) a learns it was deposed, then wins with c's vote (its last entry X is newer than c's log)
  // and replicates X alone to c.
  const bTerm = st(c, 'b').term;
  c.network.partition([['b'], ['a', 'c']]);
  // Drop every App that would give c an entry past X; Apps c must reject (it lacks their previous
  // entry) still arrive, so that a backs off and sends X on its own.
  const isNewTermEntry = (m: Message): boolean =>
    m.type === MessageType.App &&
    m.entries.some((e) => e.index > x.index) &&
    m.index <= (c.node('c').raw?.basicStatus().lastIndex ?? 0);
  for (let i = 0; i < 60 && !(st(c, 'a').role === Role.Leader && st(c, 'a').term > bTerm); i++) {
    c.tick('a');
    c.stabilize(1000, (m) => !isNewTermEntry(m));
  }
  assert.equal(st(c, 'a').role, Role.Leader);
  assert.ok(st(c, 'a').term > bTerm);
  c.tick('a');
  c.stabilize(1000, (m) => !isNewTermEntry(m));
  assert.equal(c.node('c').raw?.termAt(x.index), x.term, 'c now holds X (old term) at the index');
  assert.ok(st(c, 'a').commit < x.index, 'X is on a quorum but from an old term: not committed');
  // (4) a dies before its own-term entry spreads; b wins and overwrites X — legal, as X never committed.
  c.crash('a');
  c.network.heal();
  c.node('b').raw?.campaign();
  c.tickAndStabilize(30);
  assert.equal(c.leader(), 'b');
  assert.notEqual(c.node('c').raw?.termAt(x.index), x.term, 'X was overwritten');
  c.restart('a');
  c.tickAndStabilize(30);
  assert.notEqual(c.node('a').raw?.termAt(x.index), x.term);
});

void test('term change racing an append: a persisted-but-superseded Ready does not mark the new entries durable', () => {
  const c = new SimCluster(['a', 'b', 'c', 'd', 'e'], 18, { checkQuorum: false });
  c.elect('a');
  c.stabilize();
  c.network.partition([
    ['a', 'b'],
    ['c', 'd', 'e'],
  ]);
  const x = proposed(c.propose('a'));
  // b's disk is slow: it receives X and takes the Ready, but has not persisted it yet.
  c.pausedDisks.add('b');
  c.stabilize();
  c.advancePhase('b');
  assert.equal(c.node('b').pending?.rd.entries.at(-1)?.index, x.index);
  // Meanwhile c wins a new term with d and e, and its first App overwrites b's in-memory X.
  c.network.partition([['a'], ['b', 'c', 'd', 'e']]);
  c.node('c').raw?.campaign();
  c.stabilize();
  assert.equal(st(c, 'c').role, Role.Leader);
  const newTerm = st(c, 'c').term;
  assert.equal(c.node('b').raw?.termAt(x.index), newTerm, 'b replaced X in memory');
  // Now b's slow fsync of the old Ready completes (X hits the disk), then the next Ready fixes it.
  c.pausedDisks.delete('b');
  c.stabilize();
  assert.equal(c.node('b').storage.term(x.index), newTerm, "b's disk ends with the new leader's entry");
  assert.ok(st(c, 'a').commit < x.index, 'a never committed X (only a and b ever held it)');
  c.network.heal();
  c.tickAndStabilize(20);
  for (const id of ['a', 'b', 'c', 'd', 'e']) assert.equal(c.node(id).raw?.termAt(x.index), newTerm);
});
