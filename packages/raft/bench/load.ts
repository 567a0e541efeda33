/** Results of one closed-loop load run. */
export interface LoadResult {
  readonly concurrency: number;
  readonly proposals: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Closed-loop load: `concurrency` proposers each propose, wait, propose again, until `count`
 * proposals have completed or `durationMs` has passed. Latency is measured per proposal, from
 * the call to the promise settling (committed on a quorum and applied on the leader).
 */
export async function runLoad(
  propose: (data: Uint8Array) => Promise<unknown>,
  opts: { concurrency: number; count: number; durationMs: number; payloadBytes: number },
): Promise<LoadResult> {
  const payload = new Uint8Array(opts.payloadBytes).fill(0x61);
  const latencies = new Float64Array(opts.count);
  let started = 0;
  let done = 0;
  let errors = 0;
  const t0 = performance.now();
  const deadline = t0 + opts.durationMs;
  async function worker(): Promise<void> {
    while (started < opts.count && performance.now() < deadline) {
      started++;
      const t = performance.now();
      try {
        await propose(payload);
        latencies[done++] = performance.now() - t;
      } catch {
        errors++;
      }
    }
  }
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const sorted = latencies.subarray(0, done).sort();
  return {
    concurrency: opts.concurrency,
    proposals: done,
    seconds,
    perSecond: done / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    errors,
  };
}
