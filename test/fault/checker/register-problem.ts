import type { HistoryOp, JsonValue, Nanos } from './history-op.js';
import { relativeNs } from './relative-ns.js';
import { valueKey } from './value-key.js';
import type { WglProblem } from './wgl-search.js';

const READ = 0;
const WRITE = 1;
const CAS = 2;
/** An acknowledged cas that reports "not swapped" (result === false): a read asserting state ≠ expected. */
const CAS_NOT = 3;

/** The ops of one register key, compiled for wglSearch: states are interned values. */
export interface RegisterProblem extends WglProblem {
  /** The history op behind each problem op. */
  readonly ops: readonly HistoryOp[];
  /** State id → value. */
  readonly values: readonly JsonValue[];
}

export interface RegisterProblemOptions {
  /** The register's value before any write (null = absent). */
  readonly initial: JsonValue;
  /** Subtracted from every time so that nanosecond bigints fit a double exactly. */
  readonly origin: Nanos;
  /**
   * Overrides by position in `ops`, used to cut prefixes and probe alternatives when explaining:
   * `indefinite` makes ops indeterminate (completion +∞); `observedAs` replaces what an op
   * observed: a read's result or a cas's expected value.
   */
  readonly indefinite?: ReadonlySet<number>;
  readonly observedAs?: ReadonlyMap<number, JsonValue>;
}

/**
 * Builds the register model for one key from its *relevant* ops: `fail` ops never took effect
 * and are dropped (the definite-failure checker looks at them); `info` reads carry no
 * information and are dropped; `info` writes and cas get completion +∞. The sequential model:
 * read returns the state; write sets it; cas sets it iff state = expected.
 */
export function registerProblem(ops: readonly HistoryOp[], options: RegisterProblemOptions): RegisterProblem {
  const ids = new Map<string, number>();
  const values: JsonValue[] = [];
  const intern = (v: JsonValue | undefined): number => {
    const k = valueKey(v);
    let id = ids.get(k);
    if (id === undefined) {
      id = values.length;
      ids.set(k, id);
      values.push(v ?? null);
    }
    return id;
  };
  const init = intern(options.initial);
  const kept: HistoryOp[] = [];
  const kind: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  const invoke: number[] = [];
  const complete: number[] = [];
  ops.forEach((op, pos) => {
    if (op.outcome === 'fail') return;
    const t = op.op.type;
    const probe = options.observedAs?.has(pos) === true;
    const observed = probe ? options.observedAs?.get(pos) : t === 'read' ? op.result : op.op.expected;
    if (t !== 'read' && t !== 'write' && t !== 'cas') return;
    const indefinite = op.outcome === 'info' || options.indefinite?.has(pos) === true;
    if (t === 'read' && indefinite) return;
    if (t === 'read') {
      kind.push(READ);
      a.push(intern(observed));
      b.push(0);
    } else if (t === 'write') {
      kind.push(WRITE);
      a.push(intern(op.op.value));
      b.push(0);
    } else if (op.result === false && !indefinite) {
      kind.push(CAS_NOT);
      a.push(intern(observed));
      b.push(0);
    } else {
      kind.push(CAS);
      a.push(intern(observed));
      b.push(intern(op.op.value));
    }
    kept.push(op);
    invoke.push(relativeNs(op.invokeNs, options.origin));
    complete.push(indefinite ? Infinity : relativeNs(op.completeNs, options.origin));
  });
  // An indeterminate write or cas whose value nobody observed never needs to take effect: from
  // the state it sets, only writes (which overwrite it) can follow, so skipping it is always at
  // least as good. Dropping such ops keeps pending timeouts from multiplying the search space.
  // (Not with "not swapped" cas results, which can observe a state *change* without its value.)
  if (!kind.includes(CAS_NOT)) {
    const observed = new Set<number>();
    kind.forEach((k, i) => {
      if (k === READ || k === CAS) observed.add(a[i] as number);
    });
    for (let i = kept.length - 1; i >= 0; i--) {
      if (complete[i] !== Infinity) continue;
      const written = kind[i] === WRITE ? (a[i] as number) : (b[i] as number);
      if (observed.has(written)) continue;
      for (const arr of [kept, kind, a, b, invoke, complete]) arr.splice(i, 1);
    }
  }
  const kinds = Uint8Array.from(kind);
  const as = Int32Array.from(a);
  const bs = Int32Array.from(b);
  const definite = Uint8Array.from(complete, (c) => (c === Infinity ? 0 : 1));
  // Pending observers (definite reads, definite cas expecting it) and pending writers of each
  // value. Overwriting a value that still has pending observers and no pending writer that
  // could bring it back is a dead end: prune it at once rather than discover it later. This
  // turns "many overlapping writes whose order only later reads reveal" from exponential
  // into linear.
  const observers = new Int32Array(values.length);
  const writers = new Int32Array(values.length);
  const count = (i: number, d: number): void => {
    const k = kinds[i];
    const x = as[i] as number;
    if ((k === READ || k === CAS) && definite[i] === 1) observers[x] = (observers[x] as number) + d;
    const w = k === WRITE ? x : k === CAS ? (bs[i] as number) : -1;
    if (w >= 0) writers[w] = (writers[w] as number) + d;
  };
  for (let i = 0; i < kinds.length; i++) count(i, 1);
  const overwritable = (i: number, s: number): boolean => {
    const self = kinds[i] === CAS && definite[i] === 1 && as[i] === s ? 1 : 0;
    return (observers[s] as number) - self <= 0 || (writers[s] as number) > 0;
  };
  return {
    size: kept.length,
    invoke: Float64Array.from(invoke),
    complete: Float64Array.from(complete),
    init,
    readOnly: Uint8Array.from(kind, (k) => (k === READ || k === CAS_NOT ? 1 : 0)),
    ops: kept,
    values,
    step(i: number, s: number): number {
      switch (kinds[i]) {
        case READ:
          return s === as[i] ? s : -1;
        case WRITE: {
          const ns = as[i] as number;
          return ns === s || overwritable(i, s) ? ns : -1;
        }
        case CAS: {
          if (s !== as[i]) return -1;
          const ns = bs[i] as number;
          return ns === s || overwritable(i, s) ? ns : -1;
        }
        default:
          return s !== as[i] ? s : -1;
      }
    },
    enter(i: number): void {
      count(i, -1);
    },
    leave(i: number): void {
      count(i, 1);
    },
  };
}
