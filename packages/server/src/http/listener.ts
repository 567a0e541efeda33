import {
  createServer as createHttpServer,
  type IncomingMessage,
  type RequestListener,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { ListShimSocket } from './list-shim-socket.js';

export interface ListenerTls {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** e.g. 'TLSv1.2' (Vault's `tls_min_version = "tls12"`). */
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
}

export interface ListenerOptions {
  /** `host:port`; port 0 picks a free port. */
  readonly address: string;
  /** Absent: plain HTTP. */
  readonly tls?: ListenerTls;
  /** Largest request head the LIST shim buffers (default 64 KiB). */
  readonly maxHeadBytes?: number;
  /** Largest request head Node's parser accepts before answering 431 (default 16 KiB). */
  readonly maxHeaderSize?: number;
  /** Idle keep-alive timeout (ms); Vault's `http_idle_timeout` default is 5 minutes. */
  readonly keepAliveTimeoutMs?: number;
  /** Longest wait for a complete request head (ms); Vault's `http_read_header_timeout` is 10 s. */
  readonly headerTimeoutMs?: number;
  /** Longest time to receive a whole request (ms); Vault's `http_read_timeout` is 30 s. */
  readonly requestTimeoutMs?: number;
}

/** Splits `host:port` (IPv6 as `[::1]:8200`). */
export function parseListenAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address.trim());
  if (m === null) throw new Error(`invalid listener address "${address}": expected host:port`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid listener address "${address}": port out of range`);
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/**
 * A TCP (or TLS) listener whose connections go through the LIST shim before reaching a Node
 * HTTP server that runs `handler` (the Express app). The HTTP server never listens itself.
 */
export class Listener {
  readonly http: HttpServer;
  private readonly server: NetServer;
  private readonly sockets = new Set<Socket | TLSSocket>();
  private readonly options: ListenerOptions;

  constructor(
    options: ListenerOptions,
    handler: RequestListener<typeof IncomingMessage, typeof ServerResponse>,
  ) {
    this.options = options;
    this.http = createHttpServer(
      {
        maxHeaderSize: options.maxHeaderSize ?? 16 * 1024,
        keepAliveTimeout: options.keepAliveTimeoutMs ?? 300_000,
      },
      handler,
    );
    this.http.keepAliveTimeout = options.keepAliveTimeoutMs ?? 300_000;
    this.http.requestTimeout = options.requestTimeoutMs ?? 30_000;
    this.http.headersTimeout = Math.min(
      options.headerTimeoutMs ?? 10_000,
      this.http.requestTimeout || Infinity,
    );
    this.http.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (err.code === 'ECONNRESET' || !socket.writable) {
        socket.destroy();
        return;
      }
      const [status, reason, message] =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'Request Header Fields Too Large', 'request header too large']
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT'
            ? [408, 'Request Timeout', 'request timed out']
            : [400, 'Bad Request', 'malformed HTTP request'];
      const body = JSON.stringify({ errors: [message] });
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    });

    const accept = (socket: Socket | TLSSocket): void => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      this.http.emit(
        'connection',
        new ListShimSocket(socket, {
          ...(options.maxHeadBytes === undefined ? {} : { maxHeadBytes: options.maxHeadBytes }),
          headerTimeoutMs: options.headerTimeoutMs ?? 10_000,
        }),
      );
    };
    if (options.tls !== undefined) {
      const tlsServer = createTlsServer({
        cert: options.tls.cert,
        key: options.tls.key,
        minVersion: options.tls.minVersion ?? 'TLSv1.2',
        ALPNProtocols: ['http/1.1'],
      });
      tlsServer.on('secureConnection', accept);
      tlsServer.on('tlsClientError', (_err, socket) => socket.destroy());
      this.server = tlsServer;
    } else {
      const netServer = createNetServer({ allowHalfOpen: false });
      netServer.on('connection', accept);
      this.server = netServer;
    }
  }

  /** Starts listening; resolves with the bound `host:port` (useful with port 0). */
  async listen(): Promise<{ host: string; port: number }> {
    const { host, port } = parseListenAddress(this.options.address);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    // The HTTP server never listens itself; this starts its connection tracking, which
    // enforces requestTimeout (slow bodies) on the connections we hand it.
    this.http.emit('listening');
    const addr = this.server.address();
    if (addr === null || typeof addr === 'string') return { host, port };
    return { host: addr.address, port: addr.port };
  }

  /** The bound address, once listening. */
  boundAddress(): { host: string; port: number } | undefined {
    const addr = this.server.address();
    if (addr === null || typeof addr === 'string') return undefined;
    return { host: addr.address, port: addr.port };
  }

  /** Stops accepting, then closes every open connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.http.close();
    await closed;
  }
}
