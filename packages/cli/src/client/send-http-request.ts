import * as http from 'node:http';
import * as https from 'node:https';

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

/** Sends one request with `node:http`/`node:https` and buffers the whole answer. */
export function sendHttpRequest(req: HttpRequest): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    const isHttps = req.url.protocol === 'https:';
    if (!isHttps && req.url.protocol !== 'http:') {
      reject(new HttpTransportError(`unsupported address scheme "${req.url.protocol}"`, undefined));
      return;
    }
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers['Content-Length'] = String(req.body.length);
    const base: http.RequestOptions = {
      method: req.method,
      protocol: req.url.protocol,
      hostname: req.url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: req.url.port === '' ? undefined : Number(req.url.port),
      path: `${req.url.pathname}${req.url.search}`,
      headers,
      agent: false,
    };
    let request: http.ClientRequest;
    if (isHttps) {
      const tls = req.tls ?? {};
      const options: https.RequestOptions = {
        ...base,
        rejectUnauthorized: tls.skipVerify !== true,
      };
      if (tls.ca !== undefined) options.ca = tls.ca as string | Buffer | (string | Buffer)[];
      if (tls.cert !== undefined) options.cert = tls.cert;
      if (tls.key !== undefined) options.key = tls.key;
      if (tls.serverName !== undefined && tls.serverName !== '') options.servername = tls.serverName;
      request = https.request(options);
    } else {
      request = http.request(base);
    }
    let settled = false;
    const fail = (err: HttpTransportError): void => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    request.setTimeout(req.timeoutMs, () => {
      request.destroy(new HttpTransportError(`timed out after ${req.timeoutMs} ms`, 'ETIMEDOUT'));
    });
    request.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof HttpTransportError) fail(err);
      else fail(new HttpTransportError(err.message, err.code));
    });
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
