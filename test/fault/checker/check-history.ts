import { checkCounter, type CounterCheckResult } from './check-counter.js';
import { checkDefiniteFailures, type DefiniteFailureResult } from './check-definite-failures.js';
import {
  checkRegisterLinearizability,
  type LinearizabilityResult,
} from './check-register-linearizability.js';
import { checkSet, type SetCheckResult } from './check-set.js';
import { counterView } from './counter-view.js';
import type { HistoryOp, Outcome } from './history-op.js';

export interface HistoryCheckOptions {
  /** Keys holding W4 counters (`<count>|<tag>` registers), also checked by checkCounter. */
  readonly isCounterKey?: (key: string) => boolean;
  /**
   * Keys holding W2 sets. Keys with an `add` op are sets anyway; this also covers a set that was
   * only ever read (its reads return arrays and must not be judged as a register's).
   */
  readonly isSetKey?: (key: string) => boolean;
  /** Wall-time budget of the linearizability search for the whole history. */
  readonly totalTimeoutMs?: number;
}

export interface HistoryCheck {
  /** Operations in the history, by outcome. */
  readonly ops: number;
  readonly outcomes: Readonly<Record<Outcome, number>>;
  readonly linearizability: LinearizabilityResult;
  readonly set: SetCheckResult;
  readonly counter: CounterCheckResult;
  readonly definiteFailures: DefiniteFailureResult;
  /** Violations found (every failing key, set/counter anomaly and definite failure observed). */
  readonly anomalies: number;
  /** Undecided results (keys out of search budget; sets/counters never read). */
  readonly undecided: number;
  /** One line per checker, for logs. */
  readonly lines: readonly string[];
}

/**
 * Runs every checker that applies to a mixed history: WGL per register key (W1 and the W4
 * counters' registers), checkSet (W2), checkCounter on the counter view (W4) and
 * checkDefiniteFailures (I3), and totals anomalies and undecided results. The gate is
 * `anomalies === 0 && undecided === 0`.
 */
export function checkHistory(history: readonly HistoryOp[], options: HistoryCheckOptions = {}): HistoryCheck {
  const outcomes: Record<Outcome, number> = { ok: 0, fail: 0, info: 0 };
  for (const h of history) outcomes[h.outcome]++;
  const setKeys = new Set<string>();
  for (const h of history)
    if (h.op.type === 'add' || options.isSetKey?.(h.op.key) === true) setKeys.add(h.op.key);
  const registers = setKeys.size === 0 ? history : history.filter((h) => !setKeys.has(h.op.key));
  const linearizability = checkRegisterLinearizability(registers, {
    ...(options.totalTimeoutMs !== undefined ? { totalTimeoutMs: options.totalTimeoutMs } : {}),
  });
  const set = checkSet(history);
  const isCounterKey = options.isCounterKey;
  const counter = checkCounter(isCounterKey ? counterView(history, isCounterKey) : []);
  const definiteFailures = checkDefiniteFailures(history);

  let anomalies = 0;
  let undecided = 0;
  if (linearizability.valid === false) {
    anomalies += linearizability.failures.length;
    undecided += linearizability.unknownKeys.length;
  } else if (linearizability.valid === 'unknown')
    undecided += Math.max(1, linearizability.unknownKeys.length);
  anomalies += set.anomalyCount + counter.anomalyCount + definiteFailures.violations.length;
  if (set.valid === 'unknown') undecided++;
  if (counter.valid === 'unknown') undecided++;

  const s = linearizability.stats;
  const lines = [
    `linearizability (${s.keys} register keys, ${s.ops} ops, ${s.ms.toFixed(0)} ms): ${
      linearizability.valid === true
        ? 'valid'
        : linearizability.valid === false
          ? `INVALID on ${linearizability.failures.length} key(s); first: ${linearizability.explanation.message}`
          : `UNKNOWN: ${linearizability.reason}`
    }`,
    `set (${set.sets.length} sets, ${set.sets.reduce((n, x) => n + x.okAdds, 0)} acknowledged adds, ${set.sets.reduce((n, x) => n + x.infoRecovered, 0)} indeterminate adds present): ${
      set.valid === true
        ? 'valid'
        : set.valid === false
          ? `${set.anomalyCount} anomalies; first: ${set.anomalies[0]?.message ?? ''}`
          : `UNKNOWN: ${set.reason ?? ''}`
    }`,
    `counter (${counter.counters.length} counters, finals ${counter.counters
      .map((c) => (c.final ? `${c.final.value}∈[${c.final.lower},${c.final.upper}]` : '?'))
      .slice(0, 6)
      .join(' ')}): ${
      counter.valid === true
        ? 'valid'
        : counter.valid === false
          ? `${counter.anomalyCount} anomalies; first: ${counter.anomalies[0]?.message ?? ''}`
          : `UNKNOWN: ${counter.reason ?? ''}`
    }`,
    `definite failures (${definiteFailures.failedOps} failed writes): ${
      definiteFailures.valid
        ? 'none took effect'
        : `${definiteFailures.violations.length} took effect; first: ${definiteFailures.violations[0]?.message ?? ''}`
    }`,
  ];
  return {
    ops: history.length,
    outcomes,
    linearizability,
    set,
    counter,
    definiteFailures,
    anomalies,
    undecided,
    lines,
  };
}
