import { Writable } from 'node:stream';

/** A sink that keeps everything written to it (for small test snapshots only). */
export class CollectSink extends Writable {
  readonly #chunks: Buffer[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#chunks.push(chunk);
    callback();
  }

  bytes(): Buffer {
    return Buffer.concat(this.#chunks);
  }
}
