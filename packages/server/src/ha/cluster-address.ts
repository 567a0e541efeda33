import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';

/** A cluster address as `host:port` (IPv6 hosts in brackets) and its parts. */
export interface ClusterAddress {
  readonly host: string;
  readonly port: number;
  readonly hostPort: string;
}

/**
 * Parses `cluster_addr` values: a URL (`https://10.0.0.1:8201`; the scheme is ignored, cluster
 * traffic is always mutual TLS) or a bare `host:port`. Throws BadRequest naming the value.
 */
export function parseClusterAddress(value: string): ClusterAddress {
  const text = value.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `tcp://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CofferError(
      ErrorCode.BadRequest,
      `invalid cluster address ${JSON.stringify(value)}: expected host:port`,
    );
  }
  const port = Number(url.port);
  if (url.hostname === '' || url.port === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CofferError(
      ErrorCode.BadRequest,
      `invalid cluster address ${JSON.stringify(value)}: expected host:port`,
    );
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const hostPort = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return { host, port, hostPort };
}
