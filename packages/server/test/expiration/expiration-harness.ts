import { InmemBackend, PrefixedView, type StorageView } from '@coffer/barrier';
import { ExpirationManager, type ExpirationOptions } from '../../src/expiration/index.js';
import type { Engine, LeaseInfo, SecretRenewal } from '../../src/logical/engine.js';
import type { RequestAuth } from '../../src/logical/logical-request.js';
import type { TokenEntry } from '../../src/logical/token-entry.js';
import { TokenStore } from '../../src/tokens/token-store.js';
import { authOf } from '../tokens/token-harness.js';

export const HOUR = 3600;

/** A secrets engine for the manager's unit tests: records revocations, can be told to fail. */
export class TestEngine implements Engine {
  readonly paths = [];
  readonly revoked: string[] = [];
  readonly renewed: string[] = [];
  /** Revocations fail while this is set (the message becomes the lease's last error). */
  failRevoke: string | undefined;
  /** Called before a revocation counts (to simulate a crash after the engine did its part). */
  afterRevoke: ((lease: LeaseInfo) => void) | undefined;

  async revokeSecret(lease: LeaseInfo): Promise<void> {
    if (this.failRevoke !== undefined) throw new Error(this.failRevoke);
    this.revoked.push(lease.leaseId);
    this.afterRevoke?.(lease);
  }

  async renewSecret(lease: LeaseInfo, increment: number): Promise<SecretRenewal> {
    this.renewed.push(lease.leaseId);
    return { ttl: increment > 0 ? increment : lease.ttl };
  }
}

/** Token store + expiration manager over one inmem backend, real clock. */
export class ExpirationHarness {
  readonly backend = new InmemBackend();
  readonly tokens: TokenStore;
  readonly engine = new TestEngine();
  readonly expireView: StorageView;
  readonly managers: ExpirationManager[] = [];
  defaultLeaseTtl = HOUR;
  maxLeaseTtl = 24 * HOUR;

  constructor() {
    this.tokens = new TokenStore(new PrefixedView(this.backend, 'sys/token/'), {
      defaultLeaseTtl: 768 * HOUR,
      maxLeaseTtl: 768 * HOUR,
    });
    this.expireView = new PrefixedView(this.backend, 'sys/expire/');
  }

  /** A new manager on the shared storage (a "new active node"); stopped by `close`. */
  manager(options: Partial<ExpirationOptions> = {}, start = true): ExpirationManager {
    const m = new ExpirationManager({
      storage: this.expireView,
      tokens: this.tokens,
      engineFor: (path) =>
        path.startsWith('db/')
          ? { engine: this.engine, storage: new PrefixedView(this.backend, 'logical/db/') }
          : undefined,
      ttlsFor: () => ({ defaultLeaseTtl: this.defaultLeaseTtl, maxLeaseTtl: this.maxLeaseTtl }),
      tokenSweepMs: 0,
      ...options,
    });
    const detach = this.tokens.onRevoke((entry, id) => m.onTokenRevoked(entry, id));
    const stop = m.stop.bind(m);
    m.stop = () => {
      detach();
      stop();
    };
    this.managers.push(m);
    if (start) m.start();
    return m;
  }

  close(): void {
    for (const m of this.managers) m.stop();
  }

  async root(): Promise<{ token: string; auth: RequestAuth }> {
    const issued = await this.tokens.createRootToken();
    return { token: issued.clientToken, auth: authOf(issued.clientToken, issued.entry, { sudo: true }) };
  }

  /** A child token of `parent` with `ttl` seconds, its lease registered through `m`. */
  async token(
    m: ExpirationManager,
    parent: RequestAuth,
    ttl: number,
  ): Promise<{ token: string; entry: TokenEntry; leaseId: string; auth: RequestAuth }> {
    const issued = await this.tokens.create(parent, { ttl, policies: ['default'] });
    const leaseId = await m.registerToken({ accessor: issued.entry.accessor, token_type: 'service' }, 'acc');
    if (leaseId === undefined) throw new Error('no lease registered');
    return {
      token: issued.clientToken,
      entry: issued.entry,
      leaseId,
      auth: authOf(issued.clientToken, issued.entry),
    };
  }

  /** A leased secret on `db/creds/<name>` with `ttl` seconds, created by `caller`. */
  async secret(m: ExpirationManager, name: string, ttl: number, caller?: TokenEntry): Promise<string> {
    const { secret } = await m.registerSecret(
      { path: `db/creds/${name}`, mountType: 'database', mountAccessor: 'database_1234', caller },
      { leaseId: '', leaseDuration: ttl, renewable: true, internalData: { user: name } },
    );
    return secret.leaseId;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` is true or `timeoutMs` passes; returns the elapsed ms or throws. */
export async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(20);
  }
}
