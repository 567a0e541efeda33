import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countOf, counterView } from './counter-view.js';
import { HistoryBuilder } from './history-builder.js';

void describe('counterView', () => {
  void it('reads become counts, cas/write become increments; other keys are dropped', () => {
    const h = new HistoryBuilder()
      .read(1, 'c', null, [0, 5])
      .cas(1, 'c', null, '1|t1', [6, 10])
      .read(2, 'c', '1|t1', [11, 12])
      .cas(2, 'c', '1|t1', '2|t2', [13, 20], 'fail')
      .cas(3, 'c', '1|t1', '2|t3', [14, 21], 'info')
      .read(4, 'c', undefined as unknown as null, [22, 23], 'info')
      .write(5, 'r', 'x', [0, 1])
      .build();
    const v = counterView(h, (k) => k === 'c');
    assert.equal(v.length, 6);
    assert.deepEqual(
      v.map((o) => [o.op.type, o.op.value ?? null, o.outcome, o.result ?? null]),
      [
        ['read', null, 'ok', 0],
        ['increment', 1, 'ok', null],
        ['read', null, 'ok', 1],
        ['increment', 1, 'fail', null],
        ['increment', 1, 'info', null],
        ['read', null, 'info', null],
      ],
    );
    assert.equal(v[1]?.invokeNs, 6, 'keeps times');
  });

  void it('countOf: absent is 0, a value without a count is refused', () => {
    assert.equal(countOf(null), 0);
    assert.equal(countOf('17|cnry-1'), 17);
    assert.throws(() => countOf('x|y'), /not a counter value/);
  });
});
