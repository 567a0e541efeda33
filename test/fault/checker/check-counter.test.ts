import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCounter } from './check-counter.js';
import { HistoryBuilder } from './history-builder.js';

void describe('checkCounter', () => {
  const base = (): HistoryBuilder => {
    const b = new HistoryBuilder();
    for (let i = 0; i < 5; i++) b.increment(1, 'c', 1, [i * 10, i * 10 + 5]);
    b.increment(2, 'c', 1, [0, 60], 'info')
      .increment(3, 'c', 1, [0, 60], 'info')
      .increment(4, 'c', 1, [0, 60], 'fail');
    return b;
  };

  void it('accepts a final value within [acknowledged, acknowledged + indeterminate]', () => {
    for (const final of [5, 6, 7]) {
      const r = checkCounter(base().read(9, 'c', final, [100, 110]).build());
      assert.equal(r.valid, true, JSON.stringify(r.anomalies));
      assert.deepEqual(r.counters[0]?.final, { value: final, lower: 5, upper: 7 });
      assert.equal(r.counters[0]?.okIncrements, 5);
    }
  });

  void it('final below the acknowledged count (lost increment) or above it plus indeterminate ones', () => {
    for (const final of [4, 8]) {
      const r = checkCounter(base().read(9, 'c', final, [100, 110]).build());
      assert.equal(r.valid, false);
      assert.equal(r.anomalies[0]?.kind, 'final-out-of-bounds');
      assert.equal(r.anomalies[0]?.lower, 5);
      assert.equal(r.anomalies[0]?.upper, 7);
    }
  });

  void it('bounds intermediate reads by what completed before and what was invoked during', () => {
    const b = new HistoryBuilder().increment(1, 'c', 1, [0, 10]).increment(2, 'c', 1, [20, 40]);
    const ok = b.read(3, 'c', 1, [15, 25]).read(3, 'c', 2, [30, 35]).read(4, 'c', 2, [50, 60]).build();
    assert.equal(checkCounter(ok).valid, true);
    const early = new HistoryBuilder()
      .increment(1, 'c', 1, [0, 10])
      .read(3, 'c', 2, [15, 25])
      .increment(2, 'c', 1, [30, 40]);
    const r = checkCounter(early.read(4, 'c', 2, [50, 60]).build());
    assert.deepEqual(
      r.anomalies.map((a) => [a.kind, a.value, a.lower, a.upper]),
      [['read-out-of-bounds', 2, 1, 1]],
    );
  });

  void it('nonmonotonic: a read that went backwards', () => {
    const b = new HistoryBuilder().increment(1, 'c', 1, [0, 100]).increment(2, 'c', 1, [0, 100]);
    const r = checkCounter(
      b.read(3, 'c', 2, [10, 20]).read(4, 'c', 1, [30, 40]).read(4, 'c', 2, [200, 210]).build(),
    );
    assert.deepEqual(
      r.anomalies.map((a) => a.kind),
      ['nonmonotonic'],
    );
    assert.equal(r.anomalies[0]?.earlier?.result, 2);
  });

  void it('negative deltas widen the lower bound; no monotonicity check then', () => {
    const b = new HistoryBuilder().increment(1, 'c', 5, [0, 10]).increment(2, 'c', -3, [20, 100], 'info');
    const r = checkCounter(
      b.read(3, 'c', 5, [30, 40]).read(3, 'c', 2, [50, 60]).read(4, 'c', 2, [200, 210]).build(),
    );
    assert.equal(r.valid, true, JSON.stringify(r.anomalies));
    assert.deepEqual(r.counters[0]?.final, { value: 2, lower: 2, upper: 5 });
  });

  void it('honours a non-zero initial value; unknown without a read; rejects non-numeric data', () => {
    assert.equal(
      checkCounter(new HistoryBuilder().increment(1, 'c', 1, [0, 10]).read(2, 'c', 11, [20, 30]).build(), {
        initial: 10,
      }).valid,
      true,
    );
    assert.equal(checkCounter(new HistoryBuilder().increment(1, 'c', 1, [0, 10]).build()).valid, 'unknown');
    assert.throws(
      () =>
        checkCounter(new HistoryBuilder().increment(1, 'c', 1, [0, 10]).read(2, 'c', 'x', [20, 30]).build()),
      /non-numeric result/,
    );
  });
});
