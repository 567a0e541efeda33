import type { HistoryOp, JsonValue, Nanos, Operation, OpType, Outcome } from './history-op.js';

/**
 * The JSON-lines encoding of a history: one completed operation per line. Bigint times are
 * written as decimal strings (JSON has no 64-bit integers) and read back as bigint; plain
 * number times stay numbers, so a history round-trips exactly.
 */
export function toHistoryLine(op: HistoryOp): string {
  const rec: Record<string, unknown> = {
    id: op.id,
    process: op.process,
    op: op.op,
    invokeNs: encodeNanos(op.invokeNs),
    completeNs: encodeNanos(op.completeNs),
    outcome: op.outcome,
  };
  if (op.node !== undefined) rec.node = op.node;
  if (op.result !== undefined) rec.result = op.result;
  if (op.error !== undefined) rec.error = op.error;
  return JSON.stringify(rec);
}

const OP_TYPES: ReadonlySet<string> = new Set<OpType>([
  'read',
  'write',
  'cas',
  'add',
  'increment',
  'delete',
  'append',
]);
const OUTCOMES: ReadonlySet<string> = new Set<Outcome>(['ok', 'fail', 'info']);

/** Parses one line written by toHistoryLine; throws with a precise message on malformed input. */
export function fromHistoryLine(line: string): HistoryOp {
  const raw: unknown = JSON.parse(line);
  if (!isRecord(raw)) throw new Error('history line is not a JSON object');
  const { id, process, node, op, invokeNs, completeNs, outcome, result, error } = raw;
  if (typeof id !== 'number' || !Number.isInteger(id)) throw new Error('history line: id must be an integer');
  if (typeof process !== 'number' && typeof process !== 'string')
    throw new Error('history line: bad process');
  if (node !== undefined && typeof node !== 'string') throw new Error('history line: node must be a string');
  if (typeof outcome !== 'string' || !OUTCOMES.has(outcome))
    throw new Error(`history line: bad outcome ${String(outcome)}`);
  if (error !== undefined && typeof error !== 'string')
    throw new Error('history line: error must be a string');
  const parsed: HistoryOp = {
    id,
    process,
    op: decodeOperation(op),
    invokeNs: decodeNanos(invokeNs, 'invokeNs'),
    completeNs: decodeNanos(completeNs, 'completeNs'),
    outcome: outcome as Outcome,
    ...(node !== undefined ? { node } : {}),
    ...(result !== undefined ? { result: result as JsonValue } : {}),
    ...(error !== undefined ? { error } : {}),
  };
  return parsed;
}

function decodeOperation(op: unknown): Operation {
  if (!isRecord(op)) throw new Error('history line: op must be an object');
  const { type, key, value, expected } = op;
  if (typeof type !== 'string' || !OP_TYPES.has(type))
    throw new Error(`history line: bad op type ${String(type)}`);
  if (typeof key !== 'string') throw new Error('history line: op.key must be a string');
  return {
    type: type as OpType,
    key,
    ...(value !== undefined ? { value: value as JsonValue } : {}),
    ...(expected !== undefined ? { expected: expected as JsonValue } : {}),
  };
}

function encodeNanos(t: Nanos): string | number {
  return typeof t === 'bigint' ? t.toString() : t;
}

function decodeNanos(t: unknown, field: string): Nanos {
  if (typeof t === 'number' && Number.isFinite(t)) return t;
  if (typeof t === 'string' && /^-?\d+$/.test(t)) return BigInt(t);
  throw new Error(`history line: ${field} must be a number or a decimal string`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
