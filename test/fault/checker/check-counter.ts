import { formatOp } from './format-op.js';
import type { HistoryOp, Nanos } from './history-op.js';
import { partitionByKey } from './partition-by-key.js';
import { relativeNs } from './relative-ns.js';

export type CounterAnomalyKind =
  /** The final read is outside [initial + acknowledged, initial + acknowledged + indeterminate]. */
  | 'final-out-of-bounds'
  /** A read is outside what the increments completed before it and in flight during it allow. */
  | 'read-out-of-bounds'
  /** With only positive increments, a read returned less than a read that ended before it began. */
  | 'nonmonotonic';

export interface CounterAnomaly {
  readonly kind: CounterAnomalyKind;
  readonly key: string;
  readonly message: string;
  readonly read: HistoryOp;
  readonly value: number;
  readonly lower: number;
  readonly upper: number;
  /** For nonmonotonic: the earlier read that saw more. */
  readonly earlier?: HistoryOp;
}

export interface CounterSummary {
  readonly key: string;
  readonly okIncrements: number;
  readonly infoIncrements: number;
  readonly failIncrements: number;
  readonly reads: number;
  readonly final?: { readonly value: number; readonly lower: number; readonly upper: number };
}

export interface CounterCheckResult {
  readonly valid: boolean | 'unknown';
  readonly reason?: string;
  readonly anomalies: readonly CounterAnomaly[];
  readonly anomalyCount: number;
  readonly counters: readonly CounterSummary[];
}

export interface CounterCheckOptions {
  /** The counter's value before any increment (default 0). */
  readonly initial?: number;
  readonly maxAnomalies?: number;
}

interface Sums {
  /** Sorted times. */
  readonly at: Float64Array;
  /** pos[i] / neg[i] = sum of positive / negative deltas of the first i entries. */
  readonly pos: Float64Array;
  readonly neg: Float64Array;
}

function prefixSums(entries: { at: number; d: number }[]): Sums {
  entries.sort((a, b) => a.at - b.at);
  const pos = new Float64Array(entries.length + 1);
  const neg = new Float64Array(entries.length + 1);
  entries.forEach((e, i) => {
    pos[i + 1] = (pos[i] as number) + Math.max(0, e.d);
    neg[i + 1] = (neg[i] as number) + Math.min(0, e.d);
  });
  return { at: Float64Array.from(entries, (e) => e.at), pos, neg };
}

/** Number of entries with time before t (or at t, when `inclusive`). */
function countBefore(s: Sums, t: number, inclusive = false): number {
  let lo = 0;
  let hi = s.at.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const at = s.at[mid] as number;
    if (at < t || (inclusive && at === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Checks counter workloads (W4: CAS read-modify-write increments; `increment` ops with the
 * delta in `op.value`, default 1; reads return a number). For each read: the increments
 * acknowledged before it began must be counted, and only those invoked before it ended (and
 * not definitely failed) may be. The final read (last to complete) must lie in
 * [acknowledged, acknowledged + indeterminate].
 */
export function checkCounter(
  history: readonly HistoryOp[],
  options: CounterCheckOptions = {},
): CounterCheckResult {
  const initial = options.initial ?? 0;
  const maxAnomalies = options.maxAnomalies ?? 100;
  const origin: Nanos = history.length > 0 ? (history[0] as HistoryOp).invokeNs : 0;
  const t = (n: Nanos): number => relativeNs(n, origin);
  const anomalies: CounterAnomaly[] = [];
  let anomalyCount = 0;
  const report = (a: CounterAnomaly): void => {
    anomalyCount++;
    if (anomalies.length < maxAnomalies) anomalies.push(a);
  };
  const counters: CounterSummary[] = [];
  const noFinal: string[] = [];

  for (const [key, ops] of partitionByKey(history)) {
    const incs = ops.filter((op) => op.op.type === 'increment');
    if (incs.length === 0) continue;
    const delta = (op: HistoryOp): number => {
      const d = op.op.value ?? 1;
      if (typeof d !== 'number') throw new Error(`increment #${op.id} on ${key} has a non-numeric delta`);
      return d;
    };
    const live = incs.filter((op) => op.outcome !== 'fail');
    // Applied for sure: acknowledged and completed. Possibly applied: any live op invoked.
    const done = prefixSums(
      live.filter((op) => op.outcome === 'ok').map((op) => ({ at: t(op.completeNs), d: delta(op) })),
    );
    const started = prefixSums(live.map((op) => ({ at: t(op.invokeNs), d: delta(op) })));
    const allPositive = live.every((op) => delta(op) >= 0);
    const reads = ops
      .filter((op) => op.op.type === 'read' && op.outcome === 'ok')
      .map((op) => {
        if (typeof op.result !== 'number')
          throw new Error(`counter read #${op.id} on ${key} has a non-numeric result`);
        return { op, value: op.result, inv: t(op.invokeNs), end: t(op.completeNs) };
      })
      .sort((a, b) => a.end - b.end);
    const final = reads[reads.length - 1];
    let finalBounds: CounterSummary['final'];

    for (const r of reads) {
      const d = countBefore(done, r.inv);
      const s = countBefore(started, r.end, true); // equal times count as concurrent
      const fixed = (done.pos[d] as number) + (done.neg[d] as number);
      const lower = initial + fixed + ((started.neg[s] as number) - (done.neg[d] as number));
      const upper = initial + fixed + ((started.pos[s] as number) - (done.pos[d] as number));
      if (r === final) finalBounds = { value: r.value, lower, upper };
      if (r.value < lower || r.value > upper) {
        report({
          kind: r === final ? 'final-out-of-bounds' : 'read-out-of-bounds',
          key,
          message: `counter ${key}: ${formatOp(r.op, origin)} is outside [${lower}, ${upper}] (${d} increments acknowledged before it began, ${s} invoked before it ended)`,
          read: r.op,
          value: r.value,
          lower,
          upper,
        });
      }
    }

    if (allPositive && reads.length > 1) {
      // Sweep reads by invocation; `maxSeen` = the largest value among reads ended before it.
      const byInvoke = [...reads].sort((a, b) => a.inv - b.inv);
      let j = 0;
      let maxSeen: (typeof reads)[number] | undefined;
      for (const r of byInvoke) {
        while (j < reads.length && (reads[j] as (typeof reads)[number]).end < r.inv) {
          const c = reads[j] as (typeof reads)[number];
          if (!maxSeen || c.value > maxSeen.value) maxSeen = c;
          j++;
        }
        if (maxSeen && r.value < maxSeen.value) {
          report({
            kind: 'nonmonotonic',
            key,
            message: `counter ${key}: ${formatOp(r.op, origin)} went backwards from ${formatOp(maxSeen.op, origin)}`,
            read: r.op,
            value: r.value,
            lower: maxSeen.value,
            upper: Infinity,
            earlier: maxSeen.op,
          });
        }
      }
    }

    if (!final) noFinal.push(key);
    counters.push({
      key,
      okIncrements: incs.filter((op) => op.outcome === 'ok').length,
      infoIncrements: incs.filter((op) => op.outcome === 'info').length,
      failIncrements: incs.filter((op) => op.outcome === 'fail').length,
      reads: reads.length,
      ...(finalBounds ? { final: finalBounds } : {}),
    });
  }
  if (anomalyCount > 0) return { valid: false, anomalies, anomalyCount, counters };
  if (noFinal.length > 0) {
    return {
      valid: 'unknown',
      reason: `no successful read of counter(s) ${noFinal.join(', ')}`,
      anomalies,
      anomalyCount,
      counters,
    };
  }
  return { valid: true, anomalies, anomalyCount, counters };
}
