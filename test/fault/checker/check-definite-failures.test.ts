import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkDefiniteFailures } from './check-definite-failures.js';
import { HistoryBuilder } from './history-builder.js';

void describe('checkDefiniteFailures', () => {
  void it('passes when failed writes are never observed', () => {
    const h = new HistoryBuilder()
      .write(1, 'x', 'a', [0, 10])
      .write(2, 'x', 'b', [20, 30], 'fail')
      .cas(3, 'x', 'zz', 'c', [20, 30], 'fail')
      .read(4, 'x', 'a', [40, 50])
      .build();
    const r = checkDefiniteFailures(h);
    assert.equal(r.valid, true);
    assert.equal(r.failedOps, 2);
  });

  void it('a failed write read back', () => {
    const h = new HistoryBuilder()
      .write(2, 'x', 'b', [0, 10], 'fail')
      .read(4, 'x', 'b', [40, 50])
      .read(4, 'x', 'b', [60, 70])
      .build();
    const r = checkDefiniteFailures(h);
    assert.equal(r.valid, false);
    assert.equal(r.violations.length, 1, 'reported once per value');
    assert.equal(r.violations[0]?.observedBy.id, 1);
    assert.match(r.violations[0]?.message ?? '', /failed definitely, yet .* observed its value "b"/);
  });

  void it('a failed cas whose value a successful cas expected (so it was the state)', () => {
    const h = new HistoryBuilder()
      .cas(1, 'x', null, 'b', [0, 10], 'fail')
      .cas(2, 'x', 'b', 'c', [20, 30])
      .build();
    assert.equal(checkDefiniteFailures(h).violations[0]?.observedBy.id, 1);
  });

  void it('a failed add listed by a set read', () => {
    const h = new HistoryBuilder()
      .add(1, 's', 'e1', [0, 10], 'fail')
      .op(2, { type: 'read', key: 's' }, [20, 30], 'ok', ['e1'])
      .build();
    assert.equal(checkDefiniteFailures(h).valid, false);
  });

  void it('values also written by a non-failed op are ambiguous, not violations; keys are separate', () => {
    const h = new HistoryBuilder()
      .write(1, 'x', 'b', [0, 10], 'fail')
      .write(2, 'x', 'b', [20, 30], 'info')
      .read(3, 'x', 'b', [40, 50])
      .read(3, 'y', 'b', [40, 50])
      .build();
    const r = checkDefiniteFailures(h);
    assert.equal(r.valid, true);
    assert.deepEqual(r.ambiguous, ['x: "b"']);
  });
});
