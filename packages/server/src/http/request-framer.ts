import { LIST_MARKER_HEADER } from './list-marker.js';

/**
 * Finds HTTP/1.1 request boundaries in a client byte stream and rewrites `LIST` request lines
 * to `GET` plus the list marker header, so Node's HTTP parser (which rejects unknown methods)
 * accepts them. Every other byte passes through unchanged.
 *
 * Framing follows RFC 9112 the way Node's strict llhttp does (CRLF line endings, one
 * Content-Length, chunked only as the final transfer coding). Anything the framer cannot frame
 * with certainty switches it to passthrough: the rest of the stream is forwarded raw and Node's
 * parser, which is at least as strict, rejects the request and closes the connection. So the
 * framer never has to guess a boundary.
 *
 * Memory is bounded: at most `maxHeadBytes` of a request head (or of chunked-encoding lines) is
 * buffered; beyond that the framer forwards what it has and goes passthrough, and Node answers
 * 431 (its own header limit is lower).
 */
export interface RequestFramerOptions {
  /** Largest request head buffered before giving up; default 64 KiB. */
  readonly maxHeadBytes?: number;
}

type State =
  | { readonly kind: 'head' }
  | { readonly kind: 'length'; remaining: number }
  | { readonly kind: 'chunk-size'; line: number[] }
  | { readonly kind: 'chunk-data'; remaining: number }
  | { readonly kind: 'chunk-data-end'; seen: number }
  | { readonly kind: 'trailer'; lineLength: number; total: number; sawCr: boolean }
  | { readonly kind: 'passthrough' };

const CR = 0x0d;
const LF = 0x0a;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) (HTTP\/\d\.\d)$/;
/** Hex digits of a chunk size we accept (2^52 > any body we would ever take). */
const MAX_CHUNK_SIZE_DIGITS = 13;
const MAX_CHUNK_LINE = 4096;

export class RequestFramer {
  private readonly maxHeadBytes: number;
  private state: State = { kind: 'head' };
  private head: Buffer;
  private headLength = 0;
  /** Requests framed so far (for tests and diagnostics). */
  requests = 0;
  /** LIST request lines rewritten so far. */
  rewrites = 0;

  constructor(options: RequestFramerOptions = {}) {
    this.maxHeadBytes = options.maxHeadBytes ?? 64 * 1024;
    this.head = Buffer.allocUnsafe(Math.min(1024, this.maxHeadBytes + HEAD_END.length));
  }

  /** True while part of a request head is buffered (the client is mid-head). */
  get headPending(): boolean {
    return this.state.kind === 'head' && this.headLength > 0;
  }

  /** True once the framer stopped framing and forwards bytes raw. */
  get passthrough(): boolean {
    return this.state.kind === 'passthrough';
  }

  /** Feeds client bytes; returns the bytes to hand to the HTTP parser, in order. */
  push(chunk: Uint8Array): Buffer[] {
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: Buffer[] = [];
    let pos = 0;
    while (pos < buf.length) {
      const state = this.state;
      switch (state.kind) {
        case 'passthrough':
          out.push(buf.subarray(pos));
          pos = buf.length;
          break;
        case 'head':
          pos = this.consumeHead(buf, pos, out);
          break;
        case 'length': {
          const n = Math.min(state.remaining, buf.length - pos);
          out.push(buf.subarray(pos, pos + n));
          pos += n;
          state.remaining -= n;
          if (state.remaining === 0) this.state = { kind: 'head' };
          break;
        }
        case 'chunk-data': {
          const n = Math.min(state.remaining, buf.length - pos);
          out.push(buf.subarray(pos, pos + n));
          pos += n;
          state.remaining -= n;
          if (state.remaining === 0) this.state = { kind: 'chunk-data-end', seen: 0 };
          break;
        }
        case 'chunk-size':
        case 'chunk-data-end':
        case 'trailer': {
          const start = pos;
          while (pos < buf.length && this.state === state) {
            this.chunkLineByte(buf[pos] as number);
            pos += 1;
          }
          out.push(buf.subarray(start, pos));
          break;
        }
      }
    }
    return out;
  }

  /** The client closed its side: returns any partial head still buffered. */
  end(): Buffer[] {
    if (this.state.kind === 'head' && this.headLength > 0) {
      const rest = Buffer.from(this.head.subarray(0, this.headLength));
      this.headLength = 0;
      return [rest];
    }
    return [];
  }

  private consumeHead(buf: Buffer, pos: number, out: Buffer[]): number {
    if (this.headLength === 0) {
      // Empty lines before a request line are tolerated by Node's parser: forward them as-is.
      let p = pos;
      while (p < buf.length && (buf[p] === CR || buf[p] === LF)) p += 1;
      if (p > pos) {
        out.push(buf.subarray(pos, p));
        return p;
      }
    }
    const before = this.headLength;
    const room = this.maxHeadBytes + HEAD_END.length - before;
    const take = Math.min(room, buf.length - pos);
    this.append(buf.subarray(pos, pos + take));
    const searchFrom = Math.max(0, before - (HEAD_END.length - 1));
    const idx = this.head.subarray(0, this.headLength).indexOf(HEAD_END, searchFrom);
    if (idx >= 0) {
      const headEnd = idx + HEAD_END.length;
      const consumed = headEnd - before;
      const head = Buffer.from(this.head.subarray(0, headEnd));
      this.headLength = 0;
      this.requests += 1;
      this.onHead(head, out);
      return pos + consumed;
    }
    if (this.headLength > this.maxHeadBytes) {
      out.push(Buffer.from(this.head.subarray(0, this.headLength)));
      this.headLength = 0;
      this.state = { kind: 'passthrough' };
    }
    return pos + take;
  }

  private append(bytes: Buffer): void {
    const needed = this.headLength + bytes.length;
    if (needed > this.head.length) {
      let cap = this.head.length * 2;
      while (cap < needed) cap *= 2;
      const grown = Buffer.allocUnsafe(cap);
      this.head.copy(grown, 0, 0, this.headLength);
      this.head = grown;
    }
    bytes.copy(this.head, this.headLength);
    this.headLength = needed;
  }

  /** Decides the body framing of one request head and emits the (possibly rewritten) head. */
  private onHead(head: Buffer, out: Buffer[]): void {
    const text = head.toString('latin1');
    const lines = text.slice(0, -4).split('\r\n');
    const requestLine = REQUEST_LINE.exec(lines[0] ?? '');
    if (requestLine === null) return this.giveUp(head, out);
    const [, method = '', target = '', version = ''] = requestLine;
    const kept: string[] = [];
    let dropped = false;
    const contentLengths: string[] = [];
    const transferEncodings: string[] = [];
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon) : '';
      if (!TOKEN.test(name)) return this.giveUp(head, out);
      const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
      const lower = name.toLowerCase();
      if (lower === LIST_MARKER_HEADER) {
        dropped = true;
        continue;
      }
      if (lower === 'content-length') contentLengths.push(value);
      if (lower === 'transfer-encoding') transferEncodings.push(value);
      kept.push(line);
    }

    const isList = method.toUpperCase() === 'LIST';
    if (isList || dropped) {
      const rewritten =
        `${isList ? 'GET' : method} ${target} ${version}\r\n` +
        (isList ? `${LIST_MARKER_HEADER}: 1\r\n` : '') +
        kept.map((l) => `${l}\r\n`).join('') +
        '\r\n';
      out.push(Buffer.from(rewritten, 'latin1'));
      if (isList) this.rewrites += 1;
    } else {
      out.push(head);
    }

    if (method.toUpperCase() === 'CONNECT') {
      this.state = { kind: 'passthrough' };
      return;
    }
    if (transferEncodings.length > 0) {
      const codings = transferEncodings
        .join(',')
        .split(',')
        .map((c) => c.trim().toLowerCase())
        .filter((c) => c !== '');
      if (contentLengths.length > 0 || codings[codings.length - 1] !== 'chunked') {
        this.state = { kind: 'passthrough' };
        return;
      }
      this.state = { kind: 'chunk-size', line: [] };
      return;
    }
    if (contentLengths.length > 1) {
      this.state = { kind: 'passthrough' };
      return;
    }
    if (contentLengths.length === 1) {
      const value = contentLengths[0] ?? '';
      const length = /^[0-9]{1,15}$/.test(value) ? Number(value) : Number.NaN;
      if (!Number.isSafeInteger(length)) {
        this.state = { kind: 'passthrough' };
        return;
      }
      this.state = length === 0 ? { kind: 'head' } : { kind: 'length', remaining: length };
      return;
    }
    this.state = { kind: 'head' };
  }

  private giveUp(head: Buffer, out: Buffer[]): void {
    out.push(head);
    this.state = { kind: 'passthrough' };
  }

  /** One byte of a chunk-size line, the CRLF after chunk data, or the trailer section. */
  private chunkLineByte(byte: number): void {
    const state = this.state;
    switch (state.kind) {
      case 'chunk-size': {
        state.line.push(byte);
        if (state.line.length > MAX_CHUNK_LINE) {
          this.state = { kind: 'passthrough' };
          return;
        }
        const n = state.line.length;
        if (byte !== LF) return;
        if (n < 2 || state.line[n - 2] !== CR) {
          this.state = { kind: 'passthrough' };
          return;
        }
        const line = Buffer.from(state.line.slice(0, n - 2)).toString('latin1');
        const semicolon = line.indexOf(';');
        const digits = (semicolon >= 0 ? line.slice(0, semicolon) : line).replace(/^0+(?=.)/, '');
        if (!/^[0-9A-Fa-f]+$/.test(digits) || digits.length > MAX_CHUNK_SIZE_DIGITS) {
          this.state = { kind: 'passthrough' };
          return;
        }
        const size = Number.parseInt(digits, 16);
        this.state =
          size === 0
            ? { kind: 'trailer', lineLength: 0, total: 0, sawCr: false }
            : { kind: 'chunk-data', remaining: size };
        return;
      }
      case 'chunk-data-end': {
        const expected = state.seen === 0 ? CR : LF;
        if (byte !== expected) {
          this.state = { kind: 'passthrough' };
          return;
        }
        state.seen += 1;
        if (state.seen === 2) this.state = { kind: 'chunk-size', line: [] };
        return;
      }
      case 'trailer': {
        state.total += 1;
        if (state.total > this.maxHeadBytes) {
          this.state = { kind: 'passthrough' };
          return;
        }
        if (state.sawCr) {
          if (byte !== LF) {
            this.state = { kind: 'passthrough' };
            return;
          }
          if (state.lineLength === 0) {
            this.state = { kind: 'head' };
            return;
          }
          state.lineLength = 0;
          state.sawCr = false;
          return;
        }
        if (byte === CR) state.sawCr = true;
        else if (byte === LF) this.state = { kind: 'passthrough' };
        else state.lineLength += 1;
        return;
      }
      default:
        return;
    }
  }
}
