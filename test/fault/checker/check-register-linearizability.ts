import { explainRegisterViolation, type RegisterViolation } from './explain-register-violation.js';
import type { HistoryOp, JsonValue, Nanos } from './history-op.js';
import { partitionByKey } from './partition-by-key.js';
import { registerProblem } from './register-problem.js';
import { wglSearch, type WglBudget } from './wgl-search.js';

export interface LinearizabilityOptions {
  /** The value of every register before its first write (null = absent, the KV default). */
  readonly initial?: JsonValue;
  /** Search steps per key before giving up with `unknown` (default 20,000,000). */
  readonly maxStepsPerKey?: number;
  /** Wall time per key before giving up with `unknown` (default 10,000 ms). */
  readonly timeoutMsPerKey?: number;
  /** Memoised configurations per key before giving up with `unknown` (default 4,000,000). */
  readonly maxConfigsPerKey?: number;
  /** Wall time for the whole history; keys not reached are `unknown` (default: none). */
  readonly totalTimeoutMs?: number;
  /** How many failing keys get a minimised explanation (default 3; the others get a short one). */
  readonly maxExplained?: number;
  /** Wall time for explaining one failing key (default 10,000 ms); probes stop when it runs out. */
  readonly explainTimeoutMs?: number;
}

export interface KeyCheckStats {
  readonly key: string;
  readonly ops: number;
  readonly steps: number;
  readonly configs: number;
  readonly ms: number;
  readonly result: 'linearizable' | 'not-linearizable' | 'unknown';
}

export interface LinearizabilityStats {
  readonly keys: number;
  /** Ops given to the search (fail ops and info reads excluded). */
  readonly ops: number;
  readonly steps: number;
  readonly configs: number;
  readonly ms: number;
  /** The three keys that took longest. */
  readonly slowest: readonly KeyCheckStats[];
  /** Keys skipped because they hold non-register ops (add, increment, …). */
  readonly skippedKeys: readonly string[];
}

export type LinearizabilityResult =
  | { readonly valid: true; readonly stats: LinearizabilityStats }
  | {
      readonly valid: false;
      /** The first failing key and its explanation; `failures` lists every failing key. */
      readonly key: string;
      readonly explanation: RegisterViolation;
      readonly failures: readonly RegisterViolation[];
      /** Keys the search could not decide within budget. */
      readonly unknownKeys: readonly string[];
      readonly stats: LinearizabilityStats;
    }
  | {
      readonly valid: 'unknown';
      readonly reason: string;
      readonly unknownKeys: readonly string[];
      readonly stats: LinearizabilityStats;
    };

const REGISTER_OPS = new Set(['read', 'write', 'cas']);

/**
 * Checks that every key of a history behaves as a linearizable register (read / write / cas),
 * key by key (linearizability is compositional, so each key is checked alone). `fail` ops are
 * taken as never having happened (checkDefiniteFailures verifies that separately); `info` ops may
 * take effect at any time after their invocation, or never.
 *
 * A `false` result names the key, the first op that cannot be linearized and the ops around it.
 * `unknown` (budget exhausted on some key, and no key failed) must fail a gate: investigate it.
 */
export function checkRegisterLinearizability(
  history: readonly HistoryOp[],
  options: LinearizabilityOptions = {},
): LinearizabilityResult {
  const started = performance.now();
  const initial = options.initial ?? null;
  const maxSteps = options.maxStepsPerKey ?? 20_000_000;
  const timeoutMs = options.timeoutMsPerKey ?? 10_000;
  const maxConfigs = options.maxConfigsPerKey ?? 4_000_000;
  const totalDeadline = started + (options.totalTimeoutMs ?? Infinity);
  const maxExplained = options.maxExplained ?? 3;
  const budget = (): WglBudget => ({
    maxSteps,
    maxConfigs,
    deadlineMs: Math.min(performance.now() + timeoutMs, totalDeadline),
  });
  const origin: Nanos = history.length > 0 ? (history[0] as HistoryOp).invokeNs : 0;

  const perKey: KeyCheckStats[] = [];
  const failures: RegisterViolation[] = [];
  const unknown: { key: string; reason: string }[] = [];
  const skippedKeys: string[] = [];
  let opsChecked = 0;
  let steps = 0;
  let configs = 0;
  for (const [key, ops] of partitionByKey(history)) {
    if (!ops.every((op) => REGISTER_OPS.has(op.op.type))) {
      skippedKeys.push(key);
      continue;
    }
    const t0 = performance.now();
    if (t0 > totalDeadline) {
      unknown.push({ key, reason: 'total time budget exhausted before this key' });
      continue;
    }
    const problem = registerProblem(ops, { initial, origin });
    const r = wglSearch(problem, budget());
    opsChecked += problem.size;
    steps += r.steps;
    configs += r.configs;
    perKey.push({
      key,
      ops: problem.size,
      steps: r.steps,
      configs: r.configs,
      ms: performance.now() - t0,
      result: r.kind,
    });
    if (r.kind === 'unknown') unknown.push({ key, reason: r.reason });
    else if (r.kind === 'not-linearizable') {
      const longest = r.longest.map((i) => problem.ops[i] as HistoryOp);
      if (failures.length < maxExplained) {
        const blocked = r.blocked >= 0 ? problem.ops[r.blocked] : undefined;
        const explainDeadline = performance.now() + (options.explainTimeoutMs ?? 10_000);
        const explainBudget = (): WglBudget => {
          const b = budget();
          return { ...b, deadlineMs: Math.min(b.deadlineMs, explainDeadline) };
        };
        failures.push(
          explainRegisterViolation(key, ops, {
            initial,
            origin,
            budget: explainBudget,
            longest,
            ...(blocked ? { blocked } : {}),
          }),
        );
      } else {
        failures.push({
          key,
          kind: 'not-linearizable',
          message: `key ${JSON.stringify(key)}: not linearizable (not minimised: maxExplained reached)`,
          window: longest.slice(-10),
          longestLinearization: longest.slice(-10),
          lines: [],
        });
      }
    }
  }
  const stats: LinearizabilityStats = {
    keys: perKey.length,
    ops: opsChecked,
    steps,
    configs,
    ms: performance.now() - started,
    slowest: [...perKey].sort((a, b) => b.ms - a.ms).slice(0, 3),
    skippedKeys,
  };
  const unknownKeys = unknown.map((u) => u.key);
  const first = failures[0];
  if (first) return { valid: false, key: first.key, explanation: first, failures, unknownKeys, stats };
  if (unknown.length > 0) {
    const reason = unknown
      .slice(0, 5)
      .map((u) => `${u.key}: ${u.reason}`)
      .join('; ');
    return { valid: 'unknown', reason: `${unknown.length} key(s) undecided — ${reason}`, unknownKeys, stats };
  }
  return { valid: true, stats };
}
