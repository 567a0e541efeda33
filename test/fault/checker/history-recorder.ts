import { createWriteStream, type WriteStream } from 'node:fs';
import { toHistoryLine } from './history-line.js';
import type { HistoryOp, JsonValue, Operation, Outcome } from './history-op.js';

/** An invoked operation awaiting its outcome. */
export interface PendingOp {
  readonly id: number;
  readonly process: number | string;
  readonly node?: string;
  readonly op: Operation;
  readonly invokeNs: bigint;
}

export interface Completion {
  readonly outcome: Outcome;
  readonly result?: JsonValue;
  readonly error?: string;
}

export interface HistoryRecorderOptions {
  /** Append every completed operation to this file as a JSON line (the artifact kept on failure). */
  readonly file?: string;
  /** Monotonic clock; defaults to process.hrtime.bigint. */
  readonly clock?: () => bigint;
}

/**
 * Records a client-side history: `invoke` stamps the call time and assigns the op id (ids follow
 * invocation order), `complete` stamps the return time. Completed ops are kept in memory and
 * streamed to the file as they complete, so a killed harness still leaves a usable artifact.
 * `close` records still-pending ops as `info` (indeterminate) and flushes the file.
 */
export class HistoryRecorder {
  private readonly clock: () => bigint;
  private readonly stream: WriteStream | undefined;
  private readonly completed: HistoryOp[] = [];
  private readonly inFlight = new Map<number, PendingOp>();
  private nextId = 0;
  private streamError: Error | undefined;
  private closed = false;

  constructor(options: HistoryRecorderOptions = {}) {
    this.clock = options.clock ?? process.hrtime.bigint;
    if (options.file !== undefined) {
      this.stream = createWriteStream(options.file, { flags: 'a', encoding: 'utf8' });
      this.stream.on('error', (e) => {
        this.streamError ??= e;
      });
    }
  }

  invoke(process: number | string, op: Operation, node?: string): PendingOp {
    if (this.closed) throw new Error('HistoryRecorder is closed');
    const pending: PendingOp = {
      id: this.nextId++,
      process,
      op,
      invokeNs: this.clock(),
      ...(node !== undefined ? { node } : {}),
    };
    this.inFlight.set(pending.id, pending);
    return pending;
  }

  complete(pending: PendingOp, completion: Completion): HistoryOp {
    const completeNs = this.clock();
    if (!this.inFlight.delete(pending.id)) throw new Error(`op ${pending.id} is not in flight`);
    const op: HistoryOp = {
      ...pending,
      completeNs,
      outcome: completion.outcome,
      ...(completion.result !== undefined ? { result: completion.result } : {}),
      ...(completion.error !== undefined ? { error: completion.error } : {}),
    };
    this.completed.push(op);
    this.stream?.write(toHistoryLine(op) + '\n');
    return op;
  }

  /**
   * Forgets an invoked op that provably never reached the system (e.g. a refused TCP connect):
   * it is not recorded at all. Ids stay in invocation order (with a gap).
   */
  discard(pending: PendingOp): void {
    if (!this.inFlight.delete(pending.id)) throw new Error(`op ${pending.id} is not in flight`);
  }

  /**
   * Invokes, runs and completes one op. A thrown error is recorded as `info` (indeterminate) and
   * rethrown: callers that can tell a definite failure must return `{ outcome: 'fail' }` instead.
   */
  async run(
    process: number | string,
    node: string | undefined,
    op: Operation,
    fn: () => Promise<Completion>,
  ): Promise<HistoryOp> {
    const pending = this.invoke(process, op, node);
    let completion: Completion;
    try {
      completion = await fn();
    } catch (e) {
      this.complete(pending, { outcome: 'info', error: e instanceof Error ? e.message : String(e) });
      throw e;
    }
    return this.complete(pending, completion);
  }

  /** Completed ops sorted by id (invocation order). */
  history(): HistoryOp[] {
    return [...this.completed].sort((a, b) => a.id - b.id);
  }

  get pendingCount(): number {
    return this.inFlight.size;
  }

  /** Completes in-flight ops as `info`, flushes and closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const pending of [...this.inFlight.values()]) {
      this.complete(pending, { outcome: 'info', error: 'pending when the recorder closed' });
    }
    this.closed = true;
    const stream = this.stream;
    if (stream) {
      await new Promise<void>((resolve) => stream.end(resolve));
    }
    if (this.streamError) throw this.streamError;
  }
}
