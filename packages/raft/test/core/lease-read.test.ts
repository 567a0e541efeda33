// Leader-lease reads (Raft thesis §6.4.1) in the core, on the simulated cluster: time is the
// cluster's shared fake clock (every tick advances it by SIM_TICK_MS; tests move it directly to
// model a pause), and the invariant checker fails any read whose index misses a write
// acknowledged before the read was asked.
import assert from 'node:assert/strict';
import test from 'node:test';
import {
  ConfChangeType,
  MemoryStorage,
  MessageType,
  RaftError,
  RawNode,
  Role,
} from '../../src/core/index.js';
import type { BasicStatus, Message, NodeId, ProposalResult, RaftConfig } from '../../src/core/index.js';
import { SIM_TICK_MS, SimCluster } from '../sim/sim-cluster.js';
import { makeMessage } from '../transport/make-message.js';

const ELECTION_TICK = 10;
/** The margin RaftNode uses: 80 % of the electionTick − 1 ticks a voter counts before voting. */
const LEASE_MS = Math.floor(0.8 * (ELECTION_TICK - 1) * SIM_TICK_MS);

function raw(c: SimCluster, id: NodeId): RawNode {
  const r = c.node(id).raw;
  assert.ok(r !== undefined, `${id} is down`);
  return r;
}

function st(c: SimCluster, id: NodeId): BasicStatus {
  return raw(c, id).basicStatus();
}

function proposed(r: ProposalResult | string): ProposalResult {
  assert.ok(typeof r !== 'string', `proposal refused: ${String(r)}`);
  return r;
}

/** Records every message the cluster sends from now on. */
function recordSends(c: SimCluster): Message[] {
  const sent: Message[] = [];
  const send = c.network.send.bind(c.network);
  c.network.send = (msgs: readonly Message[]): void => {
    sent.push(...msgs);
    send(msgs);
  };
  return sent;
}

function heartbeats(sent: readonly Message[]): Message[] {
  return sent.filter((m) => m.type === MessageType.Heartbeat);
}

interface Leased {
  readonly c: SimCluster;
  readonly leader: NodeId;
  readonly followers: readonly NodeId[];
}

/**
 * A cluster with leases on every node, past the boot lease, with a leader that committed an entry
 * of its term and whose last heartbeat (sent at `c.clock`) every follower acknowledged.
 */
function startLeased(ids: readonly NodeId[] = ['a', 'b', 'c'], seed = 1): Leased {
  const c = new SimCluster(ids, seed, { leaseMs: LEASE_MS, electionTick: ELECTION_TICK });
  const leader = c.waitForLeader();
  proposed(c.propose(leader));
  c.stabilize();
  c.tickAndStabilize(1);
  return { c, leader, followers: ids.filter((id) => id !== leader) };
}

/** Messages between `a` and `b` (both ways) are lost. */
function cut(a: NodeId, b: NodeId): (m: Message) => boolean {
  return (m) => !((m.from === a && m.to === b) || (m.from === b && m.to === a));
}

void test('lease: valid once a quorum acknowledged a heartbeat; reads are answered without a heartbeat round', () => {
  const { c, leader, followers } = startLeased();
  assert.equal(raw(c, leader).leaseReadIndex(), st(c, leader).commit);
  const sent = recordSends(c);
  const ctx = c.readIndex(leader);
  c.stabilize();
  assert.equal(c.checker.servedReads.get(ctx), st(c, leader).commit);
  // A follower's read is forwarded and answered from the lease too.
  const fctx = c.readIndex(followers[0] as NodeId);
  c.stabilize();
  assert.equal(c.checker.servedReads.get(fctx), st(c, leader).commit);
  assert.deepEqual(heartbeats(sent), [], 'no heartbeat round for either read');
  assert.equal(raw(c, leader).leaseReadsServed, 2);
});

void test('lease: counts the acknowledgements of a quorum of voters (5 nodes: two followers needed)', () => {
  const { c, leader, followers } = startLeased(['a', 'b', 'c', 'd', 'e'], 2);
  const [f1, f2] = followers as [NodeId, NodeId];
  c.clock += LEASE_MS; // every acknowledgement so far is too old
  assert.equal(raw(c, leader).leaseReadIndex(), undefined);
  const acksFrom =
    (ids: readonly NodeId[]) =>
    (m: Message): boolean =>
      m.type !== MessageType.HeartbeatResp || ids.includes(m.from);
  c.tick(leader);
  c.stabilize(1000, acksFrom([f1]));
  assert.equal(raw(c, leader).leaseReadIndex(), undefined, 'leader + one follower is not a quorum of five');
  c.tick(leader);
  c.stabilize(1000, acksFrom([f1, f2]));
  assert.equal(raw(c, leader).leaseReadIndex(), st(c, leader).commit, 'leader + two followers is');
});

void test('lease: expires leaseMs after the send time of the newest acknowledged heartbeat', () => {
  const { c, leader } = startLeased();
  const sentAt = c.clock; // the last heartbeat (acknowledged by both followers) was sent now
  c.clock = sentAt + LEASE_MS - 1;
  assert.notEqual(raw(c, leader).leaseReadIndex(), undefined);
  c.clock = sentAt + LEASE_MS;
  assert.equal(raw(c, leader).leaseReadIndex(), undefined);
  // An expired lease falls back to the ReadIndex round, whose heartbeats renew the lease.
  const sent = recordSends(c);
  const ctx = c.readIndex(leader);
  c.stabilize();
  assert.ok(heartbeats(sent).length > 0, 'a heartbeat round');
  assert.equal(c.checker.servedReads.get(ctx), st(c, leader).commit);
  assert.equal(raw(c, leader).leaseReadsServed, 0);
  assert.notEqual(raw(c, leader).leaseReadIndex(), undefined, 'renewed by the round');
});

void test('lease: acknowledgements of a heartbeat sent before a long pause do not renew it', () => {
  const { c, leader } = startLeased();
  c.tick(leader);
  c.node(leader).drain(); // the heartbeat leaves...
  c.clock += 2 * LEASE_MS; // ...then the leader stops (SIGSTOP) while time runs on
  c.stabilize(); // resumed: the followers' acks of that old heartbeat arrive now
  assert.equal(raw(c, leader).leaseReadIndex(), undefined, 'worth the send time, not the arrival time');
  c.tick(leader);
  c.stabilize();
  assert.notEqual(raw(c, leader).leaseReadIndex(), undefined, 'a heartbeat sent after the pause renews it');
});

void test('lease: an ack arriving after a newer one does not shorten the lease', () => {
  const { c, leader, followers } = startLeased();
  c.tick(leader);
  const first = c.clock;
  c.node(leader).drain();
  c.tick(leader);
  c.node(leader).drain();
  for (const m of c.network.takeAll()) c.deliver(m); // both heartbeats reach the followers, in order
  for (const f of followers) c.node(f).drain();
  for (const m of c.network.takeAll().reverse()) c.deliver(m); // their acks arrive newest first
  c.clock = first + LEASE_MS;
  assert.notEqual(raw(c, leader).leaseReadIndex(), undefined, 'still counted from the newer heartbeat');
});

void test('lease: a stopped leader resumed after a new leader acknowledged a write serves no stale read', () => {
  const { c, leader: old } = startLeased(['a', 'b', 'c'], 3);
  c.tick(old);
  c.node(old).drain();
  c.frozen.add(old); // SIGSTOP right after sending a heartbeat
  c.stabilize(); // the followers acknowledge it; the acks wait in the stopped leader's queue
  let next: NodeId | undefined;
  for (let i = 0; i < 100 && (next === undefined || next === old); i++) {
    c.tick();
    c.stabilize();
    next = c.leader();
  }
  assert.ok(next !== undefined && next !== old, 'the others elected a new leader');
  const w = proposed(c.propose(next));
  c.stabilize();
  assert.ok(c.checker.acked.has(w.index), 'the new leader acknowledged a write');
  // Resumed: the old leader first drains the acks of its pre-stop heartbeat, nothing else yet.
  c.frozen.delete(old);
  for (const m of c.network.takeAll()) {
    if (m.to === old && m.type === MessageType.HeartbeatResp) c.deliver(m);
    else c.network.requeue(m);
  }
  assert.equal(st(c, old).role, Role.Leader, 'it still believes it leads');
  assert.equal(raw(c, old).leaseReadIndex(), undefined);
  const ctx = c.readIndex(old);
  c.stabilize(); // the checker throws on a stale read
  const served = c.checker.servedReads.get(ctx);
  assert.ok(served === undefined || served >= w.index, `read index ${String(served)}`);
  assert.notEqual(st(c, old).role, Role.Leader);
});

void test('lease: none before an entry of the leader’s term is committed', () => {
  const { c, leader: first } = startLeased(['a', 'b', 'c'], 4);
  const acked = c.checker.maxAcked;
  c.crash(first);
  const noAppResp = (m: Message): boolean => m.type !== MessageType.AppResp;
  let next: NodeId | undefined;
  for (let i = 0; i < 100 && next === undefined; i++) {
    c.tick();
    c.stabilize(1000, noAppResp);
    next = c.leader();
  }
  assert.ok(next !== undefined);
  c.tick();
  c.stabilize(1000, noAppResp); // heartbeats acknowledged, appends never
  const s = st(c, next);
  assert.equal(s.role, Role.Leader);
  assert.ok(s.commit < s.lastIndex, 'its first entry is not committed');
  assert.equal(raw(c, next).leaseReadIndex(), undefined);
  const ctx = c.readIndex(next);
  c.stabilize(1000, noAppResp);
  assert.equal(c.checker.servedReads.has(ctx), false, 'deferred until the term commits an entry');
  c.tickAndStabilize(1);
  const index = c.checker.servedReads.get(ctx);
  assert.ok(index !== undefined && index >= acked);
  assert.notEqual(raw(c, next).leaseReadIndex(), undefined);
});

void test('lease: none once a leadership transfer began, for the rest of the term (even if abandoned)', () => {
  const { c, leader, followers } = startLeased(['a', 'b', 'c'], 5);
  const to = followers[0] as NodeId;
  const term = st(c, leader).term;
  raw(c, leader).transferLeader(to);
  assert.equal(raw(c, leader).leaseReadIndex(), undefined, 'the transferee will campaign past leases');
  // The TimeoutNow is lost: the transfer is abandoned after an election timeout.
  const noTimeoutNow = (m: Message): boolean => m.type !== MessageType.TimeoutNow;
  for (let i = 0; i < ELECTION_TICK + 2; i++) {
    c.tick();
    c.stabilize(1000, noTimeoutNow);
  }
  const s = st(c, leader);
  assert.equal(s.role, Role.Leader);
  assert.equal(s.term, term);
  assert.equal(s.leadTransferee, '');
  assert.equal(raw(c, leader).leaseReadIndex(), undefined, 'heartbeats are acknowledged, still no lease');
  const sent = recordSends(c);
  const ctx = c.readIndex(leader);
  c.stabilize();
  assert.ok(heartbeats(sent).length > 0);
  assert.equal(c.checker.servedReads.get(ctx), s.commit);
});

void test('lease: the quorum follows membership changes, and a leader removing itself has none', () => {
  const { c, leader, followers } = startLeased(['a', 'b', 'c'], 6);
  const [f1, f2] = followers as [NodeId, NodeId];
  proposed(
    c.proposeConfChange(leader, { type: ConfChangeType.AddVoter, nodeId: 'd', context: new Uint8Array() }),
  );
  c.addJoiner('d');
  for (let i = 0; i < 40 && (c.node('d').fsm.applied < st(c, leader).commit || i < ELECTION_TICK); i++)
    c.tickAndStabilize(1);
  assert.deepEqual(raw(c, leader).status().config.voters, ['a', 'b', 'c', 'd']);
  const acksFrom =
    (ids: readonly NodeId[]) =>
    (m: Message): boolean =>
      m.type !== MessageType.HeartbeatResp || ids.includes(m.from);
  c.clock += LEASE_MS;
  c.tick(leader);
  c.stabilize(1000, acksFrom([f1]));
  assert.equal(raw(c, leader).leaseReadIndex(), undefined, 'two of four voters');
  c.tick(leader);
  c.stabilize(1000, acksFrom([f1, 'd']));
  assert.notEqual(raw(c, leader).leaseReadIndex(), undefined, 'three of four voters');
  // Removing f2: {leader, f1, d} — the leader and d are a quorum.
  proposed(
    c.proposeConfChange(leader, { type: ConfChangeType.RemoveNode, nodeId: f2, context: new Uint8Array() }),
  );
  c.stabilize();
  c.clock += LEASE_MS;
  c.tick(leader);
  c.stabilize(1000, acksFrom(['d']));
  assert.notEqual(raw(c, leader).leaseReadIndex(), undefined, 'two of three voters');
  // A leader removing itself counts on nobody from the moment the change is appended.
  c.tickAndStabilize(1);
  proposed(
    c.proposeConfChange(leader, {
      type: ConfChangeType.RemoveNode,
      nodeId: leader,
      context: new Uint8Array(),
    }),
  );
  assert.equal(st(c, leader).role, Role.Leader);
  assert.equal(raw(c, leader).leaseReadIndex(), undefined);
});

void test('boot lease: a restarted node refuses votes and pre-votes, and does not campaign, for electionTick ticks', () => {
  const { c, followers } = startLeased(['a', 'b', 'c'], 7);
  const [f1, f2] = followers as [NodeId, NodeId];
  c.restart(f1);
  const r = raw(c, f1);
  const s = st(c, f1);
  const ask = (type: MessageType): void =>
    r.step(
      makeMessage({
        type,
        from: f2,
        to: f1,
        term: s.term + 1,
        index: s.lastIndex,
        logTerm: r.termAt(s.lastIndex) ?? 0,
      }),
    );
  const sent = recordSends(c);
  c.network.isolate(f1);
  ask(MessageType.PreVote);
  ask(MessageType.Vote);
  r.campaign();
  c.node(f1).drain();
  assert.deepEqual(
    sent.filter((m) => m.from === f1).map((m) => m.type),
    [],
    'no answer, no campaign',
  );
  assert.equal(st(c, f1).term, s.term, 'not even the term moved');
  assert.equal(st(c, f1).role, Role.Follower);
  for (let i = 0; i < ELECTION_TICK - 1; i++) c.tick(f1);
  ask(MessageType.PreVote);
  c.node(f1).drain();
  assert.deepEqual(
    sent.filter((m) => m.from === f1).map((m) => m.type),
    [],
    'one tick short',
  );
  c.tick(f1);
  ask(MessageType.PreVote);
  c.node(f1).drain();
  const resp = sent.filter((m) => m.from === f1 && m.type === MessageType.PreVoteResp);
  assert.equal(resp.length, 1);
  assert.equal(resp[0]?.reject, false, 'granted once electionTick ticks have passed');
});

void test('boot lease: a node restarted right after acknowledging the leader does not help elect another', () => {
  const { c, leader, followers } = startLeased(['a', 'b', 'c'], 8);
  const [f1, f2] = followers as [NodeId, NodeId];
  // f2 stops hearing from the leader; the leader's lease rests on f1 alone.
  const keep = cut(leader, f2);
  for (let i = 0; i < 2 * ELECTION_TICK + 2; i++) {
    c.tick();
    c.stabilize(1000, keep);
  }
  assert.equal(c.leader(), leader, 'f1 refused f2 while it heard from the leader');
  c.tick(leader);
  c.stabilize(1000, keep); // f1 acknowledges a heartbeat, then restarts at once
  c.restart(f1);
  raw(c, f2).campaign(); // f2 has not heard from a leader for long: it may campaign
  c.stabilize(1000, keep);
  assert.equal(c.leader(), leader, 'f1, in its boot lease, refused');
  assert.notEqual(raw(c, leader).leaseReadIndex(), undefined);
  const ctx = c.readIndex(leader);
  c.stabilize(1000, keep);
  assert.equal(c.checker.servedReads.get(ctx), st(c, leader).commit);
});

void test('lease: a node that heard from the leader ignores a manual campaign() (its own vote is promised)', () => {
  const { c, leader, followers } = startLeased(['a', 'b', 'c'], 9);
  const [f1, f2] = followers as [NodeId, NodeId];
  const keep = cut(leader, f2);
  for (let i = 0; i < 2 * ELECTION_TICK + 2; i++) {
    c.tick();
    c.stabilize(1000, keep);
  }
  c.tick(leader);
  c.stabilize(1000, keep);
  raw(c, f1).campaign(); // f2 would vote for it: it has not heard from the leader for long
  c.stabilize(1000, keep);
  assert.equal(st(c, f1).role, Role.Follower);
  assert.equal(c.leader(), leader);
  const ctx = c.readIndex(leader);
  c.stabilize(1000, keep);
  assert.equal(c.checker.servedReads.get(ctx), st(c, leader).commit);
});

void test('lease: a forced transfer campaign wins through boot leases', () => {
  const { c, leader, followers } = startLeased(['a', 'b', 'c'], 10);
  const [f1, f2] = followers as [NodeId, NodeId];
  const term = st(c, leader).term;
  c.restart(f2); // in its boot lease
  raw(c, leader).transferLeader(f1);
  c.node(leader).drain(); // the TimeoutNow leaves...
  c.crash(leader); // ...and the old leader is gone: f1 needs f2's vote
  c.stabilize();
  assert.equal(st(c, f1).role, Role.Leader);
  assert.equal(st(c, f1).term, term + 1);
});

void test('lease: a single voter campaigns at once and serves reads without rounds', () => {
  const c = new SimCluster(['a'], 11, { leaseMs: LEASE_MS });
  c.elect('a');
  proposed(c.propose('a'));
  c.stabilize();
  const ctx = c.readIndex('a');
  c.stabilize();
  assert.equal(c.checker.servedReads.get(ctx), st(c, 'a').commit);
  assert.equal(raw(c, 'a').leaseReadIndex(), st(c, 'a').commit);
});

void test('leaseMs 0 (the default): heartbeats carry no sequence, every read takes a round, no boot lease', () => {
  const c = new SimCluster(['a', 'b', 'c'], 12);
  c.elect('a'); // at once: no boot lease
  proposed(c.propose('a'));
  c.stabilize();
  const sent = recordSends(c);
  c.tickAndStabilize(1);
  const hb = sent.filter((m) => m.type === MessageType.Heartbeat || m.type === MessageType.HeartbeatResp);
  assert.ok(hb.length >= 4);
  assert.ok(
    hb.every((m) => m.index === 0),
    'index stays 0',
  );
  assert.equal(raw(c, 'a').leaseReadIndex(), undefined);
  const before = heartbeats(sent).length;
  const ctx = c.readIndex('a');
  c.stabilize();
  assert.ok(heartbeats(sent).length > before, 'a heartbeat round');
  assert.equal(c.checker.servedReads.get(ctx), st(c, 'a').commit);
  assert.equal(raw(c, 'a').leaseReadsServed, 0);
  // A restarted node grants a pre-vote at once.
  c.restart('b');
  const s = st(c, 'b');
  raw(c, 'b').step(
    makeMessage({
      type: MessageType.PreVote,
      from: 'c',
      to: 'b',
      term: s.term + 1,
      index: s.lastIndex,
      logTerm: raw(c, 'b').termAt(s.lastIndex) ?? 0,
    }),
  );
  c.node('b').drain();
  const resp = sent.filter((m) => m.from === 'b' && m.type === MessageType.PreVoteResp);
  assert.equal(resp.length, 1);
  assert.equal(resp[0]?.reject, false);
});

/** Persists, applies and advances every Ready; returns the messages sent. */
function drainRaw(n: RawNode, s: MemoryStorage): Message[] {
  const out: Message[] = [];
  while (n.hasReady()) {
    const rd = n.ready();
    if (rd.snapshot !== undefined) s.applySnapshot(rd.snapshot);
    s.append(rd.entries);
    if (rd.hardState !== undefined) s.setHardState(rd.hardState);
    out.push(...rd.messages);
    n.advance(rd);
  }
  return out;
}

/**
 * RawNode 'a' of {a, b, c} with a 720 ms lease, made leader by hand with b's votes and its first
 * entry committed by b; `heartbeat()` broadcasts one and returns its sequence number.
 */
function handLeader(clock: { ms: number }): { n: RawNode; heartbeat(): number } {
  const s = new MemoryStorage();
  const n = new RawNode({
    id: 'a',
    peers: { voters: ['a', 'b', 'c'], learners: [] },
    electionTick: ELECTION_TICK,
    heartbeatTick: 1,
    random: () => 0.5, // election timeout 15 ticks
    storage: s,
    leaseMs: LEASE_MS,
    now: () => clock.ms,
  });
  drainRaw(n, s);
  for (let i = 0; i < ELECTION_TICK; i++) n.tick(); // past the boot lease
  n.campaign();
  drainRaw(n, s);
  const term = n.basicStatus().term + 1;
  n.step(makeMessage({ type: MessageType.PreVoteResp, from: 'b', to: 'a', term }));
  drainRaw(n, s);
  n.step(makeMessage({ type: MessageType.VoteResp, from: 'b', to: 'a', term }));
  drainRaw(n, s);
  assert.equal(n.basicStatus().role, Role.Leader);
  const last = n.basicStatus().lastIndex;
  n.step(makeMessage({ type: MessageType.AppResp, from: 'b', to: 'a', term, index: last }));
  drainRaw(n, s);
  assert.equal(n.basicStatus().commit, last);
  return {
    n,
    heartbeat(): number {
      n.tick();
      const hb = drainRaw(n, s).find((m) => m.type === MessageType.Heartbeat && m.to === 'b');
      assert.ok(hb !== undefined && hb.index > 0);
      return hb.index;
    },
  };
}

void test('lease: each ack counts for the promise its sender made (at most the leader’s leaseMs); none without one', () => {
  const clock = { ms: 1000 };
  const { n, heartbeat } = handLeader(clock);
  const term = n.basicStatus().term;
  const ack = (index: number, promise: number): void =>
    n.step(
      makeMessage({ type: MessageType.HeartbeatResp, from: 'b', to: 'a', term, index, commit: promise }),
    );
  ack(heartbeat(), 0); // a follower without leases echoes nothing and promises nothing
  assert.equal(n.leaseReadIndex(), undefined);
  const sentAt = clock.ms;
  ack(heartbeat(), 100); // a follower with a shorter tick or electionTick promises less
  clock.ms = sentAt + 99;
  assert.notEqual(n.leaseReadIndex(), undefined);
  clock.ms = sentAt + 100;
  assert.equal(n.leaseReadIndex(), undefined, 'only as long as b promised');
  const again = clock.ms;
  ack(heartbeat(), 10 * LEASE_MS); // a longer promise is capped at the leader's own leaseMs
  clock.ms = again + LEASE_MS - 1;
  assert.notEqual(n.leaseReadIndex(), undefined);
  clock.ms = again + LEASE_MS;
  assert.equal(n.leaseReadIndex(), undefined);
  ack(12345, LEASE_MS); // an unknown sequence number renews nothing
  assert.equal(n.leaseReadIndex(), undefined);
});

void test('config: leaseMs needs checkQuorum and a clock, and must be a finite number ≥ 0', () => {
  const base: RaftConfig = {
    id: 'a',
    electionTick: 10,
    heartbeatTick: 1,
    random: () => 0.5,
    storage: new MemoryStorage(),
  };
  const now = (): number => 0;
  const invalid = (cfg: RaftConfig): void =>
    assert.throws(
      () => new RawNode(cfg),
      (err: unknown) => RaftError.is(err, 'INVALID_CONFIG'),
    );
  invalid({ ...base, leaseMs: 500, now, checkQuorum: false });
  invalid({ ...base, leaseMs: 500 });
  invalid({ ...base, leaseMs: -1, now });
  invalid({ ...base, leaseMs: Number.NaN, now });
  assert.ok(new RawNode({ ...base, leaseMs: 500, now }));
  assert.ok(new RawNode({ ...base, leaseMs: 0, checkQuorum: false }));
});
