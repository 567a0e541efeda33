import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';

/** Where a snapshot is written: a file, a socket, an HTTP response, ... */
export type SnapshotSink = Writable | NodeJS.WritableStream;

/**
 * Writes chunks to a sink with backpressure: after a `write` that returns false, waits for
 * `drain` before the next one, so at most one chunk beyond the sink's high-water mark is
 * buffered. An `error` or a premature `close` of the sink fails the next (or pending) write.
 */
export class SinkWriter {
  readonly #sink: SnapshotSink;
  #error: unknown;
  #failed = false;
  #wake: (() => void) | undefined;
  readonly #onError = (err: unknown): void => this.#fail(err);
  readonly #onClose = (): void =>
    this.#fail(new Error('snapshot sink closed before the snapshot was written'));
  readonly #onDrain = (): void => this.#wakeUp();

  constructor(sink: SnapshotSink) {
    this.#sink = sink;
    sink.on('error', this.#onError);
    sink.on('close', this.#onClose);
    sink.on('drain', this.#onDrain);
  }

  async write(chunk: Buffer): Promise<void> {
    this.#throwIfFailed();
    if ('destroyed' in this.#sink && this.#sink.destroyed) {
      throw new Error('snapshot sink is destroyed');
    }
    if (this.#sink.write(chunk)) return;
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
    this.#throwIfFailed();
  }

  /** Ends the sink and waits until everything has been flushed (`finish`). */
  async end(): Promise<void> {
    this.#throwIfFailed();
    this.#sink.removeListener('close', this.#onClose);
    this.#sink.end();
    await finished(this.#sink, { readable: false });
  }

  /**
   * Destroys the sink if it can be destroyed (after a failure, when the caller handed it over).
   * Without an error argument: the caller learns the error from the rejected promise, and the
   * sink emits only `close`, not an `error` nobody may be listening to.
   */
  destroy(): void {
    const sink = this.#sink;
    if ('destroy' in sink && typeof sink.destroy === 'function') sink.destroy();
  }

  /** Removes the listeners this writer added. */
  dispose(): void {
    this.#sink.removeListener('close', this.#onClose);
    this.#sink.removeListener('drain', this.#onDrain);
    // Keep swallowing errors a destroyed sink may still emit after we are done with it.
    if (!this.#failed) this.#sink.removeListener('error', this.#onError);
  }

  #fail(err: unknown): void {
    if (!this.#failed) {
      this.#failed = true;
      this.#error = err;
    }
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #throwIfFailed(): void {
    if (this.#failed) throw this.#error;
  }
}
