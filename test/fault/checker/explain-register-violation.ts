import { formatOp } from './format-op.js';
import type { HistoryOp, JsonValue, Nanos } from './history-op.js';
import { registerProblem } from './register-problem.js';
import { relativeNs } from './relative-ns.js';
import { valueKey } from './value-key.js';
import { wglSearch, type WglBudget } from './wgl-search.js';

export type RegisterAnomalyKind =
  /** A read returned a value older than a write that completed before the read began. */
  | 'stale-read'
  /** As stale-read, and the newer acknowledged write was never observed at all. */
  | 'lost-write'
  /** A read returned a value no operation on the key ever wrote. */
  | 'phantom-read'
  /** A read returned a value only ever written by ops that definitely failed (4xx): I3. */
  | 'failed-write-observed'
  /** A read returned a value whose every write was invoked after the read completed. */
  | 'future-read'
  /** An acknowledged cas succeeded although the register could not have held its expected value. */
  | 'cas-wrong-state'
  /** Not linearizable, without a simpler name (e.g. two reads disagreeing on the order of writes). */
  | 'not-linearizable';

export interface RegisterViolation {
  readonly key: string;
  readonly kind: RegisterAnomalyKind;
  /** One line for people: what went wrong, and the ops involved. */
  readonly message: string;
  /**
   * The first op that cannot be linearized: the history up to its completion (later ops cut,
   * overlapping mutations made indeterminate) is already non-linearizable, one op earlier is not.
   */
  readonly op?: HistoryOp;
  /** What `op` could legally have observed (read result, or cas expected state) in that prefix. */
  readonly legalObservations?: readonly JsonValue[];
  /** False when the probing above stopped early (time budget, or too many candidates). */
  readonly legalObservationsComplete?: boolean;
  /** For lost-write / stale-read: the acknowledged write (or a read of it) that completed before `op` began. */
  readonly overwrittenBy?: HistoryOp;
  /** The ops around `op` that explain the violation, in invocation order. */
  readonly window: readonly HistoryOp[];
  /** Size of the minimal failing prefix (ops of this key). */
  readonly prefixOps?: number;
  /** The tail of the longest partial linearization the full search found. */
  readonly longestLinearization: readonly HistoryOp[];
  /** Each window op formatted, for logs. */
  readonly lines: readonly string[];
}

export interface ExplainOptions {
  readonly initial: JsonValue;
  readonly origin: Nanos;
  /** Budget for each search; its deadline should include the explanation's overall deadline. */
  readonly budget: () => WglBudget;
  /** Ops of the longest partial linearization found by the full search (its tail). */
  readonly longest: readonly HistoryOp[];
  /** The op the full search got stuck on at that point: where to start looking. */
  readonly blocked?: HistoryOp;
}

const MUTATING = new Set(['write', 'cas']);
const WINDOW_CAP = 40;
const PROBE_CAP = 24;

/**
 * The smallest index j such that check(cuts[j]) is false (not linearizable), given that validity
 * is monotone in the cut. Gallops outwards from the hint (where the full search got stuck) and
 * then bisects, so long histories need few checks.
 */
function firstFailingCut(
  cuts: readonly number[],
  hint: number | undefined,
  check: (T: number) => boolean | undefined,
): { index: number; aborted: boolean } {
  const n = cuts.length;
  if (n === 0) return { index: 0, aborted: true };
  let start = n - 1;
  if (hint !== undefined) {
    start = cuts.findIndex((c) => c >= hint);
    if (start < 0) start = n - 1;
  }
  // Invariant: every index <= good is valid (good = -1: none known); bad is invalid.
  let good = -1;
  let bad = -1;
  const first = check(cuts[start] as number);
  if (first === undefined) return { index: 0, aborted: true };
  // Gallop at most a few steps: a poor hint then costs little more than plain bisection.
  if (first) {
    good = start;
    for (let step = 1; bad < 0 && step <= 8; step *= 2) {
      const j = Math.min(n - 1, start + step);
      const r = check(cuts[j] as number);
      if (r === undefined) return { index: 0, aborted: true };
      if (r) good = j;
      else bad = j;
    }
    if (bad < 0) {
      if (good === n - 1) return { index: 0, aborted: true }; // the whole history is linearizable?
      const r = check(cuts[n - 1] as number);
      if (r !== false) return { index: 0, aborted: true };
      bad = n - 1;
    }
  } else {
    bad = start;
    for (let step = 1; good < 0 && bad > 0 && step <= 8; step *= 2) {
      const j = Math.max(0, start - step);
      const r = check(cuts[j] as number);
      if (r === undefined) return { index: 0, aborted: true };
      if (r) good = j;
      else bad = j;
    }
  }
  while (bad - good > 1) {
    const mid = (good + bad) >>> 1;
    const r = check(cuts[mid] as number);
    if (r === undefined) return { index: 0, aborted: true };
    if (r) good = mid;
    else bad = mid;
  }
  return { index: bad, aborted: false };
}

/**
 * Explains why one key's register history is not linearizable: binary-searches the shortest
 * failing prefix (by completion time of acknowledged ops — monotone, because a cut keeps every op
 * completed by then and turns overlapping mutations into indeterminate ones), names the op that
 * breaks it, probes what it could have observed instead, and classifies the anomaly.
 */
export function explainRegisterViolation(
  key: string,
  ops: readonly HistoryOp[],
  o: ExplainOptions,
): RegisterViolation {
  const inv = ops.map((op) => relativeNs(op.invokeNs, o.origin));
  const comp = ops.map((op) => (op.outcome === 'info' ? Infinity : relativeNs(op.completeNs, o.origin)));
  const relevant = (op: HistoryOp): boolean => op.op.type === 'read' || MUTATING.has(op.op.type);

  /** The prefix cut at time T: ops invoked by T; unfinished mutations indeterminate; unfinished reads dropped. */
  const cut = (T: number, observedAs?: { pos: number; value: JsonValue }) => {
    const sub: HistoryOp[] = [];
    const indefinite = new Set<number>();
    const observed = new Map<number, JsonValue>();
    ops.forEach((op, pos) => {
      if (!relevant(op) || op.outcome === 'fail' || (inv[pos] as number) > T) return;
      const done = (comp[pos] as number) <= T;
      if (op.op.type === 'read' && !done) return;
      if (!done) indefinite.add(sub.length);
      if (observedAs?.pos === pos) observed.set(sub.length, observedAs.value);
      sub.push(op);
    });
    return { sub, indefinite, observed };
  };
  const check = (T: number, observedAs?: { pos: number; value: JsonValue }): boolean | undefined => {
    const { sub, indefinite, observed } = cut(T, observedAs);
    const p = registerProblem(sub, {
      initial: o.initial,
      origin: o.origin,
      indefinite,
      observedAs: observed,
    });
    const r = wglSearch(p, o.budget());
    return r.kind === 'unknown' ? undefined : r.kind === 'linearizable';
  };

  const cuts = [
    ...new Set(ops.flatMap((op, pos) => (op.outcome === 'ok' && relevant(op) ? [comp[pos] as number] : []))),
  ].sort((a, b) => a - b);
  const { index: lo, aborted } = firstFailingCut(
    cuts,
    o.blocked ? relativeNs(o.blocked.completeNs, o.origin) : undefined,
    (T) => check(T),
  );
  const longestTail = o.longest.slice(-10);
  const T = cuts[lo] as number;
  const xPos = aborted
    ? -1
    : ops.findIndex(
        (op, pos) => comp[pos] === T && op.outcome === 'ok' && op.op.type !== 'write' && relevant(op),
      );
  if (xPos < 0) {
    const window = [...longestTail];
    return {
      key,
      kind: 'not-linearizable',
      message: `key ${JSON.stringify(key)}: not linearizable (could not minimise within budget); see the longest partial linearization`,
      window,
      longestLinearization: longestTail,
      lines: window.map((op) => formatOp(op, o.origin)),
    };
  }
  const prefix = cut(T).sub;
  const x = ops[xPos] as HistoryOp;
  const xInv = inv[xPos] as number;

  // What could x have observed?
  const observedKey = (op: HistoryOp): string => valueKey(op.op.type === 'read' ? op.result : op.op.expected);
  const candidates: JsonValue[] = [];
  const seenCandidates = new Set<string>();
  const addCandidate = (v: JsonValue | undefined): void => {
    const k = valueKey(v);
    if (!seenCandidates.has(k) && k !== observedKey(x)) {
      seenCandidates.add(k);
      candidates.push(v ?? null);
    }
  };
  // A value is certainly stale for x when an acknowledged mutation began after its write ended
  // and ended before x began; only the others are worth probing.
  const staleBefore = ops.reduce(
    (m, op, pos) =>
      op.outcome === 'ok' && MUTATING.has(op.op.type) && op.result !== false && (comp[pos] as number) < xInv
        ? Math.max(m, inv[pos] as number)
        : m,
    -Infinity,
  );
  [...prefix]
    .filter(
      (op) =>
        MUTATING.has(op.op.type) &&
        (op.outcome === 'info' || relativeNs(op.completeNs, o.origin) >= staleBefore),
    )
    .sort((a, b) => relativeNs(b.invokeNs, o.origin) - relativeNs(a.invokeNs, o.origin))
    .forEach((op) => addCandidate(op.op.value));
  if (staleBefore === -Infinity) addCandidate(o.initial);
  const legalObservations: JsonValue[] = [];
  let probesComplete = x.result !== false && candidates.length <= PROBE_CAP;
  if (x.result !== false) {
    for (const v of candidates.slice(0, PROBE_CAP)) {
      const r = check(T, { pos: xPos, value: v });
      if (r === undefined) {
        probesComplete = false;
        break;
      }
      if (r) legalObservations.push(v);
    }
  }

  // Classify.
  const seen = x.op.type === 'read' ? x.result : x.op.expected;
  const seenKey = valueKey(seen);
  const writers = ops.filter((op) => MUTATING.has(op.op.type) && valueKey(op.op.value) === seenKey);
  const liveWriters = writers.filter((op) => op.outcome !== 'fail');
  const definiteMutationsBefore = ops
    .map((op, pos) => ({ op, pos }))
    .filter(
      ({ op, pos }) =>
        op.outcome === 'ok' &&
        MUTATING.has(op.op.type) &&
        op.result !== false &&
        (comp[pos] as number) < xInv,
    );
  let kind: RegisterAnomalyKind = 'not-linearizable';
  let overwrittenBy: HistoryOp | undefined;
  const isInitial = seenKey === valueKey(o.initial);
  if (x.op.type === 'cas') {
    kind = 'cas-wrong-state';
  } else if (liveWriters.length === 0 && !isInitial) {
    kind = writers.length > 0 ? 'failed-write-observed' : 'phantom-read';
  } else if (
    !isInitial &&
    liveWriters.every((w) => relativeNs(w.invokeNs, o.origin) > (comp[xPos] as number))
  ) {
    kind = 'future-read';
  } else {
    // The latest acknowledged mutation that began after the observed value's write ended.
    const writerEnd = isInitial
      ? -Infinity
      : Math.min(
          ...liveWriters.map((w) => (w.outcome === 'info' ? Infinity : relativeNs(w.completeNs, o.origin))),
        );
    const newer = definiteMutationsBefore
      .filter(({ pos }) => (inv[pos] as number) > writerEnd)
      .sort((a, b) => (comp[b.pos] as number) - (comp[a.pos] as number))[0];
    if (newer) {
      overwrittenBy = newer.op;
      const newerKey = valueKey(newer.op.op.value);
      const observedLater = ops.some(
        (op) =>
          op.outcome === 'ok' &&
          ((op.op.type === 'read' && valueKey(op.result) === newerKey) ||
            (op.op.type === 'cas' && op.result !== false && valueKey(op.op.expected) === newerKey)),
      );
      kind = observedLater ? 'stale-read' : 'lost-write';
    } else {
      // A read that began after every write of the observed value had ended, ended before x
      // began, and saw something else: the value had been overwritten before x.
      const newerRead = ops
        .map((op, pos) => ({ op, pos }))
        .filter(
          ({ op, pos }) =>
            op.outcome === 'ok' &&
            op.op.type === 'read' &&
            valueKey(op.result) !== seenKey &&
            (inv[pos] as number) > writerEnd &&
            (comp[pos] as number) < xInv,
        )
        .sort((a, b) => (comp[b.pos] as number) - (comp[a.pos] as number))[0];
      if (newerRead) {
        overwrittenBy = newerRead.op;
        kind = 'stale-read';
      }
    }
  }

  // The window: from the last definite mutation before x (or the observed value's write) to x.
  let start = definiteMutationsBefore.reduce((m, { pos }) => Math.max(m, comp[pos] as number), -Infinity);
  if (start === -Infinity) start = xInv;
  for (const w of liveWriters) start = Math.min(start, relativeNs(w.invokeNs, o.origin));
  if (overwrittenBy) start = Math.min(start, relativeNs(overwrittenBy.invokeNs, o.origin));
  let window = ops.filter(
    (op, pos) => (inv[pos] as number) <= T && (comp[pos] as number) >= start && relevant(op),
  );
  if (window.length > WINDOW_CAP) {
    const must = new Set<HistoryOp>([
      x,
      ...(overwrittenBy ? [overwrittenBy] : []),
      ...liveWriters.slice(0, 3),
    ]);
    const byDistance = window
      .filter((op) => !must.has(op))
      .sort(
        (a, b) => Math.abs(relativeNs(b.invokeNs, x.invokeNs)) - Math.abs(relativeNs(a.invokeNs, x.invokeNs)),
      );
    const keep = new Set<HistoryOp>([...must, ...byDistance.slice(-(WINDOW_CAP - must.size))]);
    window = window.filter((op) => keep.has(op));
  }

  const fx = formatOp(x, o.origin);
  const legal =
    legalObservations.length > 0 ? legalObservations.map((v) => JSON.stringify(v)).join(', ') : 'none';
  const what =
    x.op.type === 'read'
      ? `returned ${JSON.stringify(seen ?? null)}`
      : `succeeded expecting ${JSON.stringify(seen ?? null)}`;
  const partial = probesComplete ? '' : ' (partial)';
  let message = `key ${JSON.stringify(key)}: ${kind}: ${fx} ${what}; linearizable observations at that point${partial}: ${legal}`;
  if (overwrittenBy) message += `; ${formatOp(overwrittenBy, o.origin)} had completed before it began`;
  if (kind === 'lost-write') message += ' and its value was never read';
  if (kind === 'failed-write-observed')
    message += `; written only by failed op(s) ${writers.map((w) => `#${w.id}`).join(', ')}`;
  message += ` (minimal failing prefix: ${prefix.length} ops)`;
  return {
    key,
    kind,
    message,
    op: x,
    legalObservations,
    legalObservationsComplete: probesComplete,
    ...(overwrittenBy ? { overwrittenBy } : {}),
    window,
    prefixOps: prefix.length,
    longestLinearization: longestTail,
    lines: window.map((op) => formatOp(op, o.origin)),
  };
}
