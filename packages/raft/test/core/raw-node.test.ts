import assert from 'node:assert/strict';
import test from 'node:test';
import {
  ConfChangeType,
  EntryType,
  MemoryStorage,
  MessageType,
  RaftError,
  RawNode,
  Role,
  decodeConfChange,
} from '../../src/core/index.js';
import type { Message, RaftConfig, Ready } from '../../src/core/index.js';
import { Prng } from '../sim/prng.js';

const enc = new TextEncoder();

function config(id: string, storage: MemoryStorage, extra: Partial<RaftConfig> = {}): RaftConfig {
  const rng = new Prng(7);
  return { id, electionTick: 10, heartbeatTick: 1, random: () => rng.next(), storage, ...extra };
}

/** Persists and applies a Ready the way a driver must, then advances. */
function handle(node: RawNode, storage: MemoryStorage, rd: Ready): void {
  if (rd.snapshot !== undefined) storage.applySnapshot(rd.snapshot);
  storage.append(rd.entries);
  if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
  for (const e of rd.committedEntries) {
    if (e.type === EntryType.ConfChange) node.applyConfChange(decodeConfChange(e.data));
  }
  node.advance(rd);
}

function drain(node: RawNode, storage: MemoryStorage): Ready[] {
  const out: Ready[] = [];
  while (node.hasReady()) {
    const rd = node.ready();
    out.push(rd);
    handle(node, storage, rd);
  }
  return out;
}

void test('bootstrap: founding members write the same committed membership entries', () => {
  const s = new MemoryStorage();
  const n = new RawNode(config('a', s, { peers: { voters: ['c', 'a', 'b'], learners: ['d'] } }));
  const rd = n.ready();
  assert.deepEqual(rd.hardState, { term: 1, vote: '', commit: 4 });
  assert.deepEqual(
    rd.entries.map((e) => decodeConfChange(e.data)).map((cc) => `${cc.type}:${cc.nodeId}`),
    ['0:a', '0:b', '0:c', '1:d'],
  );
  assert.equal(rd.committedEntries.length, 4);
  handle(n, s, rd);
  assert.deepEqual(n.status().appliedConfig, { voters: ['a', 'b', 'c'], learners: ['d'] });
  // Restarting with the same peers does not bootstrap again.
  const again = new RawNode(config('a', s, { peers: { voters: ['a', 'b', 'c'], learners: [] }, applied: 4 }));
  assert.equal(again.hasReady(), false);
  assert.deepEqual(again.status().config, { voters: ['a', 'b', 'c'], learners: ['d'] });
});

void test('single voter: a proposal commits only after the Ready holding it is advanced (B4: persist before acknowledge)', () => {
  const s = new MemoryStorage();
  const n = new RawNode(config('a', s, { peers: { voters: ['a'], learners: [] } }));
  drain(n, s);
  n.campaign();
  drain(n, s);
  assert.equal(n.basicStatus().role, Role.Leader);
  const { index } = n.propose(enc.encode('x'));
  const rd = n.ready();
  assert.deepEqual(
    rd.entries.map((e) => e.index),
    [index],
  );
  assert.equal(
    rd.committedEntries.some((e) => e.index === index),
    false,
    'not committed before its own fsync',
  );
  assert.ok(n.basicStatus().commit < index);
  handle(n, s, rd);
  assert.equal(n.basicStatus().commit, index, 'committed once advance() reports it durable');
  const next = n.ready();
  assert.deepEqual(
    next.committedEntries.map((e) => e.index),
    [index],
  );
  handle(n, s, next);
});

void test('three voters: the leader does not count its own unpersisted entry toward the quorum', () => {
  const s = new MemoryStorage();
  const n = new RawNode(config('a', s, { peers: { voters: ['a', 'b', 'c'], learners: [] } }));
  drain(n, s);
  // Win the election with b's (pre-)votes.
  n.campaign();
  const pre = n.ready();
  handle(n, s, pre);
  const preVote = pre.messages.find((m) => m.type === MessageType.PreVote && m.to === 'b');
  assert.ok(preVote !== undefined);
  n.step(reply(preVote, MessageType.PreVoteResp, preVote.term));
  const cand = n.ready();
  handle(n, s, cand);
  const vote = cand.messages.find((m) => m.type === MessageType.Vote && m.to === 'b');
  assert.ok(vote !== undefined);
  n.step(reply(vote, MessageType.VoteResp, vote.term));
  assert.equal(n.basicStatus().role, Role.Leader);
  const term = n.basicStatus().term;
  const rd = n.ready(); // carries the new term's no-op
  assert.equal(rd.mustSync, true, "the leader's appends may go out before its own fsync");
  const noop = rd.entries[rd.entries.length - 1];
  assert.ok(noop !== undefined);
  // b acknowledges the no-op before the leader's own fsync completed.
  n.step({ ...reply(appTo(rd, 'b'), MessageType.AppResp, term), index: noop.index });
  assert.ok(n.basicStatus().commit < noop.index, 'b plus an unpersisted leader is not a quorum');
  handle(n, s, rd);
  assert.equal(n.basicStatus().commit, noop.index, 'the durable leader and b form a quorum');
});

function appTo(rd: Ready, to: string): Message {
  const m = rd.messages.find((x) => x.type === MessageType.App && x.to === to);
  assert.ok(m !== undefined, `no App to ${to}`);
  return m;
}

function reply(m: Message, type: MessageType, term: number): Message {
  return { ...m, type, from: m.to, to: m.from, term, entries: [], reject: false, index: 0 };
}

void test('a follower never gets mustSync: its acknowledgements wait for the fsync', () => {
  const s = new MemoryStorage();
  const n = new RawNode(config('b', s, { peers: { voters: ['a', 'b', 'c'], learners: [] } }));
  drain(n, s);
  n.step({
    type: MessageType.App,
    from: 'a',
    to: 'b',
    term: 2,
    index: 3,
    logTerm: 1,
    entries: [{ index: 4, term: 2, type: EntryType.Normal, data: enc.encode('x') }],
    commit: 3,
    reject: false,
    rejectHint: 0,
    hintTerm: 0,
    context: new Uint8Array(),
  });
  const rd = n.ready();
  assert.equal(rd.mustSync, false);
  assert.equal(rd.entries.length, 1);
  assert.ok(rd.messages.some((m) => m.type === MessageType.AppResp && m.index === 4));
});

void test('the Ready contract is enforced: one Ready at a time, advanced with that Ready, entries in storage first', () => {
  const s = new MemoryStorage();
  const n = new RawNode(config('a', s, { peers: { voters: ['a'], learners: [] } }));
  const rd = n.ready();
  assert.equal(n.hasReady(), false, 'nothing new while a Ready is outstanding');
  assert.throws(
    () => n.ready(),
    (e) => RaftError.is(e, 'READY_NOT_ADVANCED'),
  );
  assert.throws(
    () => n.advance({ ...rd }),
    (e) => RaftError.is(e, 'INVARIANT'),
  );
  assert.throws(
    () => n.advance(rd),
    (e) => RaftError.is(e, 'INVARIANT'),
    'entries were not appended to storage',
  );
});

void test('messages produced while a Ready is outstanding go into the next Ready, not the old one', () => {
  // Found by simulation seed 293: an empty message list was handed out by reference.
  const s = new MemoryStorage();
  const n = new RawNode(config('b', s, { peers: { voters: ['a', 'b', 'c'], learners: [] } }));
  const rd = n.ready();
  assert.equal(rd.messages.length, 0);
  n.step({
    type: MessageType.Heartbeat,
    from: 'a',
    to: 'b',
    term: 2,
    index: 0,
    logTerm: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    hintTerm: 0,
    context: new Uint8Array(),
  });
  assert.equal(rd.messages.length, 0);
  handle(n, s, rd);
  assert.equal(n.ready().messages.length, 1);
});

void test('proposals, conf changes and reads are refused with typed errors off the leader', () => {
  const s = new MemoryStorage();
  const n = new RawNode(config('a', s, { peers: { voters: ['a', 'b', 'c'], learners: [] } }));
  drain(n, s);
  assert.throws(
    () => n.propose(enc.encode('x')),
    (e) => RaftError.is(e, 'NOT_LEADER'),
  );
  assert.throws(
    () => n.proposeConfChange({ type: ConfChangeType.AddVoter, nodeId: 'd', context: new Uint8Array() }),
    (e) => RaftError.is(e, 'NOT_LEADER'),
  );
  assert.throws(
    () => n.readIndex(enc.encode('r')),
    (e) => RaftError.is(e, 'NOT_LEADER'),
  );
  const hup: Message = {
    type: MessageType.Hup,
    from: 'b',
    to: 'a',
    term: 0,
    index: 0,
    logTerm: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    hintTerm: 0,
    context: new Uint8Array(),
  };
  assert.throws(
    () => n.step(hup),
    (e) => RaftError.is(e, 'STEP_LOCAL_MESSAGE'),
  );
});

void test('invalid configurations are rejected', () => {
  const s = new MemoryStorage();
  assert.throws(
    () => new RawNode(config('', s)),
    (e) => RaftError.is(e, 'INVALID_CONFIG'),
  );
  assert.throws(
    () => new RawNode(config('a', s, { heartbeatTick: 10 })),
    (e) => RaftError.is(e, 'INVALID_CONFIG'),
  );
  assert.throws(
    () => new RawNode(config('a', s, { applied: 5 })),
    (e) => RaftError.is(e, 'INVALID_CONFIG'),
  );
});

void test('restart with the state machine behind the stored snapshot re-emits it (crash mid-install)', () => {
  const s = new MemoryStorage();
  s.applySnapshot({
    metadata: { index: 10, term: 3, confState: { voters: ['a', 'b', 'c'], learners: [] } },
    data: enc.encode('state'),
  });
  s.setHardState({ term: 3, vote: '', commit: 10 });
  const n = new RawNode(config('b', s, { applied: 0 }));
  const rd = n.ready();
  assert.equal(rd.snapshot?.metadata.index, 10);
  assert.deepEqual(rd.committedEntries, []);
  handle(n, s, rd);
  assert.equal(n.basicStatus().applied, 10);
  assert.equal(n.hasReady(), false);
});

void test('randomised election timeout falls in [electionTick, 2·electionTick)', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const s = new MemoryStorage();
    const rng = new Prng(seed);
    const n = new RawNode({
      id: 'a',
      peers: { voters: ['a', 'b', 'c'], learners: [] },
      electionTick: 10,
      heartbeatTick: 1,
      random: () => rng.next(),
      storage: s,
    });
    drain(n, s);
    let ticks = 0;
    while (n.basicStatus().role === Role.Follower && ticks < 100) {
      n.tick();
      ticks++;
    }
    assert.ok(ticks >= 10 && ticks < 20, `seed ${seed}: campaigned after ${ticks} ticks`);
  }
});

void test('a vote granted within the current term is in the next hard state, and the grant waits for its fsync', () => {
  const s = new MemoryStorage();
  const n = new RawNode(config('b', s, { peers: { voters: ['a', 'b', 'c'], learners: [] } }));
  drain(n, s);
  const vote = (from: string, index: number, logTerm: number): Message => ({
    type: MessageType.Vote,
    from,
    to: 'b',
    term: 2,
    index,
    logTerm,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    hintTerm: 0,
    context: new Uint8Array(),
  });
  // c's log is behind: b moves to term 2 but refuses.
  n.step(vote('c', 0, 0));
  const first = n.ready();
  assert.deepEqual(first.hardState, { term: 2, vote: '', commit: 3 });
  assert.ok(first.messages.every((m) => m.type === MessageType.VoteResp && m.reject));
  handle(n, s, first);
  // a is up to date: b grants in the same term. Only the vote changes.
  n.step(vote('a', 3, 1));
  const second = n.ready();
  assert.deepEqual(second.hardState, { term: 2, vote: 'a', commit: 3 });
  assert.equal(second.mustSync, false, 'the grant is sent only after the vote is durable');
  assert.ok(second.messages.some((m) => m.type === MessageType.VoteResp && !m.reject && m.to === 'a'));
  handle(n, s, second);
  // Having voted, b refuses another candidate in the same term, also after a restart.
  const restarted = new RawNode(config('b', s, { applied: 3 }));
  restarted.step(vote('c', 3, 1));
  const rd = restarted.ready();
  assert.ok(rd.messages.some((m) => m.type === MessageType.VoteResp && m.reject && m.to === 'c'));
});

void test('a follower commits only up to the last entry the App proved matching, never a stale tail past it', () => {
  const s = new MemoryStorage();
  const e = (index: number, term: number) => ({
    index,
    term,
    type: EntryType.Normal,
    data: enc.encode(`${index}@${term}`),
  });
  // 3@2 came from a deposed leader of term 2; the leader of term 3 has 3@3 there, committed.
  s.append([e(1, 1), e(2, 2), e(3, 2)]);
  s.setHardState({ term: 2, vote: '', commit: 1 });
  const n = new RawNode(config('b', s, { applied: 1 }));
  n.step({
    type: MessageType.App,
    from: 'a',
    to: 'b',
    term: 3,
    index: 1,
    logTerm: 1,
    entries: [e(2, 2)], // size-limited: one entry, while the leader's commit is 3
    commit: 3,
    reject: false,
    rejectHint: 0,
    hintTerm: 0,
    context: new Uint8Array(),
  });
  assert.equal(n.basicStatus().commit, 2, 'index 3 holds a stale entry: not committed');
  const rd = n.ready();
  assert.ok(rd.messages.some((m) => m.type === MessageType.AppResp && !m.reject && m.index === 2));
});
