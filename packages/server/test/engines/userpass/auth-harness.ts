import { InmemBackend, PrefixedView, type StorageView } from '@coffer/barrier';
import { EngineDispatcher } from '../../../src/logical/engine-dispatcher.js';
import type { Engine, EngineFactory } from '../../../src/logical/engine.js';
import type { LogicalRequest } from '../../../src/logical/logical-request.js';
import type { LogicalResponse } from '../../../src/logical/logical-response.js';
import type { Operation } from '../../../src/logical/operation.js';
import { TokenStore } from '../../../src/tokens/index.js';

/** Vault's system default lease TTL (768h), used as both default and max here. */
export const SYSTEM_MAX_TTL = 768 * 3600;
export const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);

export interface AuthCall {
  readonly op: Operation;
  readonly path: string;
  readonly data?: Record<string, unknown>;
  readonly clientAddress?: string;
}

/**
 * An auth-method mount driven the way the request pipeline drives it (match → existence
 * check → handle), over one in-memory backend that also holds a real TokenStore
 * (`sys/token/`). The mount lives at `auth/<mount>/` in the same backend, so `dump()` sees
 * every byte either of them stored.
 */
export class AuthHarness {
  readonly backend = new InmemBackend();
  readonly root: StorageView = new PrefixedView(this.backend, '');
  readonly tokens: TokenStore;
  readonly storage: StorageView;
  readonly mountPoint: string;
  clock = T0;
  engine!: Engine;
  #type = '';
  #dispatcher!: EngineDispatcher;
  #requests = 0;
  /** Every response and error message seen (for "never in a response" scans). */
  readonly transcript: string[] = [];

  constructor(mountPoint: string) {
    this.mountPoint = mountPoint;
    this.tokens = new TokenStore(this.root.view('sys/token/'), {
      defaultLeaseTtl: SYSTEM_MAX_TTL,
      maxLeaseTtl: SYSTEM_MAX_TTL,
      now: () => this.clock,
    });
    this.storage = this.root.view(mountPoint);
  }

  async mount(factory: EngineFactory): Promise<this> {
    this.engine = await factory.create(
      {
        path: this.mountPoint,
        type: factory.type,
        accessor: `auth_${factory.type}_1`,
        uuid: 'u-1',
        options: {},
      },
      this.storage,
    );
    this.#type = factory.type;
    this.#dispatcher = new EngineDispatcher(this.engine);
    return this;
  }

  advance(seconds: number): void {
    this.clock += seconds * 1000;
  }

  request(c: AuthCall): LogicalRequest {
    this.#requests += 1;
    return {
      id: `00000000-0000-4000-8000-${this.#requests.toString().padStart(12, '0')}`,
      operation: c.op,
      fullPath: this.mountPoint + c.path,
      mountPoint: this.mountPoint,
      mountType: this.#type,
      mountAccessor: 'auth_1',
      path: c.path,
      data: c.data ?? {},
      headers: {},
      auth: undefined,
      clientAddress: c.clientAddress ?? '127.0.0.1',
      storage: this.storage,
    };
  }

  /** The operation the existence check chose for the last call. */
  lastOperation: Operation | undefined;

  async call(c: AuthCall): Promise<LogicalResponse | undefined> {
    const matched = this.#dispatcher.match(c.path);
    if (matched === undefined) throw new Error(`no route for ${c.path}`);
    const base = this.request(c);
    const operation = await this.#dispatcher.resolveOperation(base, matched);
    this.lastOperation = operation;
    try {
      const response = await this.#dispatcher.handle({ ...base, operation }, matched);
      this.transcript.push(JSON.stringify(response ?? null));
      return response;
    } catch (err) {
      this.transcript.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
      throw err;
    }
  }

  read(path: string, data?: Record<string, unknown>): Promise<LogicalResponse | undefined> {
    return this.call({ op: 'read', path, data });
  }
  write(
    path: string,
    data: Record<string, unknown> = {},
    clientAddress?: string,
  ): Promise<LogicalResponse | undefined> {
    return this.call({ op: 'update', path, data, clientAddress });
  }
  delete(path: string, data?: Record<string, unknown>): Promise<LogicalResponse | undefined> {
    return this.call({ op: 'delete', path, data });
  }
  list(path: string): Promise<LogicalResponse | undefined> {
    return this.call({ op: 'list', path: path.endsWith('/') ? path : `${path}/` });
  }

  /** Every raw key and value in the backend. */
  async dump(): Promise<Array<{ key: string; value: Buffer }>> {
    const out: Array<{ key: string; value: Buffer }> = [];
    const walk = async (prefix: string): Promise<void> => {
      for (const name of await this.backend.list(prefix)) {
        if (name.endsWith('/')) await walk(prefix + name);
        else
          out.push({
            key: prefix + name,
            value: Buffer.from((await this.backend.get(prefix + name)) ?? new Uint8Array()),
          });
      }
    };
    await walk('');
    return out;
  }

  /** Keys and values (raw, and as UTF-8/base64/hex encodings of the needle) that contain `plain`. */
  async occurrences(plain: string): Promise<string[]> {
    const needles = [
      Buffer.from(plain, 'utf8'),
      Buffer.from(Buffer.from(plain, 'utf8').toString('base64'), 'utf8'),
      Buffer.from(Buffer.from(plain, 'utf8').toString('hex'), 'utf8'),
    ];
    const hits: string[] = [];
    for (const { key, value } of await this.dump()) {
      const keyBytes = Buffer.from(key, 'utf8');
      for (const n of needles) {
        if (value.includes(n) || keyBytes.includes(n)) hits.push(key);
      }
    }
    return hits;
  }
}
