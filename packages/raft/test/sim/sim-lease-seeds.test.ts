// Deterministic simulation with leader-lease reads on every node: the same random faults as the
// other seed files (crashes, restarts, partitions, loss, duplication, arbitrary delay, membership
// changes, transfers), and the checker fails any read whose index misses a write acknowledged
// before the read was asked. Time is a shared simulated clock advanced by ticks.
import assert from 'node:assert/strict';
import test from 'node:test';
import { runSeed, SeedFailure } from './run-seed.js';
import { STEPS } from './seed-range.js';

void test(`simulation with leases: seeds 1..150 × ${STEPS} steps keep every invariant, reads stay linearizable`, (t) => {
  const scale = Math.max(1, Math.floor(Number(process.env['SIM_SCALE'] ?? 1)));
  const lo = 1;
  const hi = 150 * scale;
  const failures: SeedFailure[] = [];
  let reads = 0;
  let leaseReads = 0;
  let acked = 0;
  for (let seed = lo; seed <= hi; seed++) {
    try {
      const s = runSeed(seed, STEPS, undefined, { lease: true });
      reads += s.reads;
      leaseReads += s.leaseReads;
      acked += s.acked;
    } catch (err) {
      if (err instanceof SeedFailure) failures.push(err);
      else throw err;
    }
  }
  t.diagnostic(`${hi - lo + 1} seeds: ${acked} acknowledged writes, ${reads} reads, ${leaseReads} by lease`);
  assert.equal(failures.length, 0, failures.map((f) => f.message).join('\n'));
  // Leases must actually serve reads, or passing proves nothing about them.
  assert.ok(leaseReads > hi - lo + 1, `too few lease reads (${leaseReads})`);
  assert.ok(acked > (hi - lo + 1) * 10, `too few acknowledged writes (${acked})`);
});
