import type { HistoryOp, JsonValue } from './history-op.js';

/**
 * Counters kept in registers: the W4 workload stores `<count>|<unique tag>` and increments with
 * a CAS from the value it read. `counterView` turns those register ops into counter ops for
 * `checkCounter`: a read's result becomes its count (absent = 0), a `cas`/`write` becomes an
 * `increment` of (written count − expected count), same outcome and times. Other keys are dropped.
 */
export function countOf(value: JsonValue | undefined): number {
  if (value === null || value === undefined) return 0;
  const n = Number(String(value as string | number).split('|', 1)[0]);
  if (!Number.isInteger(n)) throw new Error(`not a counter value: ${JSON.stringify(value)}`);
  return n;
}

export function counterView(
  history: readonly HistoryOp[],
  isCounterKey: (key: string) => boolean,
): HistoryOp[] {
  const out: HistoryOp[] = [];
  for (const h of history) {
    if (!isCounterKey(h.op.key)) continue;
    if (h.op.type === 'read') {
      const { result, ...rest } = h;
      out.push(h.outcome === 'ok' ? { ...rest, result: countOf(result) } : rest);
    } else if (h.op.type === 'cas' || h.op.type === 'write') {
      const delta = countOf(h.op.value) - (h.op.type === 'cas' ? countOf(h.op.expected) : 0);
      const { result: _ignored, ...rest } = h;
      out.push({ ...rest, op: { type: 'increment', key: h.op.key, value: delta } });
    }
  }
  return out;
}
