import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkRegisterLinearizability } from './check-register-linearizability.js';
import type { HistoryOp, JsonValue, Operation, Outcome } from './history-op.js';
import { Prng } from './prng.js';
import { simulateRegisterHistory } from './simulate-register-history.js';
import { valueKey } from './value-key.js';

/**
 * Exhaustive reference: tries every order that respects real time, with every indeterminate
 * write/cas either taking effect (anywhere after its invocation) or not. Exponential; tiny
 * histories only. Independent of the WGL code, so it checks the optimisations (greedy reads,
 * dominance pruning, dropping unobserved timeouts) for soundness and completeness.
 */
function bruteForceLinearizable(history: readonly HistoryOp[], initial: JsonValue = null): boolean {
  const ops = history.filter(
    (op) => op.outcome !== 'fail' && !(op.op.type === 'read' && op.outcome === 'info'),
  );
  const end = (op: HistoryOp): number => (op.outcome === 'info' ? Infinity : Number(op.completeNs));
  const used = new Array<boolean>(ops.length).fill(false);
  const search = (state: string): boolean => {
    const pending = ops.filter((_, i) => !used[i]);
    if (pending.every((op) => op.outcome === 'info')) return true;
    for (let i = 0; i < ops.length; i++) {
      if (used[i]) continue;
      const op = ops[i] as HistoryOp;
      // Some other pending definite op must precede this one in real time?
      if (pending.some((q) => q !== op && end(q) < Number(op.invokeNs))) continue;
      let next: string | undefined;
      const { type, value, expected } = op.op;
      if (type === 'read') next = valueKey(op.result) === state ? state : undefined;
      else if (type === 'write') next = valueKey(value);
      else if (op.result === false) next = valueKey(expected) !== state ? state : undefined;
      else next = valueKey(expected) === state ? valueKey(value) : undefined;
      if (next === undefined) continue;
      used[i] = true;
      const ok = search(next);
      used[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return search(valueKey(initial));
}

/** A random tiny history over one key with repeated values, timestamp ties and all outcomes. */
function randomTinyHistory(rng: Prng): HistoryOp[] {
  const values: JsonValue[] = [null, 'a', 'b', 'c'];
  const n = 3 + rng.int(6);
  const ops: HistoryOp[] = [];
  for (let id = 0; id < n; id++) {
    const invoke = rng.int(12);
    const complete = invoke + rng.int(6);
    const r = rng.next();
    const outcome: Outcome = rng.chance(0.2) ? 'info' : rng.chance(0.08) ? 'fail' : 'ok';
    const type = r < 0.45 ? 'read' : r < 0.8 ? 'write' : 'cas';
    const op: Operation =
      type === 'read'
        ? { type, key: 'k' }
        : type === 'write'
          ? { type, key: 'k', value: rng.pick(values.slice(1)) }
          : { type, key: 'k', expected: rng.pick(values), value: rng.pick(values.slice(1)) };
    let result: JsonValue | undefined;
    if (type === 'read' && outcome === 'ok') result = rng.pick(values);
    if (type === 'cas' && outcome === 'ok' && rng.chance(0.15)) result = false;
    ops.push({
      id,
      process: id,
      op,
      invokeNs: invoke,
      completeNs: complete,
      outcome,
      ...(result !== undefined ? { result } : {}),
    });
  }
  return ops.sort((x, y) => Number(x.invokeNs) - Number(y.invokeNs)).map((op, id) => ({ ...op, id }));
}

void describe('checkRegisterLinearizability (randomized)', () => {
  void it('agrees with an exhaustive search on 4,000 random tiny histories', () => {
    const rng = new Prng(20240611);
    let valid = 0;
    for (let c = 0; c < 4000; c++) {
      const h = randomTinyHistory(rng);
      const expected = bruteForceLinearizable(h);
      const got = checkRegisterLinearizability(h, { maxExplained: 1 }).valid;
      assert.equal(got, expected, `case ${c}: ${JSON.stringify(h)}`);
      if (expected) valid++;
    }
    // Both verdicts must be well represented for the comparison to mean something.
    assert.ok(valid > 800 && valid < 3200, `valid cases: ${valid}`);
  });

  void it('accepts every history of a simulated linearizable register', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rng = new Prng(seed * 7919);
      const h = simulateRegisterHistory({
        seed,
        ops: 300 + rng.int(700),
        clients: 2 + rng.int(9),
        activeKeys: 1 + rng.int(3),
        opsPerKey: 100 + rng.int(300),
        infoRate: rng.next() * 0.1,
        casRatio: rng.next() * 0.4,
      });
      const r = checkRegisterLinearizability(h);
      assert.equal(
        r.valid,
        true,
        `seed ${seed}: ${r.valid === false ? r.explanation.message : r.valid === 'unknown' ? r.reason : ''}`,
      );
    }
  });

  type Mutation = 'never-written' | 'future' | 'stale';

  /** Replaces one acknowledged read's result with a value it cannot legally return. */
  function mutate(h: HistoryOp[], rng: Prng, how: Mutation): HistoryOp | undefined {
    const reads = h.filter((op) => op.op.type === 'read' && op.outcome === 'ok');
    for (let attempt = 0; attempt < 200; attempt++) {
      const r = rng.pick(reads);
      const sameKey = h.filter(
        (op) => op.op.key === r.op.key && op.op.type !== 'read' && op.outcome !== 'fail',
      );
      let value: JsonValue | undefined;
      if (how === 'never-written') value = `${r.op.key}:never`;
      else if (how === 'future') value = sameKey.find((w) => w.invokeNs > r.completeNs)?.op.value;
      else {
        // w1 ended before w2 began, w2 (acknowledged) ended before r began: w1's value is stale.
        const acked = sameKey.filter((w) => w.outcome === 'ok' && w.completeNs < r.invokeNs);
        for (const w2 of acked.reverse()) {
          const w1 = sameKey.find((w) => w.outcome === 'ok' && w.completeNs < w2.invokeNs);
          if (w1) {
            value = w1.op.value;
            break;
          }
        }
      }
      if (value === undefined) continue;
      const mutated: HistoryOp = { ...r, result: value };
      h[h.indexOf(r)] = mutated;
      return mutated;
    }
    return undefined;
  }

  for (const how of ['never-written', 'future', 'stale'] as const) {
    void it(`rejects a simulated history with one ${how} read, naming that read`, () => {
      let mutations = 0;
      for (let seed = 1; seed <= 25; seed++) {
        const rng = new Prng(seed * 104729);
        const h = simulateRegisterHistory({
          seed,
          ops: 400 + rng.int(600),
          clients: 2 + rng.int(9),
          activeKeys: 1 + rng.int(3),
          opsPerKey: 100 + rng.int(300),
          infoRate: rng.next() * 0.08,
        });
        const bad = mutate(h, rng, how);
        if (!bad) continue;
        mutations++;
        const r = checkRegisterLinearizability(h);
        assert.equal(r.valid, false, `seed ${seed}: ${how} read #${bad.id} not detected`);
        assert.equal(r.key, bad.op.key);
        assert.deepEqual(
          r.failures.map((f) => f.key),
          [bad.op.key],
        );
        // The minimal failing prefix ends with the mutated read (unless another op ends at the same instant).
        const culprit = r.explanation.op;
        assert.ok(culprit, 'explanation names an op');
        if (culprit.id !== bad.id)
          assert.equal(
            culprit.completeNs,
            bad.completeNs,
            `seed ${seed}: blamed #${culprit.id}, mutated #${bad.id}`,
          );
        if (how === 'never-written') assert.equal(r.explanation.kind, 'phantom-read');
        if (how === 'future') assert.equal(r.explanation.kind, 'future-read');
        if (how === 'stale')
          assert.ok(['stale-read', 'lost-write'].includes(r.explanation.kind), r.explanation.kind);
        assert.ok(r.explanation.window.some((op) => op.id === bad.id));
      }
      assert.ok(mutations >= 20, `only ${mutations} histories could be mutated`);
    });
  }
});
