import assert from 'node:assert/strict';
import test from 'node:test';
import { runSeed, SeedFailure } from './run-seed.js';
import type { SeedStats } from './run-seed.js';

/** Steps per seed (SIM_STEPS overrides; default 2000). */
export const STEPS = Number(process.env['SIM_STEPS'] ?? 2000);

/**
 * Registers one test that runs seeds [from, to] (scaled by SIM_SCALE for longer soak runs, e.g.
 * SIM_SCALE=10). Failures are collected and reported together, each with its replay command.
 */
export function seedRange(name: string, from: number, to: number): void {
  const scale = Math.max(1, Math.floor(Number(process.env['SIM_SCALE'] ?? 1)));
  const lo = (from - 1) * scale + 1;
  const hi = to * scale;
  void test(`${name}: seeds ${lo}..${hi} × ${STEPS} steps keep every safety invariant and converge`, (t) => {
    const failures: SeedFailure[] = [];
    const total = { acked: 0, leaders: 0, crashes: 0, confChanges: 0, snapshots: 0, reads: 0, transfers: 0 };
    const started = performance.now();
    for (let seed = lo; seed <= hi; seed++) {
      let stats: SeedStats;
      try {
        stats = runSeed(seed, STEPS);
      } catch (err) {
        if (err instanceof SeedFailure) {
          failures.push(err);
          continue;
        }
        throw err;
      }
      total.acked += stats.acked;
      total.leaders += stats.leaders;
      total.crashes += stats.crashes;
      total.confChanges += stats.confChanges;
      total.snapshots += stats.snapshots;
      total.reads += stats.reads;
      total.transfers += stats.transfers;
    }
    t.diagnostic(
      `${hi - lo + 1} seeds in ${((performance.now() - started) / 1000).toFixed(1)}s: ` +
        `${total.acked} acknowledged writes, ${total.leaders} leaders, ${total.crashes} crashes, ` +
        `${total.confChanges} membership changes, ${total.snapshots} snapshot installs, ` +
        `${total.reads} linearizable reads, ${total.transfers} transfers`,
    );
    for (const f of failures.slice(0, 5)) console.error(f.message);
    assert.equal(
      failures.length,
      0,
      `${failures.length} seed(s) failed:\n${failures.map((f) => f.message).join('\n')}`,
    );
    // The workload must actually exercise the cluster, or passing means nothing.
    const seeds = hi - lo + 1;
    assert.ok(total.acked > seeds * 10, `too few acknowledged writes (${total.acked})`);
    assert.ok(total.snapshots > seeds / 10, `too few snapshot installs (${total.snapshots})`);
    assert.ok(total.confChanges > seeds / 10, `too few membership changes (${total.confChanges})`);
  });
}
