import type { HistoryOp, Nanos } from './history-op.js';
import { relativeNs } from './relative-ns.js';

/**
 * One op in one line, for anomaly messages: `#17 p3@n2 read k → "v3" ok [1.200..1.350 ms]`.
 * Times are milliseconds since `origin` (the history's first invocation); `info` ops end in ∞.
 */
export function formatOp(op: HistoryOp, origin: Nanos): string {
  const { type, key, value, expected } = op.op;
  const ms = (t: Nanos): string => (relativeNs(t, origin) / 1e6).toFixed(3);
  let what = `${type} ${key}`;
  if (type === 'cas') what += ` ${JSON.stringify(expected ?? null)}→${JSON.stringify(value ?? null)}`;
  else if (value !== undefined) what += ` ${JSON.stringify(value)}`;
  if (op.result !== undefined) what += ` → ${JSON.stringify(op.result)}`;
  const end = op.outcome === 'info' ? `${ms(op.completeNs)}/∞` : ms(op.completeNs);
  const where = op.node !== undefined ? `p${op.process}@${op.node}` : `p${op.process}`;
  return `#${op.id} ${where} ${what} ${op.outcome} [${ms(op.invokeNs)}..${end} ms]`;
}
