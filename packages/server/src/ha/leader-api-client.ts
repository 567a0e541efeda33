import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';

/** How to reach a cluster node's HTTP API for a join (the `retry_join` / `join` TLS settings, PEM contents). */
export interface LeaderApiTarget {
  /** `http(s)://host:port`. */
  readonly address: string;
  readonly caCert?: string;
  readonly clientCert?: string;
  readonly clientKey?: string;
  readonly tlsServerName?: string;
}

const TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * POSTs JSON to another node's API (`/v1/<path>`) and returns the response's `data`. Failures:
 * unreachable → CofferError(NoActiveNode) naming the address; an error status → CofferError with
 * the remote `errors` (4xx → BadRequest, else NoActiveNode). Never logs or echoes the body.
 */
export async function postToLeader(
  target: LeaderApiTarget,
  path: string,
  body: Readonly<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  let url: URL;
  try {
    url = new URL(`/v1/${path}`, target.address);
  } catch {
    throw new CofferError(
      ErrorCode.BadRequest,
      `invalid leader API address ${JSON.stringify(target.address)}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CofferError(
      ErrorCode.BadRequest,
      `leader API address must be http or https: ${target.address}`,
    );
  }
  const payload = Buffer.from(JSON.stringify(body));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const tls =
    url.protocol === 'https:'
      ? {
          ...(target.caCert === undefined ? {} : { ca: target.caCert }),
          ...(target.clientCert === undefined ? {} : { cert: target.clientCert }),
          ...(target.clientKey === undefined ? {} : { key: target.clientKey }),
          ...(target.tlsServerName === undefined ? {} : { servername: target.tlsServerName }),
        }
      : {};
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': String(payload.byteLength),
          'X-Vault-Request': 'true',
        },
        timeout: TIMEOUT_MS,
        agent: false,
        ...tls,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.byteLength;
          if (size > MAX_RESPONSE_BYTES) res.destroy(new Error('response too large'));
          else chunks.push(c);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(payload);
  }).catch((err: unknown) => {
    const code =
      err instanceof Error && 'code' in err ? String(err.code) : err instanceof Error ? err.message : 'error';
    throw new CofferError(ErrorCode.NoActiveNode, `cannot reach the leader at ${url.origin} (${code})`);
  });
  let json: unknown;
  try {
    json = text === '' ? {} : JSON.parse(text);
  } catch {
    json = {};
  }
  const obj = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  if (status < 200 || status >= 300) {
    const errors = Array.isArray(obj['errors']) ? obj['errors'].map(String).join('; ') : '';
    const message = `the leader at ${url.origin} refused the join (${status}${errors === '' ? '' : `: ${errors}`})`;
    throw new CofferError(
      status >= 400 && status < 500 ? ErrorCode.BadRequest : ErrorCode.NoActiveNode,
      message,
    );
  }
  const data = obj['data'];
  if (typeof data !== 'object' || data === null)
    throw new CofferError(ErrorCode.NoActiveNode, `the leader at ${url.origin} sent no data`);
  return data as Record<string, unknown>;
}
