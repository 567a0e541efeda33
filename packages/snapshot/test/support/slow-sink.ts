import { Writable } from 'node:stream';

/**
 * A sink that accepts a chunk only when the test says so: each `_write` waits until
 * `release()` is called, so the test decides how slow the consumer is without sleeping.
 */
export class SlowSink extends Writable {
  /** Bytes handed to `_write` so far. */
  received = 0;
  readonly #pending: Array<(error?: Error | null) => void> = [];

  constructor(highWaterMark: number) {
    super({ highWaterMark });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.received += chunk.length;
    this.#pending.push(callback);
  }

  /** True when a write is waiting to be acknowledged. */
  get waiting(): boolean {
    return this.#pending.length > 0;
  }

  /** Acknowledges the oldest pending write. */
  release(): void {
    this.#pending.shift()?.();
  }
}
