import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { RequestFramer, type RequestFramerOptions } from './request-framer.js';

export interface ListShimOptions extends RequestFramerOptions {
  /** Longest wait for a complete request head (Vault's `http_read_header_timeout`, 10 s); 0 = none. */
  readonly headerTimeoutMs?: number;
}

/**
 * A Duplex standing between a client socket (plain or decrypted TLS) and Node's HTTP server:
 * reads go through a `RequestFramer` (LIST → GET + marker), writes go straight to the socket.
 * Hand it to the server with `httpServer.emit('connection', shim)`.
 *
 * It mirrors the socket methods Node's HTTP server and Express use (timeouts, addresses,
 * `encrypted`), so requests look as if they came from the socket itself.
 */
export class ListShimSocket extends Duplex {
  readonly inner: Socket | TLSSocket;
  /** True on TLS connections (Express reads it for `req.protocol`). */
  readonly encrypted: boolean;
  private readonly framer: RequestFramer;

  constructor(inner: Socket | TLSSocket, options: ListShimOptions = {}) {
    super({ allowHalfOpen: true });
    this.inner = inner;
    this.encrypted = 'encrypted' in inner && inner.encrypted === true;
    this.framer = new RequestFramer(options);
    this.headerTimeoutMs = options.headerTimeoutMs ?? 10_000;
    // Waiting for the first request head counts as reading a header (Go's ReadHeaderTimeout).
    this.armHeaderTimer();

    inner.on('data', (chunk: Buffer) => {
      const completedBefore = this.framer.requests;
      let more = true;
      for (const piece of this.framer.push(chunk)) if (piece.length > 0) more = this.push(piece) && more;
      if (this.framer.requests !== completedBefore || this.framer.passthrough) this.disarmHeaderTimer();
      if (this.framer.headPending) this.armHeaderTimer();
      if (!more) inner.pause();
    });
    inner.on('end', () => {
      for (const piece of this.framer.end()) this.push(piece);
      this.push(null);
    });
    inner.on('error', (err: Error) => this.destroy(err));
    inner.on('close', () => {
      if (!this.destroyed) this.destroy();
    });
    inner.on('timeout', () => this.emit('timeout'));
    inner.on('drain', () => this.emit('drain'));
  }

  private readonly headerTimeoutMs: number;
  private headerTimer: NodeJS.Timeout | undefined;

  /**
   * A client that takes longer than `headerTimeoutMs` to send a request head (slowloris) is
   * disconnected: the head is still in the framer, so Node's own header timeout never sees it.
   */
  private armHeaderTimer(): void {
    if (this.headerTimer !== undefined || this.headerTimeoutMs <= 0) return;
    this.headerTimer = setTimeout(() => {
      this.headerTimer = undefined;
      if (this.framer.headPending || this.framer.requests === 0) this.inner.destroy();
    }, this.headerTimeoutMs);
    this.headerTimer.unref();
  }

  private disarmHeaderTimer(): void {
    if (this.headerTimer === undefined) return;
    clearTimeout(this.headerTimer);
    this.headerTimer = undefined;
  }

  /** Requests framed on this connection so far. */
  get requestCount(): number {
    return this.framer.requests;
  }

  get remoteAddress(): string | undefined {
    return this.inner.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.inner.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.inner.remoteFamily;
  }
  get localAddress(): string | undefined {
    return this.inner.localAddress;
  }
  get localPort(): number | undefined {
    return this.inner.localPort;
  }
  get bytesWritten(): number {
    return this.inner.bytesWritten;
  }
  get bytesRead(): number {
    return this.inner.bytesRead;
  }

  address(): ReturnType<Socket['address']> {
    return this.inner.address();
  }

  setTimeout(ms: number, callback?: () => void): this {
    this.inner.setTimeout(ms);
    if (callback !== undefined) this.once('timeout', callback);
    return this;
  }

  setNoDelay(noDelay?: boolean): this {
    this.inner.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.inner.setKeepAlive(enable, initialDelay);
    return this;
  }

  destroySoon(): void {
    this.end();
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.inner.destroyed) {
      callback();
      return;
    }
    this.inner.write(chunk, encoding, (err) => callback(err ?? null));
  }

  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: (error?: Error | null) => void,
  ): void {
    if (this.inner.destroyed) {
      callback();
      return;
    }
    this.inner.cork();
    for (let i = 0; i < chunks.length; i += 1) {
      const { chunk, encoding } = chunks[i] as { chunk: Buffer; encoding: BufferEncoding };
      if (i === chunks.length - 1) this.inner.write(chunk, encoding, (err) => callback(err ?? null));
      else this.inner.write(chunk, encoding);
    }
    this.inner.uncork();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.inner.end(() => callback());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.disarmHeaderTimer();
    if (!this.inner.destroyed) this.inner.destroy();
    callback(error);
  }
}
