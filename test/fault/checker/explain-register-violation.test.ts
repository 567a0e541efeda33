import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainRegisterViolation, type ExplainOptions } from './explain-register-violation.js';
import { HistoryBuilder } from './history-builder.js';
import type { HistoryOp } from './history-op.js';
import type { WglBudget } from './wgl-search.js';

const unlimited = (): WglBudget => ({ maxSteps: 1e9, maxConfigs: 1e9, deadlineMs: Infinity });

/** 100 sequential write/read pairs, with the read at `bad` returning a stale value. */
function history(bad: number): HistoryOp[] {
  const b = new HistoryBuilder();
  for (let i = 0; i < 100; i++) {
    b.write(1, 'x', `v${i}`, [i * 10, i * 10 + 4]);
    b.read(2, 'x', i === bad ? `v${i - 2}` : `v${i}`, [i * 10 + 5, i * 10 + 8]);
  }
  return b.build();
}

void describe('explainRegisterViolation', () => {
  const base: ExplainOptions = { initial: null, origin: 0, budget: unlimited, longest: [] };

  void it('finds the first failing op whatever the hint (none, exact, far too early, far too late)', () => {
    const h = history(60);
    const culprit = h.filter((op) => op.op.type === 'read')[60];
    assert.ok(culprit);
    for (const blocked of [undefined, culprit, h[0], h[h.length - 1]]) {
      const v = explainRegisterViolation('x', h, { ...base, ...(blocked ? { blocked } : {}) });
      assert.equal(v.op?.id, culprit.id, `hint #${blocked?.id}`);
      // v60 was acknowledged before the read began, and no one ever read it: a lost write.
      assert.equal(v.kind, 'lost-write');
      assert.equal(v.overwrittenBy?.op.value, 'v60');
      assert.deepEqual(v.legalObservations, ['v60']);
      assert.equal(v.legalObservationsComplete, true);
      assert.equal(v.prefixOps, 122);
    }
  });

  void it('falls back to a short explanation when out of budget', () => {
    const h = history(60);
    const v = explainRegisterViolation('x', h, {
      ...base,
      budget: () => ({ ...unlimited(), deadlineMs: performance.now() - 1, maxSteps: 1 }),
    });
    assert.equal(v.kind, 'not-linearizable');
    assert.equal(v.op, undefined);
    assert.match(v.message, /could not minimise within budget/);
  });
});
