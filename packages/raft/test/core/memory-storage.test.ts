import assert from 'node:assert/strict';
import test from 'node:test';
import { EntryType, MemoryStorage, RaftError } from '../../src/core/index.js';
import type { Entry } from '../../src/core/index.js';

function ents(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++)
    out.push({ index: i, term, type: EntryType.Normal, data: new Uint8Array([i]) });
  return out;
}

const conf = { voters: ['a', 'b', 'c'], learners: [] };

void test('an empty storage starts at index 1 with term 0 at the dummy index 0', () => {
  const s = new MemoryStorage();
  assert.equal(s.firstIndex(), 1);
  assert.equal(s.lastIndex(), 0);
  assert.equal(s.term(0), 0);
  assert.deepEqual(s.entries(1, 1, Infinity), []);
  assert.deepEqual(s.initialState().hardState, { term: 0, vote: '', commit: 0 });
});

void test('append replaces a conflicting suffix and ignores compacted entries', () => {
  const s = new MemoryStorage();
  s.append(ents(1, 5, 1));
  assert.equal(s.lastIndex(), 5);
  s.append(ents(4, 6, 2));
  assert.equal(s.lastIndex(), 6);
  assert.deepEqual(
    s.entries(1, 7, Infinity).map((e) => e.term),
    [1, 1, 1, 2, 2, 2],
  );
  s.append(ents(3, 3, 3)); // truncates 4..6
  assert.equal(s.lastIndex(), 3);
  assert.throws(
    () => s.append(ents(5, 6, 3)),
    (e) => RaftError.is(e, 'INVARIANT'),
  );
});

void test('entries honours the byte limit but always returns at least one entry', () => {
  const s = new MemoryStorage();
  s.append(ents(1, 10, 1));
  assert.equal(s.entries(1, 11, 1).length, 1);
  assert.equal(s.entries(1, 11, 17 * 3).length, 3);
  assert.throws(
    () => s.entries(1, 12, Infinity),
    (e) => RaftError.is(e, 'UNAVAILABLE'),
  );
});

void test('createSnapshot + compact: reads below the compaction point report COMPACTED', () => {
  const s = new MemoryStorage();
  s.append(ents(1, 10, 2));
  const snap = s.createSnapshot(8, conf, new Uint8Array([42]));
  assert.equal(snap.metadata.term, 2);
  assert.throws(
    () => s.compact(9),
    (e) => RaftError.is(e, 'UNAVAILABLE'),
    'cannot compact past the snapshot',
  );
  s.compact(6);
  assert.equal(s.firstIndex(), 7);
  assert.equal(s.term(6), 2, 'the compaction point keeps its term');
  assert.throws(
    () => s.term(5),
    (e) => RaftError.is(e, 'COMPACTED'),
  );
  assert.throws(
    () => s.entries(6, 8, Infinity),
    (e) => RaftError.is(e, 'COMPACTED'),
  );
  assert.deepEqual(s.initialState().confState, conf);
  s.compact(3); // at or below the compaction point: no-op
  assert.equal(s.firstIndex(), 7);
  assert.throws(
    () => s.createSnapshot(8, conf, new Uint8Array()),
    (e) => RaftError.is(e, 'SNAPSHOT_OUT_OF_DATE'),
  );
});

void test('applySnapshot replaces the log; the same snapshot again keeps it; an older one is refused', () => {
  const s = new MemoryStorage();
  s.append(ents(1, 3, 1));
  const snap = { metadata: { index: 20, term: 4, confState: conf }, data: new Uint8Array() };
  s.applySnapshot(snap);
  assert.equal(s.firstIndex(), 21);
  assert.equal(s.lastIndex(), 20);
  assert.equal(s.term(20), 4);
  s.append(ents(21, 22, 4));
  s.applySnapshot(snap); // a restarted node re-installing what it holds
  assert.equal(s.lastIndex(), 22);
  assert.throws(
    () => s.applySnapshot({ metadata: { index: 10, term: 2, confState: conf }, data: new Uint8Array() }),
    (e) => RaftError.is(e, 'SNAPSHOT_OUT_OF_DATE'),
  );
});
