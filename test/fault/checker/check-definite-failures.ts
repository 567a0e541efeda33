import { formatOp } from './format-op.js';
import type { HistoryOp, JsonValue, Nanos } from './history-op.js';
import { partitionByKey } from './partition-by-key.js';
import { valueKey } from './value-key.js';

export interface DefiniteFailureViolation {
  readonly key: string;
  readonly value: JsonValue;
  /** The op(s) answered with a definite failure (4xx) that wrote this value. */
  readonly failed: readonly HistoryOp[];
  /** The first successful op that observed the value (read result or element, or cas expected). */
  readonly observedBy: HistoryOp;
  readonly message: string;
}

export interface DefiniteFailureResult {
  readonly valid: boolean;
  readonly violations: readonly DefiniteFailureViolation[];
  /** Failed writes/adds/cas examined. */
  readonly failedOps: number;
  /**
   * Values written by a failed op *and* by a non-failed one on the same key: the workload broke
   * the unique-value rule, so these cannot be judged (and are not counted as violations).
   */
  readonly ambiguous: readonly string[];
}

const WRITES = new Set(['write', 'cas', 'add']);

/**
 * Invariant I3, "definite failures are definite": a write, cas or add answered with a 4xx
 * (`fail`) must never take effect, so with unique values its value must never be observed —
 * not by a read (register value or set element), nor as the expected value of a successful cas.
 * (Counter increments carry no unique value: checkCounter's upper bound covers them.)
 */
export function checkDefiniteFailures(history: readonly HistoryOp[]): DefiniteFailureResult {
  const origin: Nanos = history.length > 0 ? (history[0] as HistoryOp).invokeNs : 0;
  const violations: DefiniteFailureViolation[] = [];
  const ambiguous: string[] = [];
  let failedOps = 0;
  for (const [key, ops] of partitionByKey(history)) {
    const failed = new Map<string, HistoryOp[]>();
    const live = new Set<string>();
    for (const op of ops) {
      if (!WRITES.has(op.op.type)) continue;
      const k = valueKey(op.op.value);
      if (op.outcome === 'fail') {
        failedOps++;
        const list = failed.get(k);
        if (list) list.push(op);
        else failed.set(k, [op]);
      } else live.add(k);
    }
    if (failed.size === 0) continue;
    for (const k of failed.keys()) if (live.has(k)) ambiguous.push(`${key}: ${k}`);
    const reported = new Set<string>();
    for (const op of ops) {
      if (op.outcome !== 'ok') continue;
      let observed: readonly JsonValue[] = [];
      if (op.op.type === 'read')
        observed = Array.isArray(op.result) ? (op.result as readonly JsonValue[]) : [op.result ?? null];
      else if (op.op.type === 'cas' && op.result !== false) observed = [op.op.expected ?? null];
      for (const v of observed) {
        const k = valueKey(v);
        const f = failed.get(k);
        if (!f || live.has(k) || reported.has(k)) continue;
        reported.add(k);
        violations.push({
          key,
          value: v,
          failed: f,
          observedBy: op,
          message: `key ${JSON.stringify(key)}: ${formatOp(f[0] as HistoryOp, origin)} failed definitely, yet ${formatOp(op, origin)} observed its value ${k}`,
        });
      }
    }
  }
  return { valid: violations.length === 0, violations, failedOps, ambiguous };
}
