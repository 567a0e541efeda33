import type { HistoryOp, JsonValue, Operation, Outcome } from './history-op.js';

/** [invoke, complete] in arbitrary time units (plain numbers). */
export type Span = readonly [number, number];

/**
 * Hand-made histories for checker tests and golden cases:
 * `new HistoryBuilder().write(1, 'x', 'a', [0, 10]).read(2, 'x', 'a', [5, 12]).build()`.
 * Ids are assigned by invocation time (ties: insertion order) when `build` is called.
 */
export class HistoryBuilder {
  private readonly ops: Omit<HistoryOp, 'id'>[] = [];

  op(process: number | string, op: Operation, span: Span, outcome: Outcome = 'ok', result?: JsonValue): this {
    this.ops.push({
      process,
      node: `n${(this.ops.length % 3) + 1}`,
      op,
      invokeNs: span[0],
      completeNs: span[1],
      outcome,
      ...(result !== undefined ? { result } : {}),
    });
    return this;
  }

  write(process: number, key: string, value: JsonValue, span: Span, outcome: Outcome = 'ok'): this {
    return this.op(process, { type: 'write', key, value }, span, outcome);
  }

  /** A read; `info` reads carry no result. */
  read(process: number, key: string, result: JsonValue, span: Span, outcome: Outcome = 'ok'): this {
    return this.op(process, { type: 'read', key }, span, outcome, outcome === 'ok' ? result : undefined);
  }

  cas(
    process: number,
    key: string,
    expected: JsonValue,
    value: JsonValue,
    span: Span,
    outcome: Outcome = 'ok',
  ): this {
    return this.op(process, { type: 'cas', key, expected, value }, span, outcome);
  }

  add(process: number, key: string, element: JsonValue, span: Span, outcome: Outcome = 'ok'): this {
    return this.op(process, { type: 'add', key, value: element }, span, outcome);
  }

  increment(process: number, key: string, delta: number, span: Span, outcome: Outcome = 'ok'): this {
    return this.op(process, { type: 'increment', key, value: delta }, span, outcome);
  }

  build(): HistoryOp[] {
    return this.ops
      .map((op, order) => ({ op, order }))
      .sort((a, b) => Number(a.op.invokeNs) - Number(b.op.invokeNs) || a.order - b.order)
      .map(({ op }, id) => ({ id, ...op }));
  }
}
