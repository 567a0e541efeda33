// The fault suite's history model and checkers. See README.md.
export type { HistoryOp, JsonValue, Nanos, Operation, OpType, Outcome } from './history-op.js';
export {
  HistoryRecorder,
  type Completion,
  type HistoryRecorderOptions,
  type PendingOp,
} from './history-recorder.js';
export { loadHistory } from './load-history.js';
export { fromHistoryLine, toHistoryLine } from './history-line.js';
export { outcomeOfStatus } from './outcome-of-status.js';
export {
  checkRegisterLinearizability,
  type KeyCheckStats,
  type LinearizabilityOptions,
  type LinearizabilityResult,
  type LinearizabilityStats,
} from './check-register-linearizability.js';
export type { RegisterAnomalyKind, RegisterViolation } from './explain-register-violation.js';
export {
  checkSet,
  type SetAnomaly,
  type SetAnomalyKind,
  type SetCheckOptions,
  type SetCheckResult,
  type SetSummary,
} from './check-set.js';
export {
  checkCounter,
  type CounterAnomaly,
  type CounterAnomalyKind,
  type CounterCheckOptions,
  type CounterCheckResult,
  type CounterSummary,
} from './check-counter.js';
export {
  checkDefiniteFailures,
  type DefiniteFailureResult,
  type DefiniteFailureViolation,
} from './check-definite-failures.js';
export { formatOp } from './format-op.js';
export { partitionByKey } from './partition-by-key.js';
export { wglSearch, type WglBudget, type WglProblem, type WglResult } from './wgl-search.js';
export { HistoryBuilder, type Span } from './history-builder.js';
export { simulateRegisterHistory, type RegisterSimulationOptions } from './simulate-register-history.js';
export { checkHistory, type HistoryCheck, type HistoryCheckOptions } from './check-history.js';
export { counterView, countOf } from './counter-view.js';
