import type { Readable } from 'node:stream';
import { SnapshotError } from './snapshot-error.js';

/** Where snapshot bytes come from: a byte stream or any async iterable of byte chunks. */
export type SnapshotSource = Readable | AsyncIterable<Uint8Array>;

/**
 * Exact-length reads over an async iterable of byte chunks of any size. Pulls from the source
 * only as far as the current read needs, so memory is bounded by the largest single read plus
 * one source chunk. Chunks must not be reused by the source after they are yielded.
 */
export class ByteReader {
  readonly #iterator: AsyncIterator<unknown>;
  readonly #chunks: Buffer[] = [];
  /** Offset of the first unread byte in `#chunks[0]`. */
  #head = 0;
  #buffered = 0;
  #consumed = 0;
  #ended = false;
  #closed = false;

  constructor(source: SnapshotSource) {
    this.#iterator = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  }

  /** Bytes handed out so far = offset of the next byte. */
  get offset(): number {
    return this.#consumed;
  }

  /** Exactly `n` bytes, or `TRUNCATED` when the source ends first. */
  async read(n: number): Promise<Buffer> {
    if (!(await this.#fill(n))) {
      throw new SnapshotError(
        'TRUNCATED',
        `snapshot truncated: ${n} bytes expected at offset ${this.#consumed}, input ends at ${this.#consumed + this.#buffered}`,
        this.#consumed + this.#buffered,
      );
    }
    return this.#take(n);
  }

  /** Up to `n` bytes: fewer only when the source ends first. */
  async readUpTo(n: number): Promise<Buffer> {
    await this.#fill(n);
    return this.#take(Math.min(n, this.#buffered));
  }

  /** True when the source has no more bytes. */
  async atEnd(): Promise<boolean> {
    return !(await this.#fill(1));
  }

  /** Releases the source (a stream is destroyed). Safe to call more than once. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#chunks.length = 0;
    this.#buffered = 0;
    if (!this.#ended) await this.#iterator.return?.();
  }

  async #fill(n: number): Promise<boolean> {
    while (this.#buffered < n && !this.#ended) {
      if (this.#closed) throw new Error('ByteReader is closed');
      const step = await this.#iterator.next();
      if (step.done === true) {
        this.#ended = true;
        break;
      }
      const chunk: unknown = step.value;
      if (!(chunk instanceof Uint8Array)) {
        throw new SnapshotError(
          'INVALID_INPUT',
          `snapshot source yielded ${typeof chunk} instead of bytes (is an encoding set on the stream?)`,
        );
      }
      if (chunk.byteLength === 0) continue;
      const buf = Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      this.#chunks.push(buf);
      this.#buffered += buf.length;
    }
    return this.#buffered >= n;
  }

  #take(n: number): Buffer {
    this.#buffered -= n;
    this.#consumed += n;
    const first = this.#chunks[0];
    if (n === 0 || first === undefined) return Buffer.alloc(0);
    if (first.length - this.#head >= n) {
      const out = first.subarray(this.#head, this.#head + n);
      this.#advance(first, n);
      return out;
    }
    // Spans chunks: copy, then drop the exhausted chunks in one splice (tiny source chunks
    // must not make a large read quadratic).
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    let index = 0;
    while (filled < n) {
      const chunk = this.#chunks[index] as Buffer;
      const take = Math.min(chunk.length - this.#head, n - filled);
      chunk.copy(out, filled, this.#head, this.#head + take);
      filled += take;
      this.#head += take;
      if (this.#head === chunk.length) {
        index++;
        this.#head = 0;
      }
    }
    this.#chunks.splice(0, index);
    return out;
  }

  #advance(chunk: Buffer, n: number): void {
    this.#head += n;
    if (this.#head === chunk.length) {
      this.#chunks.shift();
      this.#head = 0;
    }
  }
}
