import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HistoryOp } from './history-op.js';
import { partitionByKey } from './partition-by-key.js';
import { registerProblem } from './register-problem.js';
import { simulateRegisterHistory } from './simulate-register-history.js';
import { wglSearch, type WglBudget, type WglProblem } from './wgl-search.js';

const unlimited = (): WglBudget => ({ maxSteps: 1e9, maxConfigs: 1e9, deadlineMs: Infinity });

/** A counter with a "read" op (returns value v) and "add d" ops: generic integer states. */
function counterProblem(ops: { kind: 'add' | 'read'; v: number; span: [number, number] }[]): WglProblem {
  return {
    size: ops.length,
    invoke: Float64Array.from(ops, (o) => o.span[0]),
    complete: Float64Array.from(ops, (o) => o.span[1]),
    init: 0,
    readOnly: Uint8Array.from(ops, (o) => (o.kind === 'read' ? 1 : 0)),
    step(i: number, s: number): number {
      const o = ops[i];
      if (!o) return -1;
      return o.kind === 'add' ? s + o.v : s === o.v ? s : -1;
    },
  };
}

void describe('wglSearch', () => {
  void it('works with any integer-state model, not just registers', () => {
    const ok = counterProblem([
      { kind: 'add', v: 1, span: [0, 10] },
      { kind: 'add', v: 2, span: [0, 10] },
      { kind: 'read', v: 2, span: [1, 5] },
      { kind: 'read', v: 3, span: [20, 30] },
    ]);
    const r = wglSearch(ok, unlimited());
    assert.equal(r.kind, 'linearizable');
    if (r.kind === 'linearizable') assert.deepEqual(r.order, [1, 2, 0, 3]);
    const bad = counterProblem([
      { kind: 'add', v: 1, span: [0, 10] },
      { kind: 'read', v: 0, span: [20, 30] },
    ]);
    assert.equal(wglSearch(bad, unlimited()).kind, 'not-linearizable');
  });

  void it('returns a witness that respects real time and replays legally (simulated histories)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const h = simulateRegisterHistory({
        seed,
        ops: 600,
        clients: 8,
        activeKeys: 2,
        opsPerKey: 150,
        infoRate: 0.05,
      });
      for (const [key, ops] of partitionByKey(h)) {
        const p = registerProblem(ops, { initial: null, origin: (h[0] as HistoryOp).invokeNs });
        const r = wglSearch(p, unlimited());
        assert.equal(r.kind, 'linearizable', `seed ${seed} key ${key}`);
        if (r.kind !== 'linearizable') continue;
        // Every definite op appears exactly once; indeterminate ones at most once.
        const position = new Map<number, number>();
        r.order.forEach((i, pos) => {
          assert.ok(!position.has(i), 'op linearized twice');
          position.set(i, pos);
        });
        for (let i = 0; i < p.size; i++)
          if (p.complete[i] !== Infinity) assert.ok(position.has(i), `definite op ${i} missing`);
        // Real-time order: if a ended before b began, a comes first.
        for (const [a, pa] of position) {
          for (const [b, pb] of position) {
            if ((p.complete[a] as number) < (p.invoke[b] as number))
              assert.ok(pa < pb, `real-time order ${a} < ${b} violated`);
          }
        }
        // Replaying the order through the model never hits an illegal step.
        let state = p.init;
        for (const i of r.order) {
          state = p.step(i, state);
          assert.ok(state >= 0, `illegal step at op ${i}`);
        }
      }
    }
  });

  void it('reports the longest partial linearization and where it got stuck', () => {
    const p = counterProblem([
      { kind: 'add', v: 1, span: [0, 10] },
      { kind: 'read', v: 1, span: [11, 12] },
      { kind: 'read', v: 5, span: [13, 14] },
    ]);
    const r = wglSearch(p, unlimited());
    assert.equal(r.kind, 'not-linearizable');
    if (r.kind !== 'not-linearizable') return;
    assert.deepEqual(r.longest, [0, 1]);
    assert.equal(r.blocked, 2);
  });

  void it('an indeterminate op may be left out, or placed after its client gave up', () => {
    const p = counterProblem([
      { kind: 'add', v: 1, span: [0, Infinity] },
      { kind: 'read', v: 0, span: [20, 30] },
      { kind: 'read', v: 1, span: [40, 50] },
    ]);
    assert.equal(wglSearch(p, unlimited()).kind, 'linearizable');
    const never = counterProblem([
      { kind: 'add', v: 1, span: [0, Infinity] },
      { kind: 'read', v: 0, span: [20, 30] },
    ]);
    assert.equal(wglSearch(never, unlimited()).kind, 'linearizable');
  });

  void it('stops with unknown on each budget', () => {
    const ops = Array.from({ length: 20 }, (_, i) => ({
      kind: 'add' as const,
      v: 1 << i,
      span: [0, 100] as [number, number],
    }));
    ops.push({ kind: 'add', v: 0, span: [0, 100] });
    const impossible = counterProblem([...ops, { kind: 'read', v: -1, span: [200, 300] }]);
    const steps = wglSearch(impossible, { ...unlimited(), maxSteps: 100 });
    assert.equal(steps.kind, 'unknown');
    if (steps.kind === 'unknown') assert.match(steps.reason, /step budget/);
    const configs = wglSearch(impossible, { ...unlimited(), maxConfigs: 10 });
    assert.equal(configs.kind, 'unknown');
    const time = wglSearch(impossible, { ...unlimited(), deadlineMs: performance.now() - 1 });
    assert.equal(time.kind, 'unknown');
  });

  void it('rejects an op that completes before it is invoked', () => {
    assert.throws(
      () => wglSearch(counterProblem([{ kind: 'add', v: 1, span: [10, 5] }]), unlimited()),
      /completes before/,
    );
  });
});
