import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkHistory } from './check-history.js';
import { HistoryBuilder } from './history-builder.js';

const isCounterKey = (k: string): boolean => k.startsWith('c');

/** A small valid mixed history: register r, set s, counter c (stored as `<count>|<tag>`). */
function valid(): HistoryBuilder {
  return (
    new HistoryBuilder()
      // register: concurrent writes, reads see either order, a cas on the observed value
      .write(1, 'r', 'a', [0, 20])
      .write(2, 'r', 'b', [5, 25])
      .read(3, 'r', 'b', [10, 30])
      .read(4, 'r', 'b', [31, 35])
      .cas(4, 'r', 'b', 'c', [36, 40])
      // set: one acknowledged add, one indeterminate add that took effect, one definite failure
      .add(1, 's', 'e1', [0, 10])
      .add(2, 's', 'e2', [5, 60], 'info')
      .add(3, 's', 'e3', [7, 9], 'fail')
      .read(5, 's', ['e1'], [12, 14])
      // counter: two clients race on version 1; one CAS wins, the other gets a 400
      .read(6, 'c', null, [0, 2])
      .cas(6, 'c', null, '1|t1', [3, 6])
      .read(6, 'c', '1|t1', [7, 8])
      .read(7, 'c', '1|t1', [7, 9])
      .cas(6, 'c', '1|t1', '2|t2', [10, 15])
      .cas(7, 'c', '1|t1', '2|t3', [11, 16], 'fail')
      // an indeterminate increment that took effect after its client gave up
      .cas(6, 'c', '2|t2', '3|t4', [17, 18], 'info')
      // final reads after heal
      .read(9, 'r', 'c', [100, 101])
      .read(9, 's', ['e1', 'e2'], [100, 101])
      .read(9, 'c', '3|t4', [100, 101])
  );
}

void describe('checkHistory', () => {
  void it('accepts a valid mixed history (indeterminate ops that took effect, lost CAS races)', () => {
    const r = checkHistory(valid().build(), { isCounterKey });
    assert.equal(r.anomalies, 0, r.lines.join('\n'));
    assert.equal(r.undecided, 0, r.lines.join('\n'));
    assert.deepEqual(r.outcomes, { ok: 15, fail: 2, info: 2 });
    assert.equal(r.counter.counters[0]?.final?.value, 3);
    assert.equal(r.lines.length, 4);
  });

  void it('stale read: a read after a completed write returns the older value', () => {
    const r = checkHistory(valid().read(8, 'r', 'b', [45, 50]).build(), { isCounterKey });
    assert.ok(r.anomalies >= 1);
    assert.equal(r.linearizability.valid, false);
    assert.match(r.lines[0] ?? '', /INVALID/);
  });

  void it('lost write: an acknowledged add missing after heal; an acknowledged increment missing', () => {
    const lostAdd = valid().read(9, 's', ['e2'], [102, 103]).build();
    const r1 = checkHistory(lostAdd, { isCounterKey });
    assert.equal(r1.set.valid, false);
    assert.ok(r1.set.anomalies.some((x) => x.kind === 'lost'));
    // The final counter read returns 2 although increments up to 2 and an indeterminate third were
    // acknowledged around it… and the earlier final said 3: went backwards, and the register view
    // also sees a stale value.
    const lostInc = valid().read(9, 'c', '2|t2', [102, 103]).build();
    const r2 = checkHistory(lostInc, { isCounterKey });
    assert.equal(r2.counter.valid, false);
    assert.equal(r2.linearizability.valid, false);
    assert.ok(r2.anomalies >= 2);
  });

  void it('duplicate: a register value applied twice (it reappears after being overwritten)', () => {
    const h = new HistoryBuilder()
      .write(1, 'r', 'a', [0, 10])
      .write(2, 'r', 'b', [20, 30])
      .read(3, 'r', 'b', [40, 50])
      .read(3, 'r', 'a', [60, 70])
      .build();
    const r = checkHistory(h);
    assert.equal(r.linearizability.valid, false);
    assert.equal(r.anomalies, 1);
  });

  void it('duplicate: an element listed twice, and two acknowledged creates of one element', () => {
    const h = valid().add(8, 's', 'e1', [70, 80]).read(9, 's', ['e1', 'e1', 'e2'], [102, 103]).build();
    const r = checkHistory(h, { isCounterKey });
    const kinds = r.set.anomalies.map((x) => x.kind).sort();
    assert.deepEqual(kinds, ['duplicate', 'duplicate-add']);
    assert.equal(r.anomalies, 2);
  });

  void it('a definite failure that took effect counts (set element and register value)', () => {
    const h = valid()
      .read(9, 's', ['e1', 'e2', 'e3'], [102, 103])
      .write(8, 'r2', 'z', [0, 5], 'fail')
      .read(8, 'r2', 'z', [6, 7])
      .build();
    const r = checkHistory(h, { isCounterKey });
    assert.equal(r.definiteFailures.violations.length, 2);
    assert.ok(r.anomalies >= 3, 'definite failures + set + register');
  });

  void it('a counter increment acknowledged twice over (CAS not honoured): final above the bound', () => {
    const h = valid().read(9, 'c', '4|t9', [102, 103]).build();
    const r = checkHistory(h, { isCounterKey });
    assert.equal(r.counter.valid, false);
    assert.ok(r.counter.anomalies.some((x) => x.kind === 'final-out-of-bounds'));
  });

  void it('a set that was only ever listed is not judged as a register (found by tier C, F8)', () => {
    const h = valid().read(9, 'sy', [], [100, 101]).build();
    assert.equal(
      checkHistory(h, { isCounterKey }).linearizability.valid,
      false,
      'without isSetKey: phantom read',
    );
    const r = checkHistory(h, { isCounterKey, isSetKey: (k) => k.startsWith('s') });
    assert.equal(r.anomalies, 0, r.lines.join('\n'));
    assert.equal(r.undecided, 0);
  });

  void it('undecided: a set never read, a register out of search budget', () => {
    const h = new HistoryBuilder().add(1, 'sx', 'e', [0, 10]).build();
    const r = checkHistory(h);
    assert.equal(r.anomalies, 0);
    assert.equal(r.undecided, 1);
    assert.match(r.lines[1] ?? '', /UNKNOWN/);
  });
});
