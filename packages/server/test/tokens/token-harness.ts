import { InmemBackend, PrefixedView } from '@coffer/barrier';
import { CofferError } from '../../src/errors/coffer-error.js';
import { httpStatusOf } from '../../src/errors/http-status.js';
import { EngineDispatcher } from '../../src/logical/engine-dispatcher.js';
import type { LogicalRequest, RequestAuth } from '../../src/logical/logical-request.js';
import type { LogicalResponse } from '../../src/logical/logical-response.js';
import type { Operation } from '../../src/logical/operation.js';
import type { TokenEntry } from '../../src/logical/token-entry.js';
import { tokenEngineFactory } from '../../src/tokens/token-engine-factory.js';
import { TokenStore, type TokenStoreOptions } from '../../src/tokens/token-store.js';

export const HOUR = 3600;
/** Vault's system default for both default_lease_ttl and max_lease_ttl: 768h. */
export const DEFAULT_TTL = 768 * HOUR;
export const T0 = Date.UTC(2024, 0, 1, 0, 0, 0);

/** A token store over an inmem backend with a fake clock; `backend` is the raw storage to scan. */
export class TokenHarness {
  readonly backend = new InmemBackend();
  readonly store: TokenStore;
  clock = T0;
  readonly policies = new Set(['default', 'web', 'db', 'ops']);
  #dispatcher: EngineDispatcher | undefined;
  #requests = 0;

  constructor(options: Partial<TokenStoreOptions> = {}) {
    this.store = new TokenStore(new PrefixedView(this.backend, 'sys/token/'), {
      defaultLeaseTtl: DEFAULT_TTL,
      maxLeaseTtl: DEFAULT_TTL,
      now: () => this.clock,
      policyExists: async (name) => this.policies.has(name),
      ...options,
    });
  }

  advance(seconds: number): void {
    this.clock += seconds * 1000;
  }

  /** Every raw key and value in the backend, values decoded as UTF-8 (lossy is fine for a scan). */
  async dump(): Promise<Array<{ key: string; value: string }>> {
    const out: Array<{ key: string; value: string }> = [];
    const walk = async (prefix: string): Promise<void> => {
      for (const name of await this.backend.list(prefix)) {
        if (name.endsWith('/')) await walk(prefix + name);
        else {
          const bytes = await this.backend.get(prefix + name);
          out.push({ key: prefix + name, value: Buffer.from(bytes ?? new Uint8Array()).toString('utf8') });
        }
      }
    };
    await walk('');
    return out;
  }

  async root(id?: string): Promise<RequestAuth> {
    const issued = await this.store.createRootToken(id === undefined ? {} : { id });
    return authOf(issued.clientToken, issued.entry, { sudo: true });
  }

  /** Calls the auth/token engine like the pipeline would (existence check, fields, handler). */
  async call(
    operation: Operation,
    path: string,
    data: Record<string, unknown> = {},
    auth?: RequestAuth,
  ): Promise<LogicalResponse | undefined> {
    if (this.#dispatcher === undefined) {
      const engine = await tokenEngineFactory(this.store).create(
        { path: 'auth/token/', type: 'token', accessor: 'auth_token_0000', uuid: 'u', options: {} },
        new PrefixedView(this.backend, 'auth/token-mount/'),
      );
      this.#dispatcher = new EngineDispatcher(engine);
    }
    const matched = this.#dispatcher.match(path);
    if (matched === undefined) throw new Error(`no route for ${path}`);
    this.#requests += 1;
    const base: LogicalRequest = {
      id: `req-${this.#requests}`,
      operation,
      fullPath: `auth/token/${path}`,
      mountPoint: 'auth/token/',
      mountType: 'token',
      mountAccessor: 'auth_token_0000',
      path,
      data,
      headers: {},
      auth,
      clientAddress: '127.0.0.1',
      storage: new PrefixedView(this.backend, 'auth/token-mount/'),
    };
    const resolved = await this.#dispatcher.resolveOperation(base, matched);
    return this.#dispatcher.handle({ ...base, operation: resolved }, matched);
  }

  /** The HTTP status a call would produce (200/204 for success) and the error message if any. */
  async status(
    operation: Operation,
    path: string,
    data: Record<string, unknown> = {},
    auth?: RequestAuth,
  ): Promise<{ status: number; message: string; response: LogicalResponse | undefined }> {
    try {
      const response = await this.call(operation, path, data, auth);
      if (response?.raw !== undefined) return { status: response.raw.status, message: '', response };
      const empty =
        response === undefined ||
        (response.data === undefined && response.auth === undefined && response.warnings === undefined);
      return { status: empty ? 204 : 200, message: '', response };
    } catch (err) {
      if (err instanceof CofferError)
        return { status: httpStatusOf[err.code], message: err.message, response: undefined };
      throw err;
    }
  }
}

export function authOf(clientToken: string, entry: TokenEntry, opts: { sudo?: boolean } = {}): RequestAuth {
  const isRoot = entry.policies.includes('root');
  return { clientToken, entry, isRoot, sudo: isRoot || opts.sudo === true };
}
