import type { HistoryOp, JsonValue, Operation, Outcome } from './history-op.js';
import { Prng } from './prng.js';

export interface RegisterSimulationOptions {
  readonly seed: number;
  /** Total operations. */
  readonly ops: number;
  /** Concurrent clients (each runs one op at a time). */
  readonly clients: number;
  /** Keys written concurrently; each is retired after `opsPerKey` ops and replaced by a fresh key. */
  readonly activeKeys: number;
  readonly opsPerKey: number;
  readonly readRatio?: number;
  readonly casRatio?: number;
  /** Probability that an op times out (`info`); half of those take effect, possibly after the timeout. */
  readonly infoRate?: number;
  /** Probability that a write is refused with a definite 4xx (`fail`, no effect). */
  readonly failRate?: number;
  /** Mean request latency in ns (default 1 ms). */
  readonly meanLatencyNs?: number;
}

interface Planned {
  readonly id: number;
  readonly process: number;
  readonly node: string;
  readonly op: Operation;
  readonly invoke: number;
  readonly complete: number;
  /** When it takes effect; undefined = never. */
  readonly at: number | undefined;
  readonly plan: Outcome;
}

/**
 * Generates a history of a *linearizable* register service: every op takes effect atomically at
 * a random instant inside its [invoke, complete] interval (timed-out ops: at a random instant
 * after invoke — possibly after the client gave up — or never). Reads return the state at their
 * instant; a cas whose expected value does not match fails with a definite 4xx. Values are
 * unique per write. The result is always linearizable, by construction.
 */
export function simulateRegisterHistory(o: RegisterSimulationOptions): HistoryOp[] {
  const rng = new Prng(o.seed);
  const readRatio = o.readRatio ?? 0.5;
  const casRatio = o.casRatio ?? 0.2;
  const infoRate = o.infoRate ?? 0.02;
  const failRate = o.failRate ?? 0.01;
  const mean = o.meanLatencyNs ?? 1_000_000;
  const base = 5_000_000_000_000; // looks like an hrtime reading
  const nextAt = Array.from({ length: o.clients }, () => rng.between(0, mean));
  const processOf = Array.from({ length: o.clients }, (_, c) => c);
  let nextProcess = o.clients;
  const slotKey = Array.from({ length: o.activeKeys }, (_, s) => s);
  const slotCount = new Array<number>(o.activeKeys).fill(0);
  let nextKey = o.activeKeys;
  const recentValues = new Map<number, JsonValue[]>();
  let seq = 0;

  const planned: Planned[] = [];
  for (let id = 0; id < o.ops; id++) {
    let c = 0;
    for (let k = 1; k < o.clients; k++) if ((nextAt[k] as number) < (nextAt[c] as number)) c = k;
    const invoke = nextAt[c] as number;
    const latency = mean * rng.between(0.1, 2.5);
    const complete = invoke + latency;
    nextAt[c] = complete + rng.between(0, mean / 2);

    const slot = rng.int(o.activeKeys);
    const keyNo = slotKey[slot] as number;
    if (++(slotCount[slot] as number) >= o.opsPerKey) {
      slotKey[slot] = nextKey++;
      slotCount[slot] = 0;
    }
    const key = `k${keyNo}`;
    const recent = recentValues.get(keyNo) ?? [null];
    const r = rng.next();
    let op: Operation;
    if (r < readRatio) op = { type: 'read', key };
    else {
      const value = `${key}:${seq++}`;
      op =
        r < readRatio + casRatio
          ? { type: 'cas', key, expected: rng.pick(recent), value }
          : { type: 'write', key, value };
      recentValues.set(keyNo, [...recent.slice(-2), value]);
    }
    let plan: Outcome = 'ok';
    let at: number | undefined = rng.between(invoke, complete);
    if (rng.chance(infoRate)) {
      plan = 'info';
      at = rng.chance(0.5) ? rng.between(invoke, invoke + 4 * latency) : undefined;
    } else if (op.type === 'write' && rng.chance(failRate)) {
      plan = 'fail';
      at = undefined;
    }
    planned.push({
      id,
      process: processOf[c] as number,
      node: rng.pick(['n1', 'n2', 'n3']),
      op,
      invoke,
      complete,
      at,
      plan,
    });
    if (plan === 'info') processOf[c] = nextProcess++; // a crashed client is never reused
  }

  const outcome = new Array<Outcome>(o.ops);
  const result = new Array<JsonValue | undefined>(o.ops);
  const state = new Map<string, JsonValue>();
  for (const p of planned) outcome[p.id] = p.plan;
  const effective = planned
    .filter((p) => p.at !== undefined)
    .sort((a, b) => (a.at as number) - (b.at as number));
  for (const p of effective) {
    const cur = state.get(p.op.key) ?? null;
    if (p.op.type === 'read') result[p.id] = cur;
    else if (p.op.type === 'write') state.set(p.op.key, p.op.value ?? null);
    else if (cur === p.op.expected) state.set(p.op.key, p.op.value ?? null);
    else if (p.plan === 'ok') outcome[p.id] = 'fail'; // cas mismatch: a definite 4xx
  }
  return planned.map((p) => {
    const out = outcome[p.id] as Outcome;
    const res = out === 'ok' && p.op.type === 'read' ? result[p.id] : undefined;
    return {
      id: p.id,
      process: p.process,
      node: p.node,
      op: p.op,
      invokeNs: BigInt(base + Math.round(p.invoke)),
      completeNs: BigInt(base + Math.round(p.complete)),
      outcome: out,
      ...(res !== undefined ? { result: res } : {}),
      ...(out === 'fail' ? { error: '400' } : {}),
    };
  });
}
