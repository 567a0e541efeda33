import type { VaultSecret } from './vault-api-types.js';

/**
 * The server answered with an HTTP error status. Carries the status, Vault's `errors`
 * array, the request line, and (for KV v2 404s and the like) the envelope the server sent.
 * The message is one line: `Code: 403. Errors: * permission denied (PUT http://…/v1/x)`.
 */
export class VaultApiError extends Error {
  readonly status: number;
  readonly errors: readonly string[];
  readonly method: string;
  readonly url: string;
  /** The response envelope when the error body also carried data or warnings. */
  readonly secret: VaultSecret | null;

  constructor(args: {
    status: number;
    errors: readonly string[];
    method: string;
    url: string;
    secret?: VaultSecret | null;
  }) {
    super(VaultApiError.describe(args.status, args.errors, args.method, args.url));
    this.name = 'VaultApiError';
    this.status = args.status;
    this.errors = args.errors;
    this.method = args.method;
    this.url = args.url;
    this.secret = args.secret ?? null;
  }

  private static describe(status: number, errors: readonly string[], method: string, url: string): string {
    const flat = errors.map((e) => e.replace(/\s+/g, ' ').trim()).filter((e) => e !== '');
    const detail = flat.length === 0 ? 'no error details' : flat.map((e) => `* ${e}`).join(' ');
    return `server answered ${method} ${url} with Code: ${status}. Errors: ${detail}`;
  }
}

/** The request never got an HTTP answer: refused, reset, TLS failure, timeout, bad redirect. */
export class VaultConnectionError extends Error {
  readonly method: string;
  readonly url: string;
  /** Node's error code when there is one (`ECONNREFUSED`, `ETIMEDOUT`, `EPROTO`, ...). */
  readonly code: string | undefined;

  constructor(args: { method: string; url: string; reason: string; code?: string | undefined }) {
    super(`${args.method} ${args.url} failed: ${args.reason}`);
    this.name = 'VaultConnectionError';
    this.method = args.method;
    this.url = args.url;
    this.code = args.code;
  }
}
