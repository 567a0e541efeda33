import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkRegisterLinearizability } from './check-register-linearizability.js';
import type { HistoryOp } from './history-op.js';
import { simulateRegisterHistory, type RegisterSimulationOptions } from './simulate-register-history.js';

/**
 * Performance on tier-C-sized histories (≈100k ops per CI run). Asserts only generous bounds —
 * a loaded 2-core CI box must not make this flaky — and prints the numbers.
 */
const GENEROUS_MS = 60_000;

function measure(label: string, h: HistoryOp[]): ReturnType<typeof checkRegisterLinearizability> {
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const r = checkRegisterLinearizability(h);
  const ms = performance.now() - t0;
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
  const slowest = r.stats.slowest[0];
  console.log(
    `perf ${label}: ${h.length} ops / ${r.stats.keys} keys in ${ms.toFixed(0)} ms = ${Math.round((h.length / ms) * 1000)} ops/s; ` +
      `steps ${r.stats.steps}, memo configs ${r.stats.configs}, heap +${heapMb.toFixed(0)} MB, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB; ` +
      `slowest key ${slowest?.key} (${slowest?.ops} ops, ${slowest?.ms.toFixed(0)} ms); verdict ${String(r.valid)}`,
  );
  assert.ok(ms < GENEROUS_MS, `${label} took ${ms} ms`);
  return r;
}

const tierC: RegisterSimulationOptions = {
  seed: 7,
  ops: 100_000,
  clients: 10,
  activeKeys: 4,
  opsPerKey: 500,
  infoRate: 0.02,
};

void describe('checkRegisterLinearizability performance', () => {
  void it('100k ops, 200 keys, 10 clients, 2% timeouts: valid, fast', () => {
    const r = measure('spread', simulateRegisterHistory(tierC));
    assert.equal(r.valid, true);
    assert.ok(r.stats.keys >= 200);
  });

  void it('100k ops with all 10 clients on one key at a time (the hard case)', () => {
    const r = measure('hot key', simulateRegisterHistory({ ...tierC, activeKeys: 1, infoRate: 0.05 }));
    assert.equal(r.valid, true);
  });

  void it('100k ops with one stale read: found and explained', () => {
    const h = simulateRegisterHistory(tierC);
    // Make a late read on some key return that key's first written value.
    const victim = h.findLast((op) => op.op.type === 'read' && op.outcome === 'ok' && op.result !== null);
    assert.ok(victim);
    const first = h.find(
      (op) => op.op.key === victim.op.key && op.op.type === 'write' && op.outcome === 'ok',
    );
    assert.ok(first && first.completeNs < victim.invokeNs);
    h[h.indexOf(victim)] = { ...victim, result: first.op.value ?? null };
    const r = measure('one stale read', h);
    assert.equal(r.valid, false);
    if (r.valid !== false) return;
    assert.equal(r.key, victim.op.key);
    console.log(r.explanation.message);
  });
});
