import type { HistoryOp } from './history-op.js';

/** Splits a history by `op.key`, keeping each partition in id order (P-compositionality). */
export function partitionByKey(history: readonly HistoryOp[]): Map<string, HistoryOp[]> {
  const byKey = new Map<string, HistoryOp[]>();
  for (const op of history) {
    let ops = byKey.get(op.op.key);
    if (!ops) byKey.set(op.op.key, (ops = []));
    ops.push(op);
  }
  for (const ops of byKey.values()) ops.sort((a, b) => a.id - b.id);
  return byKey;
}
