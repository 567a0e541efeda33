import assert from 'node:assert/strict';
import test from 'node:test';
import {
  ConfChangeType,
  EntryType,
  RaftError,
  decodeConfChange,
  encodeConfChange,
} from '../../src/core/index.js';
import type { ConfChange, Entry } from '../../src/core/index.js';
import { ConfigHistory } from '../../src/core/config-history.js';
import { Membership } from '../../src/core/membership.js';

const ctx = new TextEncoder().encode('10.0.0.4:8201');

function ccEntry(index: number, cc: ConfChange): Entry {
  return { index, term: 1, type: EntryType.ConfChange, data: encodeConfChange(cc) };
}

void test('ConfChange round-trips through its binary encoding; corrupt data is an invariant error', () => {
  for (const type of [ConfChangeType.AddVoter, ConfChangeType.AddLearner, ConfChangeType.RemoveNode]) {
    const cc: ConfChange = { type, nodeId: 'nöde-é', context: ctx };
    assert.deepEqual(decodeConfChange(encodeConfChange(cc)), cc);
  }
  assert.throws(
    () => decodeConfChange(new Uint8Array([9, 0, 0, 1, 65])),
    (e) => RaftError.is(e, 'INVARIANT'),
  );
  assert.throws(
    () => decodeConfChange(new Uint8Array([1, 7, 0, 1, 65])),
    (e) => RaftError.is(e, 'INVARIANT'),
  );
  assert.throws(
    () => decodeConfChange(new Uint8Array([1, 0, 0, 9, 65])),
    (e) => RaftError.is(e, 'INVARIANT'),
  );
  assert.throws(
    () => encodeConfChange({ type: ConfChangeType.AddVoter, nodeId: '', context: ctx }),
    (e) => RaftError.is(e, 'INVALID_CONF_CHANGE'),
  );
});

void test('membership: add, promote, demote and remove; quorum is a majority of voters', () => {
  let m = Membership.fromConfState({ voters: ['a', 'b', 'c'], learners: [] });
  assert.equal(m.quorum, 2);
  m = m.apply({ type: ConfChangeType.AddLearner, nodeId: 'd', context: ctx });
  assert.equal(m.isLearner('d'), true);
  assert.equal(m.quorum, 2, 'learners do not count');
  m = m.apply({ type: ConfChangeType.AddVoter, nodeId: 'd', context: ctx });
  assert.equal(m.isVoter('d'), true);
  assert.equal(m.isLearner('d'), false);
  assert.equal(m.quorum, 3);
  m = m.apply({ type: ConfChangeType.AddLearner, nodeId: 'a', context: ctx });
  assert.deepEqual(m.toConfState(), { voters: ['b', 'c', 'd'], learners: ['a'] });
  m = m.apply({ type: ConfChangeType.RemoveNode, nodeId: 'a', context: ctx });
  assert.deepEqual(m.toConfState(), { voters: ['b', 'c', 'd'], learners: [] });
});

void test('config history: a change takes effect when appended and is undone by truncation', () => {
  const base = Membership.fromConfState({ voters: ['a', 'b', 'c'], learners: [] });
  const h = new ConfigHistory(10, base);
  assert.equal(h.append([ccEntry(11, { type: ConfChangeType.AddVoter, nodeId: 'd', context: ctx })]), true);
  assert.equal(h.latest().isVoter('d'), true);
  assert.equal(h.latestIndex(), 11);
  assert.equal(h.at(10), base);
  // A new leader overwrites index 11 with a normal entry: back to the base configuration.
  assert.equal(h.append([{ index: 11, term: 2, type: EntryType.Normal, data: new Uint8Array() }]), true);
  assert.equal(h.latest(), base);
  assert.throws(() =>
    h.append([ccEntry(10, { type: ConfChangeType.RemoveNode, nodeId: 'a', context: ctx })]),
  );
  h.append([ccEntry(12, { type: ConfChangeType.RemoveNode, nodeId: 'c', context: ctx })]);
  h.compact(20);
  assert.equal(h.latest().isVoter('c'), false);
  assert.equal(h.at(5).isVoter('c'), false, 'compaction keeps the configuration in effect as the new base');
});
