import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkRegisterLinearizability,
  type LinearizabilityResult,
} from './check-register-linearizability.js';
import type { RegisterViolation } from './explain-register-violation.js';
import { HistoryBuilder } from './history-builder.js';
import type { HistoryOp } from './history-op.js';

function violation(r: LinearizabilityResult): RegisterViolation {
  assert.equal(r.valid, false, 'expected a violation');
  if (r.valid !== false) throw new Error('unreachable');
  return r.explanation;
}

function assertValid(h: HistoryOp[], initial?: number | string | null): void {
  const r = checkRegisterLinearizability(h, initial !== undefined ? { initial } : {});
  assert.equal(
    r.valid,
    true,
    r.valid === false ? r.explanation.message : r.valid === 'unknown' ? r.reason : '',
  );
}

void describe('checkRegisterLinearizability', () => {
  void describe('finds anomalies', () => {
    void it('Porcupine README example 2: a read sees the write, a later read does not', () => {
      const h = new HistoryBuilder()
        .write(0, 'x', 200, [0, 100])
        .read(1, 'x', 200, [10, 30])
        .read(2, 'x', 0, [40, 90])
        .build();
      const v = violation(checkRegisterLinearizability(h, { initial: 0 }));
      assert.equal(v.op?.id, 2);
      assert.equal(v.kind, 'stale-read');
      assert.deepEqual(v.legalObservations, [200]);
    });

    void it('stale read: an old value after a newer write completed', () => {
      const h = new HistoryBuilder()
        .write(1, 'x', 'a', [0, 10])
        .write(1, 'x', 'b', [20, 30])
        .read(2, 'x', 'b', [35, 38])
        .read(3, 'x', 'a', [40, 50])
        .build();
      const v = violation(checkRegisterLinearizability(h));
      assert.equal(v.kind, 'stale-read');
      assert.equal(v.op?.id, 3);
      assert.deepEqual(v.legalObservations, ['b']);
      assert.ok(v.overwrittenBy, 'names the newer write');
      assert.match(v.message, /stale-read: #3 .*read x → "a"/);
      assert.equal(v.prefixOps, 4);
    });

    void it('stale read of the initial value after a completed write', () => {
      const h = new HistoryBuilder()
        .write(1, 'x', 'a', [0, 10])
        .read(2, 'x', null, [20, 30])
        .read(2, 'x', 'a', [40, 50])
        .build();
      const v = violation(checkRegisterLinearizability(h));
      assert.equal(v.kind, 'stale-read');
      assert.equal(v.overwrittenBy?.id, 0);
      // Without the later read, the write was never seen at all: a lost write.
      const lost = new HistoryBuilder().write(1, 'x', 'a', [0, 10]).read(2, 'x', null, [20, 30]).build();
      assert.equal(violation(checkRegisterLinearizability(lost)).kind, 'lost-write');
    });

    void it('lost write: an acknowledged write never seen while later reads see the older value', () => {
      const h = new HistoryBuilder()
        .write(1, 'x', 'a', [0, 10])
        .write(2, 'x', 'b', [20, 30])
        .read(3, 'x', 'a', [40, 50])
        .read(3, 'x', 'a', [60, 70])
        .build();
      const v = violation(checkRegisterLinearizability(h));
      assert.equal(v.kind, 'lost-write');
      assert.equal(v.overwrittenBy?.op.value, 'b');
      assert.equal(v.op?.id, 2, 'the first read that should have seen b');
    });

    void it('read of a value never written', () => {
      const h = new HistoryBuilder().write(1, 'x', 'a', [0, 10]).read(2, 'x', 'zzz', [20, 30]).build();
      const v = violation(checkRegisterLinearizability(h));
      assert.equal(v.kind, 'phantom-read');
      assert.deepEqual(v.legalObservations, ['a']);
    });

    void it('read of a value from the future (its write began after the read ended)', () => {
      const h = new HistoryBuilder().read(1, 'x', 'b', [0, 10]).write(2, 'x', 'b', [20, 30]).build();
      assert.equal(violation(checkRegisterLinearizability(h)).kind, 'future-read');
    });

    void it('a definite failure that took effect', () => {
      const h = new HistoryBuilder()
        .write(1, 'x', 'a', [0, 10])
        .write(2, 'x', 'b', [20, 30], 'fail')
        .read(3, 'x', 'b', [40, 50])
        .build();
      const v = violation(checkRegisterLinearizability(h));
      assert.equal(v.kind, 'failed-write-observed');
      assert.match(v.message, /written only by failed op\(s\) #1/);
    });

    void it('cas that succeeded on the wrong state', () => {
      const h = new HistoryBuilder()
        .write(1, 'x', 'a', [0, 10])
        .write(1, 'x', 'b', [20, 30])
        .cas(2, 'x', 'a', 'c', [40, 50])
        .build();
      const v = violation(checkRegisterLinearizability(h));
      assert.equal(v.kind, 'cas-wrong-state');
      assert.deepEqual(v.legalObservations, ['b']);
    });

    void it('cas reporting "not swapped" although the state matched', () => {
      const h = new HistoryBuilder()
        .write(1, 'x', 'a', [0, 10])
        .op(2, { type: 'cas', key: 'x', expected: 'a', value: 'c' }, [20, 30], 'ok', false)
        .build();
      assert.equal(checkRegisterLinearizability(h).valid, false);
    });

    void it('two readers disagreeing on the order of two concurrent writes', () => {
      const h = new HistoryBuilder()
        .write(1, 'x', 'a', [0, 100])
        .write(2, 'x', 'b', [0, 100])
        .read(3, 'x', 'a', [10, 20])
        .read(3, 'x', 'b', [30, 40])
        .read(4, 'x', 'b', [10, 20])
        .read(4, 'x', 'a', [30, 40])
        .build();
      const v = violation(checkRegisterLinearizability(h));
      // Neither write had completed, so no single op is "the newer write": no simpler name.
      assert.equal(v.kind, 'not-linearizable');
      assert.equal(v.prefixOps, 6);
      assert.equal(v.op?.completeNs, 40);
    });

    void it('reports every failing key, and only those', () => {
      const h = new HistoryBuilder()
        .write(1, 'good', 'a', [0, 10])
        .read(2, 'good', 'a', [20, 30])
        .write(1, 'bad1', 'a', [0, 10])
        .read(2, 'bad1', null, [20, 30])
        .write(1, 'bad2', 'a', [0, 10])
        .read(2, 'bad2', 'q', [20, 30])
        .build();
      const r = checkRegisterLinearizability(h);
      assert.equal(r.valid, false);
      if (r.valid !== false) return;
      assert.deepEqual(r.failures.map((f) => f.key).sort(), ['bad1', 'bad2']);
      assert.equal(r.stats.keys, 3);
    });

    void it('names the window: the op, the write it missed, and the ops between', () => {
      const b = new HistoryBuilder();
      for (let i = 0; i < 50; i++)
        b.write(1, 'x', `v${i}`, [i * 10, i * 10 + 5]).read(2, 'x', `v${i}`, [i * 10 + 6, i * 10 + 8]);
      b.read(3, 'x', 'v10', [600, 610]);
      const v = violation(checkRegisterLinearizability(b.build()));
      assert.equal(v.kind, 'stale-read');
      assert.equal(v.op?.op.type, 'read');
      assert.equal(v.op?.result, 'v10');
      assert.deepEqual(v.legalObservations, ['v49']);
      assert.equal(v.overwrittenBy?.op.value, 'v49');
      // From the write of v10 up to the bad read, capped.
      assert.ok(v.window.length <= 40 && v.window.length >= 3, `window ${v.window.length}`);
      assert.ok(v.window.some((op) => op.op.value === 'v10'));
      assert.equal(v.lines.length, v.window.length);
      assert.ok(v.longestLinearization.length > 0);
    });
  });

  void describe('accepts valid histories', () => {
    void it('Porcupine README example 1: concurrent reads see the old and the new value', () => {
      const h = new HistoryBuilder()
        .write(0, 'x', 100, [0, 100])
        .read(1, 'x', 100, [25, 75])
        .read(2, 'x', 0, [30, 60])
        .build();
      assertValid(h, 0);
    });

    void it('concurrent writes, reads seeing either order', () => {
      for (const [first, second] of [
        ['a', 'b'],
        ['b', 'a'],
      ] as const) {
        const h = new HistoryBuilder()
          .write(1, 'x', 'a', [0, 100])
          .write(2, 'x', 'b', [0, 100])
          .read(3, 'x', first, [10, 20])
          .read(3, 'x', second, [30, 40])
          .read(4, 'x', second, [110, 120])
          .build();
        assertValid(h);
      }
    });

    void it('a read concurrent with a write may return the old or the new value', () => {
      for (const seen of ['a', 'b']) {
        const h = new HistoryBuilder()
          .write(1, 'x', 'a', [0, 10])
          .write(1, 'x', 'b', [20, 60])
          .read(2, 'x', seen, [30, 40])
          .build();
        assertValid(h);
      }
      // ... and an earlier concurrent read may see the new value while a later one (still concurrent) sees it too.
      const h = new HistoryBuilder()
        .write(1, 'x', 'a', [0, 10])
        .write(1, 'x', 'b', [20, 60])
        .read(2, 'x', 'a', [30, 40])
        .read(3, 'x', 'b', [30, 50])
        .read(2, 'x', 'b', [45, 55])
        .build();
      assertValid(h);
    });

    void it('an indeterminate write that took effect, even after the client gave up', () => {
      assertValid(
        new HistoryBuilder()
          .write(1, 'x', 'a', [0, 10])
          .write(2, 'x', 'b', [20, 30], 'info')
          .read(3, 'x', 'b', [40, 50])
          .build(),
      );
      assertValid(
        new HistoryBuilder()
          .write(1, 'x', 'a', [0, 10])
          .write(2, 'x', 'b', [20, 30], 'info')
          .read(3, 'x', 'a', [40, 50])
          .read(3, 'x', 'b', [500, 510])
          .build(),
      );
    });

    void it('an indeterminate write that never took effect', () => {
      assertValid(
        new HistoryBuilder()
          .write(1, 'x', 'a', [0, 10])
          .write(2, 'x', 'b', [20, 30], 'info')
          .read(3, 'x', 'a', [40, 50])
          .read(3, 'x', 'a', [500, 510])
          .build(),
      );
    });

    void it('indeterminate cas: took effect, or did not', () => {
      const base = () =>
        new HistoryBuilder().write(1, 'x', 'a', [0, 10]).cas(2, 'x', 'a', 'b', [20, 30], 'info');
      assertValid(base().read(3, 'x', 'b', [40, 50]).build());
      assertValid(base().read(3, 'x', 'a', [40, 50]).build());
      // Its value was read, then overwritten: it took effect between.
      assertValid(
        base().read(3, 'x', 'b', [40, 50]).write(1, 'x', 'c', [60, 70]).read(3, 'x', 'c', [80, 90]).build(),
      );
    });

    void it('an indeterminate write cannot take effect before it was invoked', () => {
      const h = new HistoryBuilder().read(3, 'x', 'b', [0, 10]).write(2, 'x', 'b', [20, 30], 'info').build();
      assert.equal(checkRegisterLinearizability(h).valid, false);
    });

    void it('a long chain of overlapping writes whose order only the reads reveal (needs backtracking)', () => {
      const n = 30;
      const b = new HistoryBuilder();
      for (let i = 0; i < n; i++) b.write(i, 'x', `w${i}`, [0, 10_000]);
      // Reads observe the writes in reverse invocation order: the search's first guesses are all wrong.
      for (let i = 0; i < n; i++) b.read(100, 'x', `w${n - 1 - i}`, [100 + i * 100, 150 + i * 100]);
      b.read(100, 'x', 'w0', [20_000, 20_010]);
      const r = checkRegisterLinearizability(b.build());
      assert.equal(r.valid, true);
      // Moving one read out of order makes it impossible.
      b.read(101, 'x', 'w29', [20_100, 20_110]);
      assert.equal(checkRegisterLinearizability(b.build()).valid, false);
    });

    void it('treats equal timestamps as concurrent, never as ordered', () => {
      assertValid(new HistoryBuilder().write(1, 'x', 'a', [0, 10]).read(2, 'x', null, [10, 20]).build());
    });

    void it('ignores definite failures and indeterminate reads; honours a custom initial value', () => {
      const h = new HistoryBuilder()
        .write(1, 'x', 'zz', [0, 10], 'fail')
        .read(2, 'x', null, [0, 10], 'info')
        .read(2, 'x', 0, [20, 30])
        .cas(3, 'x', 5, 6, [20, 30], 'fail')
        .build();
      assertValid(h, 0);
    });

    void it('accepts the empty history and skips non-register keys', () => {
      assert.equal(checkRegisterLinearizability([]).valid, true);
      const h = new HistoryBuilder().add(1, 'set', 'e1', [0, 10]).write(1, 'x', 'a', [0, 10]).build();
      const r = checkRegisterLinearizability(h);
      assert.equal(r.valid, true);
      assert.deepEqual(r.stats.skippedKeys, ['set']);
    });
  });

  void describe('budget', () => {
    void it('returns unknown, with a reason, when the step budget runs out', () => {
      const b = new HistoryBuilder();
      for (let i = 0; i < 30; i++) b.write(i, 'x', `w${i}`, [0, 10_000]);
      for (let i = 0; i < 30; i++) b.read(100, 'x', `w${29 - i}`, [100 + i * 100, 150 + i * 100]);
      const r = checkRegisterLinearizability(b.build(), { maxStepsPerKey: 50 });
      assert.equal(r.valid, 'unknown');
      if (r.valid !== 'unknown') return;
      assert.deepEqual(r.unknownKeys, ['x']);
      assert.match(r.reason, /step budget 50 exhausted/);
    });

    void it('a violation on one key wins over unknown on another', () => {
      const b = new HistoryBuilder();
      for (let i = 0; i < 30; i++) b.write(i, 'x', `w${i}`, [0, 10_000]);
      for (let i = 0; i < 30; i++) b.read(100, 'x', `w${29 - i}`, [100 + i * 100, 150 + i * 100]);
      b.write(1, 'y', 'a', [0, 10]).read(2, 'y', 'q', [20, 30]);
      const r = checkRegisterLinearizability(b.build(), { maxStepsPerKey: 50 });
      assert.equal(r.valid, false);
      if (r.valid !== false) return;
      assert.equal(r.key, 'y');
      assert.deepEqual(r.unknownKeys, ['x']);
    });
  });
});
