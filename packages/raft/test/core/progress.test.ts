import assert from 'node:assert/strict';
import test from 'node:test';
import { Inflights } from '../../src/core/inflights.js';
import { Progress, ProgressState } from '../../src/core/progress.js';

void test('inflights: bounded by message count and by bytes; freed by acknowledgement', () => {
  const f = new Inflights(3, 100);
  f.add(5, 10);
  f.add(7, 10);
  assert.equal(f.full(), false);
  f.add(9, 10);
  assert.equal(f.full(), true, 'count limit');
  f.freeLE(7);
  assert.equal(f.count, 1);
  assert.equal(f.bytes, 10);
  f.add(12, 95);
  assert.equal(f.full(), true, 'byte limit');
  f.freeFirstOne();
  assert.equal(f.count, 1);
  f.freeLE(100);
  assert.equal(f.count, 0);
  assert.equal(f.bytes, 0);
  // Wraps around the ring.
  for (let i = 0; i < 10; i++) {
    f.add(200 + i, 1);
    f.freeLE(200 + i);
  }
  assert.equal(f.count, 0);
});

void test('progress: probe sends one at a time; an ack switches to pipelined replicate', () => {
  const pr = new Progress(11, false, 2, 0);
  assert.equal(pr.state, ProgressState.Probe);
  pr.probeSent = true;
  assert.equal(pr.isPaused(), true);
  assert.equal(pr.maybeUpdate(10), true);
  assert.equal(pr.isPaused(), false);
  pr.becomeReplicate();
  assert.equal(pr.next, 11);
  pr.optimisticUpdate(15);
  pr.inflights.add(15, 1);
  pr.optimisticUpdate(20);
  pr.inflights.add(20, 1);
  assert.equal(pr.isPaused(), true, 'window of 2 is full');
});

void test('progress: rejections back off to the hint; stale rejections are ignored', () => {
  const pr = new Progress(21, false, 8, 0);
  assert.equal(pr.maybeDecrTo(15, 5), false, 'probe rejection for another index is stale');
  assert.equal(pr.maybeDecrTo(20, 5), true);
  assert.equal(pr.next, 6);
  pr.maybeUpdate(8);
  pr.becomeReplicate();
  pr.optimisticUpdate(30);
  assert.equal(pr.maybeDecrTo(7, 0), false, 'below match: stale');
  assert.equal(pr.maybeDecrTo(25, 0), true);
  assert.equal(pr.next, 9, 'replicate falls back to match + 1');
});

void test('progress: after a snapshot, probing resumes after it', () => {
  const pr = new Progress(1, false, 8, 0);
  pr.becomeSnapshot(50);
  assert.equal(pr.isPaused(), true);
  pr.becomeProbe();
  assert.equal(pr.next, 51);
});
