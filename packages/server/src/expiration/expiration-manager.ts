import { createHash } from 'node:crypto';
import type { StorageView } from '@coffer/barrier';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { Engine, LeaseInfo } from '../logical/engine.js';
import type { LogicalResponse, SecretLease } from '../logical/logical-response.js';
import type { TokenEntry } from '../logical/token-entry.js';
import { calculateTtl } from '../tokens/calculate-ttl.js';
import type { TokenStore } from '../tokens/token-store.js';
import { secretLeaseId, tokenLeaseId } from './lease-id.js';
import { LeaseQueue } from './lease-queue.js';
import { decodeLeaseRecord, encodeLeaseRecord, type LeaseRecord } from './lease-record.js';

const ID_PREFIX = 'id/';
const TOKEN_PREFIX = 'token/';
/** setTimeout's largest delay; longer waits re-arm when it fires. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;
/** Marker in the lease map for leases that are no longer scheduled (irrevocable). */
const IRREVOCABLE = -1;
/** After a token's revocation, when its lease record is checked (and deleted once the token is gone). */
const TOKEN_LEASE_CHECK_MS = 500;
/** Storage reads in flight while restoring. */
const RESTORE_BATCH = 256;
/** Mount types whose `secret` is advisory (Vault registers no lease for KV). */
const NO_LEASE_MOUNT_TYPES = new Set(['kv', 'generic', 'cubbyhole', 'system', 'identity', 'token']);

/** pino-compatible subset. Lease IDs may be logged (they hold no secret); tokens never. */
export interface ExpirationLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** The mounted engine serving a lease path, with the mount's storage view. */
export interface LeaseEngine {
  readonly engine: Engine;
  readonly storage: StorageView;
}

export interface LeaseTtls {
  readonly defaultLeaseTtl: number;
  readonly maxLeaseTtl: number;
}

export interface ExpirationOptions {
  /** The barrier view `sys/expire/`. */
  readonly storage: StorageView;
  readonly tokens: TokenStore;
  /** The engine serving `path` in the current router; undefined when no mount does. */
  readonly engineFor: (path: string) => LeaseEngine | undefined;
  /** The effective default/max lease TTLs (seconds) of the mount serving `path`. */
  readonly ttlsFor: (path: string) => LeaseTtls;
  readonly logger?: ExpirationLogger;
  /** Unix milliseconds; default `Date.now`. */
  readonly now?: () => number;
  /** First retry delay after a failed revocation, doubled each attempt (Vault: 10 s). */
  readonly retryBaseMs?: number;
  /** Attempts before a lease is marked irrevocable (Vault: 6). */
  readonly maxRevokeAttempts?: number;
  /** Expired leases revoked concurrently. */
  readonly concurrency?: number;
  /**
   * Interval of the backstop sweep reclaiming expired tokens that have no lease record (tokens
   * from before leases existed, a crash between minting and registering); 0 disables it.
   */
  readonly tokenSweepMs?: number;
}

/** What the pipeline knows about the request whose response may carry leases. */
export interface LeaseRequest {
  /** Full request path, e.g. `database/creds/readonly`. */
  readonly path: string;
  readonly mountType: string;
  readonly mountAccessor: string;
  /** The calling token (its leases die with it); undefined on unauthenticated paths. */
  readonly caller: TokenEntry | undefined;
}

/** `sys/leases/lookup` data, keys in Vault's order. */
export interface LeaseLookup {
  readonly expire_time: string | null;
  readonly id: string;
  readonly issue_time: string;
  readonly last_renewal: string | null;
  readonly renewable: boolean;
  readonly ttl: number;
}

export interface RenewedLease {
  readonly leaseId: string;
  readonly leaseDuration: number;
  readonly renewable: boolean;
  readonly data: Readonly<Record<string, unknown>> | undefined;
  readonly warnings: readonly string[];
}

export interface RevokeOptions {
  /** Revoke now and report failures (default); false: queue for the expiry pass (202). */
  readonly sync?: boolean;
  /** Delete the lease even when the engine fails to revoke it (`revoke-force`). */
  readonly force?: boolean;
}

export interface IrrevocableLease {
  readonly lease_id: string;
  readonly mount_id: string;
  readonly error: string;
  readonly expire_time: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const bad = (message: string): CofferError => new CofferError(ErrorCode.BadRequest, message);

function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/** What a failure may say in records and logs: its class and message (engines keep secrets out). */
function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 500);
  return typeof err;
}

function errorFields(err: unknown): { error_name: string } {
  return { error_name: err instanceof Error ? err.name : typeof err };
}

/** Index key of a lease under its creating token (lease IDs hold slashes; the index is flat). */
function indexKey(tokenId: string, leaseId: string): string {
  return `${TOKEN_PREFIX}${tokenId}/${createHash('sha256').update(leaseId).digest('hex')}`;
}

function infoOf(record: LeaseRecord): LeaseInfo {
  return {
    leaseId: record.leaseId,
    path: record.path,
    issueTimeMs: record.issueTimeMs,
    expireTimeMs: record.expireTimeMs,
    lastRenewalMs: record.lastRenewalMs,
    ttl: record.ttl,
    internalData: record.internalData,
  };
}

/**
 * The expiration manager of the active node (Vault's ExpirationManager): registers a lease for
 * every service token with a TTL and every leased secret, revokes each at its expiry, renews and
 * revokes on request, and revokes a token's leases when the token goes.
 *
 * Records live in the barrier under `sys/expire/`: `id/<lease id>` (a `LeaseRecord`) and
 * `token/<creating token's salted id>/<sha256(lease id)>` → lease id (secret leases by token).
 * Expiry runs on one timer over a min-heap of (expire time, lease id); `start` loads every record
 * (restore, in the background), `stop` drops the timer. At fire time the record is re-read (a
 * token lease follows its token's current expiry, which `auth/token/renew` may have extended),
 * so a stale heap entry can never revoke a renewed lease. A failed revocation is retried with
 * exponential backoff and, after `maxRevokeAttempts`, marked irrevocable. Revocation deletes the
 * record last, and every revoke is idempotent, so a crash in between is completed next time.
 */
export class ExpirationManager {
  readonly #storage: StorageView;
  readonly #tokens: TokenStore;
  readonly #engineFor: (path: string) => LeaseEngine | undefined;
  readonly #ttlsFor: (path: string) => LeaseTtls;
  readonly #logger: ExpirationLogger | undefined;
  readonly #now: () => number;
  readonly #retryBaseMs: number;
  readonly #maxAttempts: number;
  readonly #concurrency: number;
  readonly #tokenSweepMs: number;
  readonly #queue = new LeaseQueue();
  /** Every known lease → its scheduled expiry (Unix ms), or IRREVOCABLE. */
  readonly #leases = new Map<string, number>();
  /** Leases deleted while restoring: restore must not resurrect them. */
  readonly #deletedWhileRestoring = new Set<string>();
  #running = false;
  #restoring = false;
  #restored: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #armedAt: number | undefined;
  #sweep: NodeJS.Timeout | undefined;
  #inflight = 0;
  #tidy: Promise<void> | undefined;

  constructor(options: ExpirationOptions) {
    this.#storage = options.storage;
    this.#tokens = options.tokens;
    this.#engineFor = options.engineFor;
    this.#ttlsFor = options.ttlsFor;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#retryBaseMs = options.retryBaseMs ?? 10_000;
    this.#maxAttempts = options.maxRevokeAttempts ?? 6;
    this.#concurrency = options.concurrency ?? 16;
    this.#tokenSweepMs = options.tokenSweepMs ?? 10 * 60_000;
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /** Loads every lease (in the background) and starts expiring them. Active node only. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#restoring = true;
    const started = this.#now();
    this.#restored = this.#restore()
      .then(() => {
        this.#logger?.info(
          { leases: this.#leases.size, ms: this.#now() - started },
          'expiration: leases restored',
        );
      })
      .catch((err: unknown) => {
        this.#logger?.warn(errorFields(err), 'expiration: restoring leases failed');
      })
      .finally(() => {
        this.#restoring = false;
        this.#deletedWhileRestoring.clear();
        this.#arm();
        if (this.#running && this.#tokenSweepMs > 0) {
          void this.#sweepExpiredTokens();
          this.#sweep = setInterval(() => void this.#sweepExpiredTokens(), this.#tokenSweepMs);
          this.#sweep.unref();
        }
      });
  }

  /** Stops expiring (seal, step-down). In-flight revocations finish; nothing is rescheduled. */
  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#sweep !== undefined) clearInterval(this.#sweep);
    this.#timer = undefined;
    this.#sweep = undefined;
    this.#armedAt = undefined;
    this.#queue.clear();
    this.#leases.clear();
  }

  /** Resolves once the leases present at `start` are loaded and scheduled. */
  whenRestored(): Promise<void> {
    return this.#restored;
  }

  /** Leases known to this node (scheduled and irrevocable). */
  get count(): number {
    return this.#leases.size;
  }

  // ---- registration ------------------------------------------------------------------------

  /**
   * After a handler: a lease for the service token in `response.auth` (logins, token create,
   * renewals update it) and for a leased `response.secret`, whose ID is filled in.
   */
  async registerResponse(req: LeaseRequest, response: LogicalResponse): Promise<LogicalResponse> {
    if (response.auth !== undefined) await this.registerToken(response.auth, req.mountAccessor);
    const secret = response.secret;
    if (
      secret === undefined ||
      secret.leaseId !== '' ||
      NO_LEASE_MOUNT_TYPES.has(req.mountType) ||
      req.path.startsWith('sys/')
    )
      return response;
    const registered = await this.registerSecret(req, secret);
    return {
      ...response,
      secret: registered.secret,
      ...(registered.warnings.length > 0
        ? { warnings: [...(response.warnings ?? []), ...registered.warnings] }
        : {}),
    };
  }

  /** Creates or refreshes the lease of a service token with a TTL (by its accessor). */
  async registerToken(auth: AuthLike, mountAccessor: string): Promise<string | undefined> {
    if (auth.token_type !== 'service' || auth.accessor === '') return undefined;
    const tokenId = await this.#tokens.saltedIdOfAccessor(auth.accessor);
    if (tokenId === undefined) return undefined;
    const facts = await this.#tokens.leaseFacts(tokenId);
    if (facts === undefined || !facts.hasLease || facts.expireTimeMs === 0 || facts.revoking)
      return undefined;
    const leaseId = tokenLeaseId(facts.path, tokenId);
    const granted = facts.lastRenewalMs !== 0 ? facts.lastRenewalMs : facts.issueTimeMs;
    await this.#put({
      v: 1,
      leaseId,
      path: facts.path,
      kind: 'token',
      tokenId,
      accessor: facts.accessor,
      mountAccessor,
      issueTimeMs: facts.issueTimeMs,
      expireTimeMs: facts.expireTimeMs,
      lastRenewalMs: facts.lastRenewalMs,
      renewable: facts.renewable,
      ttl: Math.max(0, Math.round((facts.expireTimeMs - granted) / 1000)),
      maxTtl: 0,
      internalData: {},
      revokeAttempts: 0,
      irrevocable: false,
      lastError: '',
    });
    this.#schedule(leaseId, facts.expireTimeMs);
    return leaseId;
  }

  /** Registers a leased secret: TTL within the mount's limits, a new lease ID. */
  async registerSecret(
    req: LeaseRequest,
    secret: SecretLease,
  ): Promise<{ secret: SecretLease; warnings: readonly string[] }> {
    const limits = this.#ttlsFor(req.path);
    const now = this.#now();
    const nowSec = Math.floor(now / 1000);
    const { ttl, warnings } = calculateTtl({
      defaultLeaseTtl: limits.defaultLeaseTtl,
      maxLeaseTtl: limits.maxLeaseTtl,
      increment: 0,
      backendTtl: Math.max(0, Math.trunc(secret.leaseDuration)),
      period: 0,
      backendMaxTtl: Math.max(0, Math.trunc(secret.maxTtl ?? 0)),
      explicitMaxTtl: 0,
      startTime: nowSec,
      now: nowSec,
    });
    const tokenId = req.caller === undefined ? undefined : await this.#tokens.saltedIdOf(req.caller);
    const leaseId = secretLeaseId(req.path);
    const record: LeaseRecord = {
      v: 1,
      leaseId,
      path: req.path,
      kind: 'secret',
      tokenId: tokenId ?? '',
      accessor: req.caller?.accessor ?? '',
      mountAccessor: req.mountAccessor,
      issueTimeMs: now,
      expireTimeMs: now + ttl * 1000,
      lastRenewalMs: 0,
      renewable: secret.renewable,
      ttl,
      maxTtl: Math.max(0, Math.trunc(secret.maxTtl ?? 0)),
      internalData: secret.internalData ?? {},
      revokeAttempts: 0,
      irrevocable: false,
      lastError: '',
    };
    // Index first: a crash leaves a dangling index entry (skipped), never a lease its token
    // cannot find.
    if (record.tokenId !== '')
      await this.#storage.put(indexKey(record.tokenId, leaseId), encoder.encode(leaseId));
    await this.#put(record);
    this.#schedule(leaseId, record.expireTimeMs);
    return {
      secret: { ...secret, leaseId, leaseDuration: ttl, renewable: secret.renewable },
      warnings,
    };
  }

  // ---- token revocation hook ---------------------------------------------------------------

  /**
   * `TokenStore.onRevoke`: every lease the token created is queued for revocation now (Vault
   * revokes them lazily, so a failing engine cannot block the token's revocation; the expiry pass
   * retries and finally marks them irrevocable). The token's own lease record is made due shortly
   * rather than deleted here: the token store may still fail to finish (the token then stays
   * marked, dead), and the expiry pass must find the record to complete it — or, once the token
   * is gone, to delete the record.
   */
  async onTokenRevoked(entry: TokenEntry, saltedId: string): Promise<void> {
    if (entry.expireTimeMs !== 0) {
      const own = await this.#read(tokenLeaseId(entry.path, saltedId));
      if (own !== undefined) {
        const due = Math.min(own.expireTimeMs, this.#now() + TOKEN_LEASE_CHECK_MS);
        if (due !== own.expireTimeMs) await this.#put({ ...own, expireTimeMs: due });
        this.#schedule(own.leaseId, due);
      }
    }
    const folder = `${TOKEN_PREFIX}${saltedId}/`;
    for (const key of await this.#storage.list(folder)) {
      if (key.endsWith('/')) continue;
      const raw = await this.#storage.get(folder + key);
      const record = raw === undefined ? undefined : await this.#read(decoder.decode(raw));
      if (record === undefined) {
        await this.#storage.delete(folder + key);
        continue;
      }
      if (!record.irrevocable) await this.#expireNow(record);
    }
  }

  // ---- sys/leases --------------------------------------------------------------------------

  async lookup(leaseId: string): Promise<LeaseLookup | undefined> {
    const record = await this.#read(leaseId);
    if (record === undefined) return undefined;
    let expire = record.expireTimeMs;
    let lastRenewal = record.lastRenewalMs;
    let renewable = record.renewable;
    if (record.kind === 'token') {
      const facts = await this.#tokens.leaseFacts(record.tokenId);
      if (facts === undefined) return undefined;
      expire = facts.expireTimeMs;
      lastRenewal = facts.lastRenewalMs;
      renewable = facts.renewable && !facts.revoking;
    }
    const now = this.#now();
    return {
      expire_time: expire === 0 ? null : rfc3339(expire),
      id: record.leaseId,
      issue_time: rfc3339(record.issueTimeMs),
      last_renewal: lastRenewal === 0 ? null : rfc3339(lastRenewal),
      renewable: renewable && !record.irrevocable && (expire === 0 || expire > now),
      ttl: expire === 0 ? 0 : Math.max(0, Math.round((expire - now) / 1000)),
    };
  }

  /** Direct children of a lease-ID prefix (sub-prefixes end in `/`). */
  async list(prefix: string): Promise<string[]> {
    const p = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    return this.#storage.list(ID_PREFIX + p);
  }

  /** Renews a secret lease through its engine: `increment` seconds from now, within the max TTL. */
  async renew(leaseId: string, increment: number): Promise<RenewedLease> {
    const record = await this.#read(leaseId);
    if (record === undefined) throw bad('lease not found');
    if (record.kind === 'token') throw bad('tokens cannot be renewed through this endpoint');
    const now = this.#now();
    if (record.irrevocable || record.expireTimeMs <= now) throw bad('lease expired');
    if (!record.renewable) throw bad('lease is not renewable');
    const target = this.#engineFor(record.path);
    if (target?.engine.renewSecret === undefined) throw bad('lease is not renewable');
    const answer = await target.engine.renewSecret(
      infoOf(record),
      Math.max(0, Math.trunc(increment)),
      target.storage,
    );
    const limits = this.#ttlsFor(record.path);
    const { ttl, warnings } = calculateTtl({
      defaultLeaseTtl: limits.defaultLeaseTtl,
      maxLeaseTtl: limits.maxLeaseTtl,
      increment: Math.max(0, Math.trunc(increment)),
      backendTtl: answer.ttl !== undefined && answer.ttl > 0 ? Math.trunc(answer.ttl) : record.ttl,
      period: 0,
      backendMaxTtl: Math.max(0, Math.trunc(answer.maxTtl ?? record.maxTtl)),
      explicitMaxTtl: 0,
      startTime: Math.floor(record.issueTimeMs / 1000),
      now: Math.floor(now / 1000),
    });
    const renewed: LeaseRecord = {
      ...record,
      expireTimeMs: now + ttl * 1000,
      lastRenewalMs: now,
      ttl,
      revokeAttempts: 0,
      lastError: '',
    };
    await this.#put(renewed);
    this.#schedule(leaseId, renewed.expireTimeMs);
    return {
      leaseId,
      leaseDuration: ttl,
      renewable: record.renewable,
      data: answer.data,
      warnings: [...(answer.warnings ?? []), ...warnings],
    };
  }

  /**
   * Revokes one lease. Sync (default): now, failures reported; an unknown lease is a no-op, as
   * in Vault. Async: queued for the expiry pass (400 for an unknown lease).
   */
  async revoke(leaseId: string, options: RevokeOptions = {}): Promise<void> {
    const record = await this.#read(leaseId);
    if (options.sync === false) {
      if (record === undefined) throw bad('lease not found');
      await this.#expireNow(record);
      return;
    }
    if (record === undefined) return;
    await this.#revokeNow(record, options.force === true);
  }

  /**
   * Revokes every lease whose ID starts with `prefix` (a whole ID without trailing slash also
   * works). Sync: one at a time, stopping at the first failure unless forced.
   */
  async revokePrefix(prefix: string, options: RevokeOptions = {}): Promise<void> {
    let p = prefix;
    if (!p.endsWith('/')) {
      if ((await this.#read(p)) !== undefined) {
        await this.revoke(p, options);
        return;
      }
      p = `${p}/`;
    }
    const ids: string[] = [];
    await this.#walk(ID_PREFIX + p, (key) => {
      ids.push(p + key);
    });
    for (const [i, id] of ids.entries()) {
      const record = await this.#read(id);
      if (record === undefined) continue; // revoked meanwhile (e.g. a child token's lease)
      if (options.sync === false && options.force !== true) {
        await this.#expireNow(record);
        continue;
      }
      try {
        await this.#revokeNow(record, options.force === true);
      } catch (err) {
        if (err instanceof CofferError && err.code === ErrorCode.Internal)
          throw new CofferError(
            ErrorCode.Internal,
            `failed to revoke "${id}" (${i + 1} / ${ids.length}): ${err.message}`,
          );
        throw err;
      }
    }
  }

  /**
   * `sys/leases/tidy` (background; concurrent calls share one run): drops token leases whose
   * token is gone, queues secret leases whose creating token is gone, re-schedules any record
   * the timer does not know, and deletes unreadable records.
   */
  tidy(): Promise<void> {
    if (this.#tidy === undefined) {
      this.#tidy = this.#runTidy().finally(() => {
        this.#tidy = undefined;
      });
    }
    return this.#tidy;
  }

  /** Irrevocable leases (`sys/leases?type=irrevocable`), at most `limit` of them. */
  async irrevocable(limit: number): Promise<{ leases: IrrevocableLease[]; total: number }> {
    await this.#restored;
    const leases: IrrevocableLease[] = [];
    let total = 0;
    for (const [id, at] of this.#leases) {
      if (at !== IRREVOCABLE) continue;
      const record = await this.#read(id);
      if (record === undefined || !record.irrevocable) continue;
      total++;
      if (limit > 0 && leases.length >= limit) continue;
      leases.push({
        lease_id: record.leaseId,
        mount_id: record.mountAccessor,
        error: record.lastError,
        expire_time: rfc3339(record.expireTimeMs),
      });
    }
    leases.sort((a, b) => (a.lease_id < b.lease_id ? -1 : a.lease_id > b.lease_id ? 1 : 0));
    return { leases, total };
  }

  /** Irrevocable lease counts, in total and by mount accessor (`sys/leases/count`). */
  async irrevocableCounts(): Promise<{ lease_count: number; counts: Record<string, number> }> {
    const { leases, total } = await this.irrevocable(0);
    const counts: Record<string, number> = {};
    for (const l of leases) counts[l.mount_id] = (counts[l.mount_id] ?? 0) + 1;
    return { lease_count: total, counts };
  }

  // ---- expiry ------------------------------------------------------------------------------

  #schedule(id: string, at: number): void {
    this.#leases.set(id, at);
    if (!this.#running) return;
    this.#queue.push(id, at);
    if (this.#queue.size > 2 * this.#leases.size + 1024) this.#queue.compact(this.#leases);
    this.#arm();
  }

  #forget(id: string): void {
    this.#leases.delete(id);
    if (this.#restoring) this.#deletedWhileRestoring.add(id);
  }

  #arm(): void {
    if (!this.#running) return;
    const head = this.#queue.peek();
    if (head === undefined) {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#armedAt = undefined;
      return;
    }
    if (this.#timer !== undefined && this.#armedAt !== undefined && this.#armedAt <= head.at) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const delay = Math.min(Math.max(0, head.at - this.#now()), MAX_TIMER_DELAY_MS);
    this.#armedAt = this.#now() + delay;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#armedAt = undefined;
      this.#drain();
    }, delay);
    this.#timer.unref();
  }

  /** Starts revoking every due lease, `concurrency` at a time; re-arms the timer. */
  #drain(): void {
    while (this.#running && this.#inflight < this.#concurrency) {
      const head = this.#queue.peek();
      if (head === undefined || head.at > this.#now()) break;
      this.#queue.pop();
      if (this.#leases.get(head.id) !== head.at) continue; // stale: renewed, revoked or rescheduled
      this.#inflight++;
      void this.#process(head.id).finally(() => {
        this.#inflight--;
        this.#drain();
      });
    }
    this.#arm();
  }

  async #process(id: string): Promise<void> {
    try {
      await this.#expire(id);
    } catch (err) {
      // Storage trouble (e.g. lost leadership mid-write): try again later, never drop the lease.
      this.#logger?.warn({ lease_id: id, ...errorFields(err) }, 'expiration: processing a lease failed');
      if (this.#running && this.#leases.has(id)) this.#schedule(id, this.#now() + this.#retryBaseMs);
    }
  }

  async #expire(id: string): Promise<void> {
    const record = await this.#read(id);
    if (record === undefined) {
      this.#forget(id);
      return;
    }
    if (record.irrevocable) {
      this.#leases.set(id, IRREVOCABLE);
      return;
    }
    const now = this.#now();
    if (record.kind === 'token') {
      const facts = await this.#tokens.leaseFacts(record.tokenId);
      if (facts === undefined || (facts.expireTimeMs === 0 && !facts.revoking)) {
        await this.#deleteRecord(record); // the token is gone (or never expires): nothing to revoke
        return;
      }
      if (!facts.revoking && facts.expireTimeMs > now) {
        // Renewed through auth/token/renew since the lease was scheduled.
        if (facts.expireTimeMs !== record.expireTimeMs)
          await this.#put({
            ...record,
            expireTimeMs: facts.expireTimeMs,
            lastRenewalMs: facts.lastRenewalMs,
          });
        this.#schedule(id, facts.expireTimeMs);
        return;
      }
    } else if (record.expireTimeMs > now) {
      this.#schedule(id, record.expireTimeMs);
      return;
    }
    try {
      await this.#revokeRecord(record, false);
    } catch (err) {
      const attempts = record.revokeAttempts + 1;
      const lastError = describe(err);
      if (attempts >= this.#maxAttempts) {
        await this.#put({ ...record, revokeAttempts: attempts, irrevocable: true, lastError });
        this.#leases.set(id, IRREVOCABLE);
        this.#logger?.warn(
          { lease_id: id, attempts, ...errorFields(err) },
          'expiration: lease is irrevocable after repeated failures',
        );
      } else {
        await this.#put({ ...record, revokeAttempts: attempts, lastError });
        const delay = this.#retryBaseMs * 2 ** (attempts - 1);
        this.#schedule(id, this.#now() + delay);
        this.#logger?.warn(
          { lease_id: id, attempts, retry_ms: delay, ...errorFields(err) },
          'expiration: revoking a lease failed; will retry',
        );
      }
    }
  }

  /** Sync revocation on request: failures surface to the caller (500) and leave the lease. */
  async #revokeNow(record: LeaseRecord, force: boolean): Promise<void> {
    try {
      await this.#revokeRecord(record, force);
    } catch (err) {
      if (err instanceof CofferError && err.code !== ErrorCode.Internal) throw err;
      throw new CofferError(ErrorCode.Internal, `failed to revoke lease: ${describe(err)}`);
    }
  }

  /** Revokes at the source (token tree or engine), then deletes the record: safe to repeat. */
  async #revokeRecord(record: LeaseRecord, force: boolean): Promise<void> {
    try {
      if (record.kind === 'token') {
        // The token store's hook (onTokenRevoked) deletes this record and queues the token's leases.
        if (record.tokenId !== '') await this.#tokens.revokeTreeBySaltedId(record.tokenId);
      } else {
        const target = this.#engineFor(record.path);
        if (target === undefined) throw new Error(`no mount serves ${record.path}`);
        await target.engine.revokeSecret?.(infoOf(record), target.storage);
      }
    } catch (err) {
      if (!force) throw err;
      this.#logger?.warn(
        { lease_id: record.leaseId, ...errorFields(err) },
        'expiration: forced revocation ignored a failure',
      );
    }
    await this.#deleteRecord(record);
  }

  /** Lazy revocation: persisted as due now, revoked by the expiry pass. */
  async #expireNow(record: LeaseRecord): Promise<void> {
    const now = this.#now();
    if (record.kind === 'secret' && record.expireTimeMs > now)
      await this.#put({ ...record, expireTimeMs: now });
    if (record.kind === 'token' && record.tokenId !== '') {
      // A token lease's expiry is its token's: revoke the token now, in the background.
      void this.#revokeRecord(record, false).catch((err: unknown) => {
        this.#logger?.warn(
          { lease_id: record.leaseId, ...errorFields(err) },
          'expiration: lazy revoke failed',
        );
        this.#schedule(record.leaseId, this.#now() + this.#retryBaseMs);
      });
      return;
    }
    this.#schedule(record.leaseId, now);
  }

  async #deleteRecord(record: LeaseRecord): Promise<void> {
    await this.#storage.delete(ID_PREFIX + record.leaseId);
    if (record.kind === 'secret' && record.tokenId !== '')
      await this.#storage.delete(indexKey(record.tokenId, record.leaseId));
    this.#forget(record.leaseId);
  }

  // ---- storage -----------------------------------------------------------------------------

  async #read(leaseId: string): Promise<LeaseRecord | undefined> {
    if (leaseId === '' || leaseId.endsWith('/')) return undefined;
    const bytes = await this.#storage.get(ID_PREFIX + leaseId);
    if (bytes === undefined) return undefined;
    const record = decodeLeaseRecord(bytes);
    return record?.leaseId === leaseId ? record : undefined;
  }

  async #put(record: LeaseRecord): Promise<void> {
    await this.#storage.put(ID_PREFIX + record.leaseId, encodeLeaseRecord(record));
  }

  /** Calls `visit` with every key below `prefix` (relative to it), depth first. */
  async #walk(prefix: string, visit: (relative: string) => void | Promise<void>): Promise<void> {
    const stack = [''];
    while (stack.length > 0) {
      const rel = stack.pop() as string;
      for (const name of await this.#storage.list(prefix + rel)) {
        if (name.endsWith('/')) stack.push(rel + name);
        else await visit(rel + name);
      }
    }
  }

  async #restore(): Promise<void> {
    let batch: string[] = [];
    const flush = async (): Promise<void> => {
      const ids = batch;
      batch = [];
      const records = await Promise.all(ids.map((id) => this.#read(id)));
      for (const record of records) {
        if (record === undefined || !this.#running) continue;
        const id = record.leaseId;
        if (this.#leases.has(id) || this.#deletedWhileRestoring.has(id)) continue; // newer news
        if (record.irrevocable) this.#leases.set(id, IRREVOCABLE);
        else this.#schedule(id, record.expireTimeMs);
      }
    };
    await this.#walk(ID_PREFIX, async (id) => {
      if (!this.#running) return;
      batch.push(id);
      if (batch.length >= RESTORE_BATCH) await flush();
    });
    await flush();
  }

  async #runTidy(): Promise<void> {
    await this.#restored;
    let deleted = 0;
    let queued = 0;
    let scheduled = 0;
    let errors = 0;
    const ids: string[] = [];
    await this.#walk(ID_PREFIX, (id) => {
      ids.push(id);
    });
    for (const id of ids) {
      try {
        const bytes = await this.#storage.get(ID_PREFIX + id);
        if (bytes === undefined) continue;
        const record = decodeLeaseRecord(bytes);
        if (record?.leaseId !== id) {
          await this.#storage.delete(ID_PREFIX + id);
          this.#forget(id);
          deleted++;
          continue;
        }
        const facts = record.tokenId === '' ? undefined : await this.#tokens.leaseFacts(record.tokenId);
        if (record.kind === 'token' && facts === undefined) {
          await this.#deleteRecord(record);
          deleted++;
        } else if (record.kind === 'secret' && record.tokenId !== '' && facts === undefined) {
          if (!record.irrevocable) {
            await this.#expireNow(record);
            queued++;
          }
        } else if (!this.#leases.has(id)) {
          if (record.irrevocable) this.#leases.set(id, IRREVOCABLE);
          else this.#schedule(id, record.expireTimeMs);
          scheduled++;
        }
      } catch (err) {
        errors++;
        this.#logger?.warn({ lease_id: id, ...errorFields(err) }, 'expiration: tidy could not check a lease');
      }
    }
    this.#logger?.info(
      { checked: ids.length, deleted, queued, scheduled, errors },
      'expiration: tidy finished',
    );
  }

  async #sweepExpiredTokens(): Promise<void> {
    if (!this.#running) return;
    try {
      await this.#tokens.revokeExpired();
    } catch (err) {
      this.#logger?.warn(errorFields(err), 'expiration: sweeping expired tokens failed');
    }
  }
}

/** The parts of an `auth` block the manager reads. */
export interface AuthLike {
  readonly accessor: string;
  readonly token_type: string;
}
