import assert from 'node:assert/strict';
import test from 'node:test';
import { EntryType, MemoryStorage, RaftError } from '../../src/core/index.js';
import type { Entry } from '../../src/core/index.js';
import { RaftLog } from '../../src/core/raft-log.js';
import { UnstableLog } from '../../src/core/unstable-log.js';

function ents(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++)
    out.push({ index: i, term, type: EntryType.Normal, data: new Uint8Array() });
  return out;
}

function logWith(stored: Entry[]): RaftLog {
  const s = new MemoryStorage();
  s.append(stored);
  return new RaftLog(s, Infinity);
}

void test('unstable: stableTo only for the term it was handed out with (a truncation in between wins)', () => {
  const u = new UnstableLog(5);
  u.truncateAndAppend(ents(5, 7, 1));
  u.truncateAndAppend(ents(6, 6, 2)); // a new leader replaced 6..7
  u.stableTo(7, 1); // the old Ready: 7@1 no longer exists
  assert.equal(u.offset, 5);
  assert.deepEqual(
    u.entries.map((e) => `${e.index}@${e.term}`),
    ['5@1', '6@2'],
  );
  u.stableTo(6, 2);
  assert.equal(u.offset, 7);
  assert.deepEqual(u.entries, []);
});

void test('unstable: replacing from before the offset supersedes stored entries', () => {
  const u = new UnstableLog(10);
  u.truncateAndAppend(ents(8, 9, 3));
  assert.equal(u.offset, 8);
  assert.equal(u.maybeLastIndex(), 9);
});

void test('log: term/lastIndex span storage and the unstable tail; compacted indexes have no term', () => {
  const s = new MemoryStorage();
  s.append(ents(1, 5, 1));
  s.createSnapshot(3, { voters: ['a'], learners: [] }, new Uint8Array());
  s.compact(3);
  const log = new RaftLog(s, Infinity);
  log.append(ents(6, 7, 2));
  assert.equal(log.firstIndex(), 4);
  assert.equal(log.lastIndex(), 7);
  assert.equal(log.term(3), 1);
  assert.equal(log.term(2), undefined);
  assert.equal(log.term(7), 2);
  assert.equal(log.term(8), undefined);
  assert.deepEqual(
    log.slice(4, 8, Infinity)?.map((e) => e.index),
    [4, 5, 6, 7],
  );
  assert.equal(log.slice(2, 8, Infinity), undefined);
  assert.equal(log.stableIndex(), 5);
});

void test('log: findConflict and findConflictByTerm (fast back-off skips a whole term)', () => {
  const log = logWith([...ents(1, 3, 1), ...ents(4, 8, 3)]);
  assert.equal(log.findConflict(ents(4, 6, 3)), 0);
  assert.equal(log.findConflict([...ents(7, 8, 3), ...ents(9, 9, 3)]), 9);
  assert.equal(log.findConflict(ents(5, 6, 4)), 5);
  assert.deepEqual(log.findConflictByTerm(8, 2), { index: 3, term: 1 });
  assert.deepEqual(log.findConflictByTerm(8, 3), { index: 8, term: 3 });
});

void test('log: never appends over a committed entry; commit never passes the last index', () => {
  const log = logWith(ents(1, 5, 1));
  log.commitTo(4);
  assert.throws(
    () => log.append(ents(4, 4, 2)),
    (e) => RaftError.is(e, 'INVARIANT'),
  );
  assert.throws(
    () => log.commitTo(6),
    (e) => RaftError.is(e, 'INVARIANT'),
  );
  log.commitTo(2); // never goes backwards
  assert.equal(log.committed, 4);
});

void test('log: maybeCommit only commits an entry of the given term (§5.4.2)', () => {
  const log = logWith([...ents(1, 2, 1), ...ents(3, 3, 2)]);
  assert.equal(log.maybeCommit(2, 2), false);
  assert.equal(log.committed, 0);
  assert.equal(log.maybeCommit(3, 2), true);
  assert.equal(log.committed, 3);
});

void test('log: isUpToDate compares last term first, then length', () => {
  const log = logWith([...ents(1, 2, 1), ...ents(3, 3, 2)]);
  assert.equal(log.isUpToDate(1, 3), true);
  assert.equal(log.isUpToDate(10, 1), false);
  assert.equal(log.isUpToDate(3, 2), true);
  assert.equal(log.isUpToDate(2, 2), false);
});

void test('log: committed entries are handed out in bounded batches from applied + 1', () => {
  const s = new MemoryStorage();
  s.append(ents(1, 10, 1));
  const log = new RaftLog(s, 16 * 3);
  log.commitTo(10);
  assert.deepEqual(
    log.nextCommittedEnts().map((e) => e.index),
    [1, 2, 3],
  );
  log.appliedTo(3);
  assert.deepEqual(
    log.nextCommittedEnts().map((e) => e.index),
    [4, 5, 6],
  );
  log.appliedTo(10);
  assert.equal(log.hasNextCommittedEnts(), false);
});
