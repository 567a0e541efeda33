import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simulateRegisterHistory } from './simulate-register-history.js';

void describe('simulateRegisterHistory', () => {
  const options = {
    seed: 42,
    ops: 2000,
    clients: 10,
    activeKeys: 3,
    opsPerKey: 200,
    infoRate: 0.05,
    failRate: 0.02,
  };

  void it('is deterministic per seed', () => {
    assert.deepEqual(simulateRegisterHistory(options), simulateRegisterHistory(options));
    assert.notDeepEqual(simulateRegisterHistory(options), simulateRegisterHistory({ ...options, seed: 43 }));
  });

  void it('produces a realistic mix: ids in invocation order, unique values, all outcomes, key rotation', () => {
    const h = simulateRegisterHistory(options);
    assert.equal(h.length, 2000);
    h.forEach((op, i) => {
      assert.equal(op.id, i);
      assert.ok(op.completeNs > op.invokeNs);
      if (i > 0) assert.ok(op.invokeNs >= (h[i - 1]?.invokeNs ?? 0n));
    });
    const values = h.filter((op) => op.op.type !== 'read').map((op) => op.op.value);
    assert.equal(new Set(values).size, values.length, 'write values are unique');
    const outcomes = new Set(h.map((op) => op.outcome));
    assert.deepEqual([...outcomes].sort(), ['fail', 'info', 'ok']);
    const keys = new Set(h.map((op) => op.op.key));
    assert.ok(keys.size >= 10, `keys: ${keys.size}`);
    // At most `clients` ops in flight at once (ignoring timed-out ones, which never end).
    const events = h.flatMap((op) => [
      { t: op.invokeNs, d: 1 },
      { t: op.completeNs, d: -1 },
    ]);
    events.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.d - b.d));
    let inFlight = 0;
    let max = 0;
    for (const e of events) max = Math.max(max, (inFlight += e.d));
    assert.ok(max <= 10, `max concurrency ${max}`);
    // Crashed clients are not reused.
    for (const op of h.filter((o) => o.outcome === 'info')) {
      assert.ok(
        !h.some((o) => o.process === op.process && o.invokeNs > op.invokeNs),
        `process ${op.process} reused after info`,
      );
    }
  });
});
