/** Raw-socket HTTP/1.1 exchanges for malformed-input tests (bytes Node's client would refuse to send). */
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  /** Status of the first response, 0 when none arrived. */
  readonly status: number;
  /** Everything the server sent (all responses), as latin1. */
  readonly raw: string;
  /** Body of the first response (by Content-Length), as UTF-8. */
  readonly body: string;
  /** The server closed the connection before `timeoutMs`. */
  readonly closed: boolean;
  readonly ms: number;
}

function parseFirst(raw: Buffer): { status: number; body: string } {
  const text = raw.toString('latin1');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  if (m === null) return { status: 0, body: '' };
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return { status: Number(m[1]), body: '' };
  const head = text.slice(0, headEnd);
  const len = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  const start = headEnd + 4;
  const bodyBytes = raw.subarray(start, len === null ? raw.length : start + Number(len[1]));
  return { status: Number(m[1]), body: bodyBytes.toString('utf8') };
}

/**
 * Connects, runs `drive` (which writes to the socket), collects what the server sends until it
 * closes or `timeoutMs` passes, then destroys the socket.
 */
export async function rawExchange(
  port: number,
  drive: (socket: Socket) => void | Promise<void>,
  timeoutMs = 10_000,
  /** Stop once this many bytes arrived (or a full first response, when `untilFirst`). */
  untilFirst = false,
): Promise<RawResponse> {
  const started = Date.now();
  const socket = connect({ host: '127.0.0.1', port });
  const chunks: Buffer[] = [];
  let closed = false;
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      if (untilFirst) {
        const r = parseFirst(Buffer.concat(chunks));
        const text = Buffer.concat(chunks).toString('latin1');
        const headEnd = text.indexOf('\r\n\r\n');
        const len = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, Math.max(0, headEnd)));
        if (r.status !== 0 && headEnd >= 0 && (len === null || text.length - headEnd - 4 >= Number(len[1]))) {
          clearTimeout(timer);
          resolve();
        }
      }
    });
    socket.on('close', () => {
      closed = true;
      clearTimeout(timer);
      resolve();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => {
    socket.once('connect', resolve);
    socket.once('error', () => resolve());
  });
  try {
    await drive(socket);
  } catch {
    // the server may close mid-write (413, 431): what it answered is what matters
  }
  await done;
  socket.destroy();
  const raw = Buffer.concat(chunks);
  const { status, body } = parseFirst(raw);
  return { status, raw: raw.toString('latin1'), body, closed, ms: Date.now() - started };
}

/** Writes `data` honouring back-pressure; resolves false if the socket died. */
export function write(socket: Socket, data: string | Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed) {
      resolve(false);
      return;
    }
    const ok = socket.write(data, (err) => {
      if (err) resolve(false);
      else if (ok) resolve(true);
    });
    if (!ok) socket.once('drain', () => resolve(true));
  });
}
