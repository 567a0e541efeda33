import assert from 'node:assert/strict';
import test from 'node:test';
import { HeartbeatWindow } from '../../src/core/heartbeat-window.js';

void test('HeartbeatWindow: remembers the send time of the newest broadcasts only', () => {
  const w = new HeartbeatWindow(4);
  const seqs = [10, 20, 30, 40, 50, 60].map((t) => w.stamp(t));
  assert.deepEqual(seqs, [1, 2, 3, 4, 5, 6]);
  assert.equal(w.sentAt(6), 60);
  assert.equal(w.sentAt(3), 30);
  assert.equal(w.sentAt(2), undefined, 'overwritten by broadcast 6');
  assert.equal(w.sentAt(1), undefined);
  for (const bad of [0, -1, 7, 1.5, Number.NaN]) assert.equal(w.sentAt(bad), undefined, `seq ${bad}`);
});

void test('HeartbeatWindow: clear() forgets everything, and sequence numbers are never reused', () => {
  const w = new HeartbeatWindow(4);
  w.stamp(1);
  w.stamp(2);
  w.clear();
  assert.equal(w.sentAt(1), undefined);
  assert.equal(w.sentAt(2), undefined);
  assert.equal(w.stamp(3), 3);
  assert.equal(w.sentAt(3), 3);
});
