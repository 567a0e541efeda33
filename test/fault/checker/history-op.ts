/**
 * The history model of the fault suite: one record per client operation, written by the
 * harness (see HistoryRecorder) and read by the checkers.
 *
 * Outcomes follow Jepsen: `ok` = acknowledged (2xx); `fail` = definitely not applied (4xx);
 * `info` = indeterminate (5xx, timeout, connection reset): it may take effect at any time after
 * its invocation, or never. The checkers treat an `info` op's completion as +∞.
 */

/** Any JSON value: operation arguments and results are kept as plain JSON. */
export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [k: string]: JsonValue };

/** Monotonic nanoseconds (`process.hrtime.bigint()`), or a plain number in hand-made histories. */
export type Nanos = bigint | number;

/**
 * Operation kinds. Registers use read/write/cas; set workloads use add + read (result = array of
 * elements); counters use increment + read (result = number). Other workloads may add kinds.
 */
export type OpType = 'read' | 'write' | 'cas' | 'add' | 'increment' | 'delete' | 'append';

export interface Operation {
  readonly type: OpType;
  readonly key: string;
  /** write/cas: the value written (unique per key in our workloads); add: the element; increment: the delta (default 1). */
  readonly value?: JsonValue;
  /** cas: the state the register must hold for the swap to happen (null = key absent). */
  readonly expected?: JsonValue;
}

export type Outcome = 'ok' | 'fail' | 'info';

export interface HistoryOp {
  /** Sequence number within the history (assigned by the recorder, in invocation order). */
  readonly id: number;
  /** Client (logical process) id. A process that got `info` should not be reused, as in Jepsen. */
  readonly process: number | string;
  /** The node the request was sent to. */
  readonly node?: string;
  readonly op: Operation;
  readonly invokeNs: Nanos;
  /** When the client got its answer (or gave up, for `info`). Checkers treat `info` as never completing. */
  readonly completeNs: Nanos;
  readonly outcome: Outcome;
  /**
   * read: the value read (null = absent); cas with outcome ok may set `false` to say "the swap
   * did not happen" when the API reports that with a 2xx; increment: the new value, if known.
   */
  readonly result?: JsonValue;
  /** Raw status or error text, for people reading kept artifacts. */
  readonly error?: string;
}
