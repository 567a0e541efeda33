import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HistoryBuilder } from './history-builder.js';
import { registerProblem } from './register-problem.js';

void describe('registerProblem', () => {
  const opts = { initial: null, origin: 0 };

  void it('drops definite failures, indeterminate reads and indeterminate writes nobody observed', () => {
    const h = new HistoryBuilder()
      .write(1, 'x', 'a', [0, 10])
      .write(1, 'x', 'lost-in-timeout', [20, 30], 'info')
      .write(1, 'x', 'seen-after-timeout', [20, 30], 'info')
      .write(1, 'x', 'refused', [20, 30], 'fail')
      .read(2, 'x', null, [20, 30], 'info')
      .read(2, 'x', 'seen-after-timeout', [40, 50])
      .build();
    const p = registerProblem(h, opts);
    assert.deepEqual(
      p.ops.map((op) => op.op.value ?? `read ${String(op.result)}`),
      ['a', 'seen-after-timeout', 'read seen-after-timeout'],
    );
    assert.deepEqual(Array.from(p.complete), [10, Infinity, 50]);
    assert.deepEqual(Array.from(p.readOnly ?? []), [0, 0, 1]);
  });

  void it('keeps unobserved indeterminate writes when a "not swapped" cas could observe a change', () => {
    const h = new HistoryBuilder()
      .write(1, 'x', 'b', [20, 30], 'info')
      .op(2, { type: 'cas', key: 'x', expected: null, value: 'c' }, [40, 50], 'ok', false)
      .build();
    assert.equal(registerProblem(h, opts).size, 2);
  });

  void it('models read / write / cas, and refuses to overwrite a value a pending read still needs', () => {
    const h = new HistoryBuilder()
      .write(1, 'x', 'a', [0, 10])
      .write(2, 'x', 'b', [0, 10])
      .read(3, 'x', 'a', [20, 30])
      .cas(4, 'x', 'a', 'c', [20, 30])
      .build();
    const p = registerProblem(h, opts);
    const [a, b, c] = [1, 2, 3]; // state ids: 0 = null (initial), then values in order of appearance
    assert.equal(p.values[a], 'a');
    assert.equal(p.step(0, p.init), a);
    // While the write of a is itself pending, a could still (re)appear: overwriting is allowed.
    assert.equal(p.step(1, a), b);
    p.enter?.(0); // the write of a is linearized
    assert.equal(p.step(2, a), a, 'read a in state a');
    assert.equal(p.step(2, b), -1, 'read a in state b');
    assert.equal(p.step(3, b), -1, 'cas a→c in state b');
    // Overwriting a while the read of a and the cas expecting a are pending, and no one can write a again: pruned.
    assert.equal(p.step(1, a), -1);
    p.enter?.(2); // the read of a is linearized; the cas (itself an observer of a) may now swap
    assert.equal(p.step(3, a), c);
    assert.equal(p.step(1, a), -1, 'still one pending observer: the cas');
    p.enter?.(3);
    assert.equal(p.step(1, c), b);
    p.leave?.(3);
    assert.equal(p.step(1, a), -1);
  });

  void it('probes: observedAs replaces a read result or a cas expectation; indefinite cuts an op', () => {
    const h = new HistoryBuilder().write(1, 'x', 'a', [0, 10]).read(2, 'x', 'zzz', [20, 30]).build();
    const p = registerProblem(h, { ...opts, observedAs: new Map([[1, 'a']]), indefinite: new Set([0]) });
    assert.equal(p.values[p.init], null);
    assert.deepEqual(Array.from(p.complete), [Infinity, 30]);
    assert.ok(p.step(1, 1) === 1 && p.values[1] === 'a');
  });
});
