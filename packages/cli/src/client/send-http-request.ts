import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';

/** TLS settings for an `https:` address. */
export interface TlsOptions {
  /** PEM CA certificate(s) to trust instead of the system roots. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** Client certificate and key (PEM) for mutual TLS. */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** Do not verify the server certificate (VAULT_SKIP_VERIFY). */
  readonly skipVerify?: boolean;
  /** SNI name and name to verify (VAULT_TLS_SERVER_NAME). */
  readonly serverName?: string;
}

/** One HTTP exchange. */
export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  readonly timeoutMs: number;
  readonly tls?: TlsOptions;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Failure before an HTTP answer arrived, with node's error code when it has one. */
export class HttpTransportError extends Error {
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'HttpTransportError';
    this.code = code;
  }
}

/** Builds the `node:http`/`node:https` request of `req` (not yet sent), or fails on a bad scheme. */
function createRequest(
  req: HttpRequest | HttpStreamRequest,
  contentLength: number | undefined,
): http.ClientRequest {
  const isHttps = req.url.protocol === 'https:';
  if (!isHttps && req.url.protocol !== 'http:') {
    throw new HttpTransportError(`unsupported address scheme "${req.url.protocol}"`, undefined);
  }
  const headers: Record<string, string> = { ...req.headers };
  if (contentLength !== undefined) headers['Content-Length'] = String(contentLength);
  const base: http.RequestOptions = {
    method: req.method,
    protocol: req.url.protocol,
    hostname: req.url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: req.url.port === '' ? undefined : Number(req.url.port),
    path: `${req.url.pathname}${req.url.search}`,
    headers,
    agent: false,
  };
  if (!isHttps) return http.request(base);
  const tls = req.tls ?? {};
  const options: https.RequestOptions = {
    ...base,
    rejectUnauthorized: tls.skipVerify !== true,
  };
  if (tls.ca !== undefined) options.ca = tls.ca as string | Buffer | (string | Buffer)[];
  if (tls.cert !== undefined) options.cert = tls.cert;
  if (tls.key !== undefined) options.key = tls.key;
  if (tls.serverName !== undefined && tls.serverName !== '') options.servername = tls.serverName;
  return https.request(options);
}

/** Arms the idle timeout of `request`: no socket activity for `timeoutMs` fails it. */
function armTimeout(request: http.ClientRequest, timeoutMs: number): void {
  request.setTimeout(timeoutMs, () => {
    request.destroy(new HttpTransportError(`timed out after ${timeoutMs} ms`, 'ETIMEDOUT'));
  });
}

function transportError(err: NodeJS.ErrnoException): HttpTransportError {
  return err instanceof HttpTransportError ? err : new HttpTransportError(err.message, err.code);
}

/** Sends one request with `node:http`/`node:https` and buffers the whole answer. */
export function sendHttpRequest(req: HttpRequest): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    let request: http.ClientRequest;
    try {
      request = createRequest(req, req.body?.length);
    } catch (err) {
      reject(err as Error);
      return;
    }
    let settled = false;
    const fail = (err: HttpTransportError): void => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    armTimeout(request, req.timeoutMs);
    request.on('error', (err: NodeJS.ErrnoException) => fail(transportError(err)));
    request.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (err: NodeJS.ErrnoException) => fail(new HttpTransportError(err.message, err.code)));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
    request.end(req.body);
  });
}

/** One HTTP exchange whose bodies are streams (snapshots): nothing is held in memory whole. */
export interface HttpStreamRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  /** Piped to the server as the request body; `contentLength` is sent when given. */
  readonly body?: Readable;
  readonly contentLength?: number;
  /** Idle timeout: no bytes either way for this long fails the exchange. */
  readonly timeoutMs: number;
  readonly tls?: TlsOptions;
}

/** An answer whose body has not been read yet. */
export interface HttpStreamResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The body; a connection lost part-way makes it fail (`aborted`, ECONNRESET). */
  readonly body: Readable;
  /** Reads the (small) rest of the body into memory, keeping at most `limit` bytes, and closes the exchange. */
  readAll(limit?: number): Promise<Buffer>;
  /** Stops the exchange (after an answer the caller does not read). */
  discard(): void;
}

/**
 * Sends one request and resolves as soon as the answer's headers arrive, with the body still
 * to be read. A request body is piped with backpressure; when the server answers before it has
 * read all of it (a redirect, an error), the rest is not sent.
 */
export function streamHttpRequest(req: HttpStreamRequest): Promise<HttpStreamResponse> {
  return new Promise<HttpStreamResponse>((resolve, reject) => {
    let request: http.ClientRequest;
    try {
      request = createRequest(req, req.contentLength);
    } catch (err) {
      req.body?.destroy();
      reject(err as Error);
      return;
    }
    let answered = false;
    armTimeout(request, req.timeoutMs);
    request.on('error', (err: NodeJS.ErrnoException) => {
      req.body?.destroy();
      if (!answered) reject(transportError(err));
    });
    req.body?.on('error', (err: NodeJS.ErrnoException) => {
      if (!answered) request.destroy(transportError(err));
    });
    request.on('response', (res) => {
      answered = true;
      const body = req.body;
      if (body && !body.readableEnded) {
        // The server answered before taking the whole body: send no more of it.
        body.unpipe(request);
        body.destroy();
      }
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: res,
        async readAll(limit = 64 * 1024): Promise<Buffer> {
          const chunks: Buffer[] = [];
          let kept = 0;
          try {
            for await (const chunk of res as AsyncIterable<Buffer>) {
              if (kept < limit) {
                const part = chunk.subarray(0, limit - kept);
                chunks.push(part);
                kept += part.length;
              }
            }
          } catch (err) {
            throw transportError(err as NodeJS.ErrnoException);
          } finally {
            request.destroy();
          }
          return Buffer.concat(chunks);
        },
        discard(): void {
          res.destroy();
          request.destroy();
        },
      });
    });
    if (req.body) req.body.pipe(request);
    else request.end();
  });
}
