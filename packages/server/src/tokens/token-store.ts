import { LRUCache } from 'lru-cache';
import type { StorageView } from '@coffer/barrier';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { RequestAuth } from '../logical/logical-request.js';
import type { TokenEntry } from '../logical/token-entry.js';
import { calculateTtl } from './calculate-ttl.js';
import type { CreateTokenParams, LoginTokenSpec } from './create-token-params.js';
import { globMatch } from './glob-match.js';
import { KeyedMutex } from '../logical/keyed-mutex.js';
import { randomBase62 } from './random-base62.js';
import { sanitizePolicies } from './sanitize-policies.js';
import { decodeTokenRecord, encodeTokenRecord, tokenEntryOf, type TokenRecord } from './token-record.js';
import type { TokenRole } from './token-role.js';
import { TokenSalt } from './token-salt.js';

const ID_PREFIX = 'id/';
const ACCESSOR_PREFIX = 'accessor/';
const PARENT_PREFIX = 'parent/';
const ROLES_PREFIX = 'roles/';

/** Characters of randomness after `hvs.` in a generated token, and in an accessor. */
const TOKEN_RANDOM_LENGTH = 24;
const ACCESSOR_LENGTH = 24;
/** Longest token string we will hash; anything longer cannot be one of ours. */
const MAX_TOKEN_LENGTH = 1024;
/** Ancestors checked for expiry/revocation on lookup (a cycle guard; real chains are short). */
const MAX_ANCESTRY = 128;
/** Policies only the core may attach (response wrapping, control groups). */
const NON_ASSIGNABLE_POLICIES: readonly string[] = ['response-wrapping', 'control-group'];

/** pino-compatible subset, so the core can pass its logger. Token IDs are never logged. */
export interface TokenStoreLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

export interface TokenStoreOptions {
  /** System default and maximum lease TTLs, seconds (config `default_lease_ttl`/`max_lease_ttl`). */
  readonly defaultLeaseTtl: number;
  readonly maxLeaseTtl: number;
  /** Clock, Unix milliseconds. Defaults to `Date.now`. */
  readonly now?: () => number;
  /** Whether a policy exists (for `Policy "x" does not exist` warnings). Omitted: no warnings. */
  readonly policyExists?: (name: string) => Promise<boolean>;
  /** Entries kept in the in-memory lookup cache (default 10000). */
  readonly cacheSize?: number;
  readonly logger?: TokenStoreLogger;
  /**
   * The default and maximum lease TTLs (seconds) of the mount serving a creation path (mount
   * tune values, falling back to the system ones); omitted or undefined: the system TTLs.
   */
  readonly mountTtls?: (path: string) => { defaultLeaseTtl: number; maxLeaseTtl: number } | undefined;
}

/**
 * Called for every token being revoked, before its entry is deleted (cubbyhole, leases), with
 * the token's salted ID (its storage key, never the token itself).
 */
export type RevokeListener = (entry: TokenEntry, saltedId: string) => Promise<void>;

/** What the expiration manager needs to know about a token's lease (by salted ID). */
export interface TokenLeaseFacts {
  readonly path: string;
  readonly accessor: string;
  readonly hasLease: boolean;
  readonly renewable: boolean;
  readonly issueTimeMs: number;
  /** 0 = never. */
  readonly expireTimeMs: number;
  readonly lastRenewalMs: number;
  /** Revocation has started (the token is dead; finishing it is idempotent). */
  readonly revoking: boolean;
}

export interface IssuedToken {
  /** The secret: return it to the caller once; never log or persist it. */
  readonly clientToken: string;
  readonly entry: TokenEntry;
  readonly warnings: readonly string[];
}

export interface TokenUse {
  /** The entry after this use (numUses decremented; -1 on the last use). */
  readonly entry: TokenEntry;
  /** This was the last permitted use: revoke the token once the request completes (`finishUse`). */
  readonly lastUse: boolean;
}

export interface RenewedToken {
  readonly entry: TokenEntry;
  /** The TTL granted by this renewal, seconds. */
  readonly leaseDuration: number;
  readonly warnings: readonly string[];
}

/** A token's entry plus lease facts that `lookup` endpoints report. */
export interface TokenDetails {
  readonly entry: TokenEntry;
  readonly role: string;
  /** False only for root tokens made at init / generate-root / dev mode. */
  readonly hasLease: boolean;
  readonly issueTimeMs: number;
  /** 0 = never renewed. */
  readonly lastRenewalMs: number;
}

export interface TidyReport {
  readonly revokedExpired: number;
  readonly revokedExhausted: number;
  readonly finishedRevocations: number;
  readonly orphanedChildren: number;
  readonly deletedParentIndexes: number;
  readonly deletedAccessors: number;
  readonly errors: number;
}

interface Cached {
  readonly record: TokenRecord;
  readonly entry: TokenEntry;
}

interface AccessorIndexEntry {
  readonly accessor: string;
  readonly tokenHash: string;
}

/** Everything about a new token except what `#mint` derives (ID, accessor, times, cubbyhole). */
interface MintSpec {
  readonly id: string | undefined;
  readonly policies: readonly string[];
  readonly parentHash: string;
  readonly parentAccessor: string;
  readonly path: string;
  readonly meta: Readonly<Record<string, string>>;
  readonly displayName: string;
  readonly numUses: number;
  readonly ttl: number;
  readonly explicitMaxTtl: number;
  readonly period: number;
  readonly maxTtl: number;
  readonly renewable: boolean;
  readonly hasLease: boolean;
  readonly role: string;
  readonly entityId: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

function bad(message: string): CofferError {
  return new CofferError(ErrorCode.BadRequest, message);
}

/** Go's `%q` of a string slice, as Vault's messages print it: `["a" "b"]`. */
function quotedList(items: readonly string[]): string {
  return `[${items.map((s) => JSON.stringify(s)).join(' ')}]`;
}

function sanitizeDisplayName(name: string): string {
  const full = `token-${name}`.replace(/[^a-zA-Z0-9-]/g, '-');
  return full.endsWith('-') ? full.slice(0, -1) : full;
}

/**
 * The token store: issues, looks up, renews and revokes service tokens.
 *
 * Storage layout under its view (the core passes the barrier view `sys/token/`):
 * `salt` (32 random bytes), `id/<h>` (the entry, JSON, never containing the token),
 * `accessor/<HMAC(accessor)>` → `{accessor, tokenHash}`, `parent/<h parent>/<h child>` (empty),
 * `roles/<name>`; `h` = hex HMAC-SHA256(salt, token ID).
 *
 * Lookups go through a bounded in-memory cache keyed by salted hash, written through on every
 * change; this instance must be the only writer of its view (the active node). Call
 * `clearCache()` whenever that stops being true (seal, step-down).
 */
export class TokenStore {
  readonly #storage: StorageView;
  readonly #salt: TokenSalt;
  readonly #defaultLeaseTtl: number;
  readonly #maxLeaseTtl: number;
  readonly #now: () => number;
  readonly #policyExists: ((name: string) => Promise<boolean>) | undefined;
  readonly #logger: TokenStoreLogger | undefined;
  readonly #mountTtls: TokenStoreOptions['mountTtls'];
  /** Tokens in storage, counted once (`count`) then kept up to date; undefined until then. */
  #count: number | undefined;
  readonly #cache: LRUCache<string, Cached>;
  readonly #accessorCache: LRUCache<string, string>;
  /** Salted hash of every entry object handed out, so callers never need the raw token again. */
  readonly #hashes = new WeakMap<TokenEntry, string>();
  readonly #locks = new KeyedMutex();
  readonly #listeners: RevokeListener[] = [];
  readonly #revocations = new Map<string, Promise<void>>();
  /** Tokens whose last use is in flight: tidy must not mistake them for abandoned ones. */
  readonly #lastUses = new Set<string>();
  #tidy: Promise<TidyReport> | undefined;

  constructor(storage: StorageView, options: TokenStoreOptions) {
    if (!(options.maxLeaseTtl > 0) || !(options.defaultLeaseTtl > 0)) {
      throw new RangeError('TokenStore needs positive defaultLeaseTtl and maxLeaseTtl');
    }
    this.#storage = storage;
    this.#salt = new TokenSalt(storage);
    this.#defaultLeaseTtl = Math.min(options.defaultLeaseTtl, options.maxLeaseTtl);
    this.#maxLeaseTtl = options.maxLeaseTtl;
    this.#now = options.now ?? Date.now;
    this.#policyExists = options.policyExists;
    this.#logger = options.logger;
    this.#mountTtls = options.mountTtls;
    const size = options.cacheSize ?? 10_000;
    // lru-cache's list lives in typed arrays: a hit moves no Map entry. (A Map-based LRU that
    // deleted and re-set the key on every hit cost 30 µs per hit at 10,000 tokens: V8 rehashed
    // the table over and over, and every request on the root token paid it.)
    this.#cache = new LRUCache({ max: size });
    this.#accessorCache = new LRUCache({ max: size });
  }

  /** Registers a revocation hook; returns a function that unregisters it. */
  onRevoke(listener: RevokeListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i !== -1) this.#listeners.splice(i, 1);
    };
  }

  /** The store's clock, Unix milliseconds. */
  now(): number {
    return this.#now();
  }

  /** The system maximum lease TTL, seconds. */
  get maxLeaseTtl(): number {
    return this.#maxLeaseTtl;
  }

  /** Drops every cached entry and the cached salt (after seal or when losing leadership). */
  clearCache(): void {
    this.#cache.clear();
    this.#accessorCache.clear();
    this.#salt.reset();
  }

  // ---------------------------------------------------------------------------------------
  // Creation

  /**
   * A root token: policies ["root"], path `auth/token/root`, display name `root`, no TTL, orphan,
   * no lease. `id` fixes the token string (dev mode's `-dev-root-token-id`).
   */
  async createRootToken(options: { readonly id?: string } = {}): Promise<IssuedToken> {
    return this.#mint(
      {
        id: options.id,
        policies: ['root'],
        parentHash: '',
        parentAccessor: '',
        path: 'auth/token/root',
        meta: {},
        displayName: 'root',
        numUses: 0,
        ttl: 0,
        explicitMaxTtl: 0,
        period: 0,
        maxTtl: 0,
        renewable: false,
        hasLease: false,
        role: '',
        entityId: '',
      },
      [],
    );
  }

  /**
   * `auth/token/create*` with Vault's rules. `parent` is the calling token; `parent.sudo`
   * (or root) unlocks custom IDs, `no_parent`, periodic tokens and policies outside the parent's.
   * Throws CofferError BAD_REQUEST (400) for every rule violation, as Vault does.
   */
  async create(parent: RequestAuth, params: CreateTokenParams): Promise<IssuedToken> {
    const parentHash = await this.#hashOf(parent.entry);
    const parentRecord = parentHash === undefined ? undefined : await this.#load(parentHash);
    if (
      parentHash === undefined ||
      parentRecord === undefined ||
      !(await this.#usable(parentRecord.record))
    ) {
      throw bad('parent token lookup failed: no parent found');
    }
    const p = parentRecord.record;
    if (p.numUses > 0) throw bad('restricted use token cannot generate child tokens');
    const isSudo = parent.sudo || parent.isRoot;

    let role: TokenRole | undefined;
    if (params.roleName !== undefined) {
      role = await this.readRole(params.roleName);
      if (role === undefined) throw bad(`unknown role ${params.roleName}`);
    }

    let renewable = params.renewable ?? true;
    let tokenType = params.type ?? '';
    if (role !== undefined) {
      if (role.tokenType === 'service' || role.tokenType === 'batch') tokenType = role.tokenType;
      else if (role.tokenType === 'default-batch' && tokenType === '') tokenType = 'batch';
    }
    if (tokenType === 'batch') throw bad('batch tokens are not supported by this server');
    if (tokenType !== '' && tokenType !== 'service') throw bad("invalid 'token_type' value");

    let numUses = params.numUses ?? 0;
    if (!Number.isInteger(numUses)) throw bad('num_uses must be an integer');
    if (numUses < 0) throw bad('number of uses cannot be negative');

    if (params.entityAlias !== undefined && params.entityAlias !== '') {
      if (role === undefined) throw bad("'entity_alias' is only allowed in combination with token role");
      throw bad("invalid 'entity_alias' value");
    }

    let path =
      role !== undefined
        ? `auth/token/create/${role.name}`
        : params.orphan === true
          ? 'auth/token/create-orphan'
          : 'auth/token/create';
    if (role !== undefined) {
      if (renewable && !role.renewable) renewable = false;
      if (role.tokenNumUses !== 0 && (numUses === 0 || role.tokenNumUses < numUses))
        numUses = role.tokenNumUses;
      if (role.pathSuffix !== '') path = `${path}/${role.pathSuffix}`;
    }

    const displayName =
      params.displayName !== undefined && params.displayName !== ''
        ? sanitizeDisplayName(params.displayName)
        : 'token';

    const customId = params.id !== undefined && params.id !== '' ? params.id : undefined;
    if (customId !== undefined && !isSudo) throw bad('root or sudo privileges required to specify token id');

    const policies = this.#childPolicies(p, role, params, isSudo);

    let orphan = false;
    if (role !== undefined) orphan = role.orphan;
    else if (params.noParent === true) {
      if (!isSudo) throw bad('root or sudo privileges required to create orphan token');
      orphan = true;
    } else if (params.orphan === true) orphan = true;

    let explicitMaxTtl = 0;
    if (params.explicitMaxTtl !== undefined) {
      if (params.explicitMaxTtl < 0) throw bad('explicit_max_ttl must be positive');
      explicitMaxTtl = params.explicitMaxTtl;
    }
    let period = 0;
    if (params.period !== undefined) {
      if (params.period < 0) throw bad('period must be positive');
      if (params.period > 0) {
        if (!isSudo) throw bad('root or sudo privileges required to create periodic token');
        period = params.period;
      }
    }
    let ttl = 0;
    if (params.ttl !== undefined) {
      if (params.ttl < 0) throw bad('ttl must be positive');
      ttl = params.ttl;
    }

    const warnings: string[] = [];
    if (role !== undefined) {
      if (role.tokenExplicitMaxTtl !== 0) {
        if (explicitMaxTtl === 0) explicitMaxTtl = role.tokenExplicitMaxTtl;
        else {
          explicitMaxTtl = Math.min(explicitMaxTtl, role.tokenExplicitMaxTtl);
          warnings.push(
            `Explicit max TTL specified both during creation call and in role; using the lesser value of ${explicitMaxTtl} seconds`,
          );
        }
      }
      if (role.tokenPeriod !== 0) {
        if (period === 0) period = role.tokenPeriod;
        else {
          period = Math.min(period, role.tokenPeriod);
          warnings.push(
            `Period specified both during creation call and in role; using the lesser value of ${period} seconds`,
          );
        }
      }
    }

    const nowSec = Math.floor(this.#now() / 1000);
    const limits = this.#limitsFor(path);
    if (period > 0 || ttl > 0 || !policies.includes('root')) {
      const result = calculateTtl({
        defaultLeaseTtl: limits.defaultLeaseTtl,
        maxLeaseTtl: limits.maxLeaseTtl,
        increment: 0,
        backendTtl: ttl,
        period,
        backendMaxTtl: 0,
        explicitMaxTtl,
        startTime: nowSec,
        now: nowSec,
      });
      warnings.push(...result.warnings);
      ttl = result.ttl;
    }
    // Root tokens are still bound by an explicit max TTL.
    if (ttl === 0 && explicitMaxTtl > 0) ttl = explicitMaxTtl;
    if (ttl === 0) {
      if (p.ttl !== 0) throw bad('expiring root tokens cannot create non-expiring root tokens');
      renewable = false;
    }

    const issued = await this.#mint(
      {
        id: customId,
        policies,
        parentHash: orphan ? '' : parentHash,
        parentAccessor: orphan ? '' : p.accessor,
        path,
        meta: params.meta ?? {},
        displayName,
        numUses,
        ttl,
        explicitMaxTtl,
        period,
        maxTtl: limits.maxLeaseTtl < this.#maxLeaseTtl ? limits.maxLeaseTtl : 0,
        renewable,
        hasLease: true,
        role: role?.name ?? '',
        entityId: orphan ? '' : p.entityId,
      },
      warnings,
    );
    await this.#warnMissingPolicies(policies, warnings);
    return issued;
  }

  /**
   * A login token for an auth method (userpass, approle, ...): an orphan with the given
   * policies (`default` added unless `noDefaultPolicy`), TTL from the method's settings capped
   * by the system maximum. No parent rules apply.
   */
  async issue(spec: LoginTokenSpec): Promise<IssuedToken> {
    let policies = sanitizePolicies(spec.policies, spec.noDefaultPolicy !== true);
    if (spec.noDefaultPolicy === true) policies = policies.filter((x) => x !== 'default');
    for (const name of policies) {
      if (NON_ASSIGNABLE_POLICIES.includes(name)) throw bad(`cannot assign policy "${name}"`);
    }
    const numUses = spec.numUses ?? 0;
    if (!Number.isInteger(numUses) || numUses < 0) throw bad('number of uses cannot be negative');
    const nowSec = Math.floor(this.#now() / 1000);
    const limits = this.#limitsFor(spec.path);
    // The mount's maximum caps this token for life (renewals included), as a backend max does.
    const backendMax = Math.max(0, spec.maxTtl ?? 0);
    const maxTtl =
      limits.maxLeaseTtl < this.#maxLeaseTtl && (backendMax === 0 || limits.maxLeaseTtl < backendMax)
        ? limits.maxLeaseTtl
        : backendMax;
    const { ttl, warnings } = calculateTtl({
      defaultLeaseTtl: limits.defaultLeaseTtl,
      maxLeaseTtl: limits.maxLeaseTtl,
      increment: 0,
      backendTtl: Math.max(0, spec.ttl ?? 0),
      period: Math.max(0, spec.period ?? 0),
      backendMaxTtl: maxTtl,
      explicitMaxTtl: Math.max(0, spec.explicitMaxTtl ?? 0),
      startTime: nowSec,
      now: nowSec,
    });
    const out = [...warnings];
    const issued = await this.#mint(
      {
        id: undefined,
        policies,
        parentHash: '',
        parentAccessor: '',
        path: spec.path,
        meta: spec.meta ?? {},
        displayName: spec.displayName ?? 'token',
        numUses,
        ttl,
        explicitMaxTtl: Math.max(0, spec.explicitMaxTtl ?? 0),
        period: Math.max(0, spec.period ?? 0),
        maxTtl,
        renewable: spec.renewable ?? true,
        hasLease: true,
        role: '',
        entityId: spec.entityId ?? '',
      },
      out,
    );
    await this.#warnMissingPolicies(policies, out);
    return issued;
  }

  /**
   * A response-wrapping token (Vault's `wrapInCubbyhole`): an orphan holding only the internal
   * `response-wrapping` policy, usable once, TTL and explicit max TTL `ttl` seconds, not
   * renewable; `path` is the creation path of the wrapped request.
   */
  async issueWrappingToken(spec: { readonly path: string; readonly ttl: number }): Promise<IssuedToken> {
    if (!Number.isInteger(spec.ttl) || spec.ttl <= 0)
      throw bad('wrapping TTL must be a positive number of seconds');
    return this.#mint(
      {
        id: undefined,
        policies: ['response-wrapping'],
        parentHash: '',
        parentAccessor: '',
        path: spec.path,
        meta: {},
        displayName: '',
        numUses: 1,
        ttl: spec.ttl,
        explicitMaxTtl: spec.ttl,
        period: 0,
        maxTtl: 0,
        renewable: false,
        hasLease: true,
        role: '',
        entityId: '',
      },
      [],
    );
  }

  // ---------------------------------------------------------------------------------------
  // Lookup and use

  /**
   * The entry for a client token, or undefined when it is unknown, revoked, being revoked,
   * spent, expired (at `expireTimeMs`, whether or not cleanup has run), or descends from an
   * expired or revoked token.
   */
  async lookup(clientToken: string): Promise<TokenEntry | undefined> {
    const hash = await this.#hashToken(clientToken);
    if (hash === undefined) return undefined;
    const cached = await this.#load(hash);
    if (cached === undefined || !(await this.#usable(cached.record))) return undefined;
    return cached.entry;
  }

  /** As `lookup`, by accessor. */
  async lookupByAccessor(accessor: string): Promise<TokenEntry | undefined> {
    const hash = await this.#hashOfAccessor(accessor);
    if (hash === undefined) return undefined;
    const cached = await this.#load(hash);
    if (cached === undefined || !(await this.#usable(cached.record))) return undefined;
    return cached.entry;
  }

  /**
   * Lookup for the `lookup*` endpoints: like `lookup` but also returns a token whose last use
   * is the current request (Vault's "tainted" lookup), with its lease facts.
   */
  async inspect(clientToken: string): Promise<TokenDetails | undefined> {
    const hash = await this.#hashToken(clientToken);
    return hash === undefined ? undefined : this.#details(hash);
  }

  async inspectByAccessor(accessor: string): Promise<TokenDetails | undefined> {
    const hash = await this.#hashOfAccessor(accessor);
    return hash === undefined ? undefined : this.#details(hash);
  }

  /**
   * Spends one use of a use-limited token (no-op for unlimited ones). Returns undefined when
   * the token is no longer valid (e.g. a concurrent request took its last use): deny the
   * request. When `lastUse` is set, call `finishUse` after the request has been handled.
   */
  async use(entry: TokenEntry): Promise<TokenUse | undefined> {
    const hash = await this.#hashOf(entry);
    if (hash === undefined) return undefined;
    return this.#locks.run(hash, async () => {
      const cached = await this.#load(hash);
      if (cached === undefined || !(await this.#usable(cached.record))) return undefined;
      const record = cached.record;
      if (record.numUses === 0) return { entry: cached.entry, lastUse: false };
      const lastUse = record.numUses === 1;
      const next = await this.#save(hash, { ...record, numUses: lastUse ? -1 : record.numUses - 1 });
      if (lastUse) this.#lastUses.add(hash);
      return { entry: next.entry, lastUse };
    });
  }

  /** Completes a use: revokes the token (and its children) if that was its last use. */
  async finishUse(use: TokenUse): Promise<void> {
    if (use.lastUse) await this.revokeTree(use.entry);
  }

  // ---------------------------------------------------------------------------------------
  // Renewal

  /**
   * Renews a token's lease: `increment` seconds from now (0 = its current TTL), periodic tokens
   * to their period; capped by the explicit max TTL and the max lease TTL measured from issue.
   * Throws 400 for tokens that are unknown, not renewable, or past their max TTL.
   */
  async renew(entry: TokenEntry, increment: number): Promise<RenewedToken> {
    const hash = await this.#hashOf(entry);
    if (hash === undefined) throw bad('token not found');
    return this.#locks.run(hash, async () => {
      const cached = await this.#load(hash);
      if (cached === undefined || !(await this.#usable(cached.record))) throw bad('token not found');
      const record = cached.record;
      if (!record.hasLease) throw bad('invalid lease ID');
      if (!record.renewable || record.expireTimeMs === 0) throw bad('lease is not renewable');
      const now = this.#now();
      const { ttl, warnings } = calculateTtl({
        defaultLeaseTtl: this.#defaultLeaseTtl,
        maxLeaseTtl: this.#maxLeaseTtl,
        increment: Math.max(0, Math.trunc(increment)),
        backendTtl: record.leaseTtl,
        period: record.period,
        backendMaxTtl: record.maxTtl,
        explicitMaxTtl: record.explicitMaxTtl,
        startTime: Math.floor(record.issueTimeMs / 1000),
        now: Math.floor(now / 1000),
      });
      const next = await this.#save(hash, {
        ...record,
        leaseTtl: ttl,
        expireTimeMs: now + ttl * 1000,
        lastRenewalMs: now,
      });
      return { entry: next.entry, leaseDuration: ttl, warnings };
    });
  }

  // ---------------------------------------------------------------------------------------
  // Revocation

  /** Revokes the token and every descendant (children first); each goes through the hooks. */
  async revokeTree(entry: TokenEntry): Promise<void> {
    const hash = await this.#hashOf(entry);
    if (hash !== undefined) await this.#revokeTree(hash);
  }

  /** Revokes only this token; its children become orphans. */
  async revokeOrphan(entry: TokenEntry): Promise<void> {
    const hash = await this.#hashOf(entry);
    if (hash !== undefined) await this.#revokeOne(hash, true);
  }

  /** Tree-revokes the token with this accessor; false when no such token exists. */
  async revokeByAccessor(accessor: string): Promise<boolean> {
    const hash = await this.#hashOfAccessor(accessor);
    if (hash === undefined) return false;
    const cached = await this.#load(hash);
    if (cached === undefined) return false;
    await this.#revokeTree(hash);
    return true;
  }

  /** Every accessor in the index (`auth/token/accessors`). */
  async listAccessors(): Promise<string[]> {
    const keys = await this.#storage.list(ACCESSOR_PREFIX);
    const out: string[] = [];
    for (const key of keys) {
      if (key.endsWith('/')) continue;
      const entry = await this.#readAccessorEntry(key);
      if (entry !== undefined) out.push(entry.accessor);
    }
    return out;
  }

  /**
   * Revokes (tree) every token whose TTL has passed. Expired tokens already fail lookup; this
   * reclaims their storage and runs the revocation hooks. Returns how many were revoked.
   */
  async revokeExpired(): Promise<number> {
    let count = 0;
    for (const hash of await this.#listIds()) {
      const record = await this.#loadFromStorage(hash);
      if (record === undefined || record.revoking !== undefined || !this.#expired(record)) continue;
      try {
        await this.#revokeTree(hash);
        count++;
      } catch (err) {
        this.#logger?.warn(errorFields(err), 'token store: revoking an expired token failed');
      }
    }
    return count;
  }

  /** Whether a tidy is running (`auth/token/tidy` answers "already in progress"). */
  get tidyRunning(): boolean {
    return this.#tidy !== undefined;
  }

  /**
   * `auth/token/tidy`: finishes interrupted revocations, revokes expired and spent tokens,
   * orphans children of vanished parents, and deletes dangling index entries. Concurrent calls
   * share one run.
   */
  tidy(): Promise<TidyReport> {
    if (this.#tidy === undefined) {
      const run = this.#runTidy().finally(() => {
        this.#tidy = undefined;
      });
      this.#tidy = run;
    }
    return this.#tidy;
  }

  // ---------------------------------------------------------------------------------------
  // Expiration manager support (tokens by salted ID)

  /** The salted ID (storage key) of an entry handed out by this store. */
  saltedIdOf(entry: TokenEntry): Promise<string | undefined> {
    return this.#hashOf(entry);
  }

  /** The salted ID of the token with this accessor, whatever its state. */
  saltedIdOfAccessor(accessor: string): Promise<string | undefined> {
    return this.#hashOfAccessor(accessor);
  }

  /** Lease facts of a stored token (expired or being revoked included); undefined once it is gone. */
  async leaseFacts(saltedId: string): Promise<TokenLeaseFacts | undefined> {
    const cached = await this.#load(saltedId);
    if (cached === undefined) return undefined;
    const r = cached.record;
    return {
      path: r.path,
      accessor: r.accessor,
      hasLease: r.hasLease,
      renewable: r.renewable,
      issueTimeMs: r.issueTimeMs,
      expireTimeMs: r.expireTimeMs,
      lastRenewalMs: r.lastRenewalMs,
      revoking: r.revoking !== undefined,
    };
  }

  /** Tree-revokes the token with this salted ID (idempotent: a vanished token is a no-op). */
  async revokeTreeBySaltedId(saltedId: string): Promise<void> {
    await this.#revokeTree(saltedId);
  }

  /** Tokens in storage: one listing per store instance, then kept up to date by mint and revoke. */
  async count(): Promise<number> {
    if (this.#count === undefined) {
      const listed = (await this.#listIds()).length;
      this.#count ??= listed;
    }
    return this.#count;
  }

  #limitsFor(path: string): { defaultLeaseTtl: number; maxLeaseTtl: number } {
    const mount = this.#mountTtls?.(path);
    if (mount === undefined)
      return { defaultLeaseTtl: this.#defaultLeaseTtl, maxLeaseTtl: this.#maxLeaseTtl };
    const maxLeaseTtl = Math.min(mount.maxLeaseTtl, this.#maxLeaseTtl);
    return { defaultLeaseTtl: mount.defaultLeaseTtl, maxLeaseTtl };
  }

  // ---------------------------------------------------------------------------------------
  // Roles

  async readRole(name: string): Promise<TokenRole | undefined> {
    if (name === '' || name.includes('/')) return undefined;
    const bytes = await this.#storage.get(ROLES_PREFIX + name);
    if (bytes === undefined) return undefined;
    return JSON.parse(decoder.decode(bytes)) as TokenRole;
  }

  async writeRole(role: TokenRole): Promise<void> {
    if (role.name === '' || role.name.includes('/')) throw bad('invalid role name');
    await this.#storage.put(ROLES_PREFIX + role.name, encoder.encode(JSON.stringify(role)));
  }

  async deleteRole(name: string): Promise<void> {
    if (name === '' || name.includes('/')) return;
    await this.#storage.delete(ROLES_PREFIX + name);
  }

  async listRoles(): Promise<string[]> {
    return (await this.#storage.list(ROLES_PREFIX)).filter((k) => !k.endsWith('/'));
  }

  // ---------------------------------------------------------------------------------------
  // Internals

  #childPolicies(
    parent: TokenRecord,
    role: TokenRole | undefined,
    params: CreateTokenParams,
    isSudo: boolean,
  ): string[] {
    const requested = params.policies ?? [];
    const noDefault = params.noDefaultPolicy === true;
    let policies: readonly string[];
    let addDefault = false;

    const roleRestricts =
      role !== undefined &&
      (role.allowedPolicies.length > 0 ||
        role.disallowedPolicies.length > 0 ||
        role.allowedPoliciesGlob.length > 0 ||
        role.disallowedPoliciesGlob.length > 0);

    if (role !== undefined && roleRestricts) {
      const localAddDefault =
        !noDefault &&
        !role.tokenNoDefaultPolicy &&
        !role.disallowedPolicies.includes('default') &&
        !role.disallowedPoliciesGlob.some((g) => globMatch(g, 'default'));
      let final = requested.length > 0 ? sanitizePolicies(requested, localAddDefault) : [];
      if (role.allowedPolicies.length > 0 || role.allowedPoliciesGlob.length > 0) {
        const allowed = sanitizePolicies(role.allowedPolicies, localAddDefault);
        if (final.length === 0) final = allowed;
        else {
          const globs = sanitizePolicies(role.allowedPoliciesGlob, false);
          for (const name of final) {
            if (!allowed.includes(name) && !globs.some((g) => globMatch(g, name))) {
              throw bad(
                `token policies (${quotedList(final)}) must be subset of the role's allowed policies (${quotedList(allowed)}) or glob policies (${quotedList(globs)})`,
              );
            }
          }
        }
      } else if (final.length === 0) {
        final = sanitizePolicies(parent.policies, localAddDefault);
      }
      for (const name of final) {
        if (
          role.disallowedPolicies.includes(name) ||
          role.disallowedPoliciesGlob.some((g) => globMatch(g, name))
        ) {
          throw bad(`token policy "${name}" is disallowed by this role`);
        }
      }
      policies = final;
    } else if (requested.length === 0) {
      // Inherit the parent's; "default" only if the parent has it.
      policies = parent.policies;
    } else if (!isSudo) {
      const input = sanitizePolicies(requested, false);
      const held = sanitizePolicies(parent.policies, false);
      if (!input.every((name) => held.includes(name))) throw bad('child policies must be subset of parent');
      addDefault = !noDefault && parent.policies.includes('default');
      policies = requested;
    } else {
      addDefault = !noDefault;
      policies = requested;
    }

    let result = sanitizePolicies(policies, addDefault);
    if (noDefault) result = result.filter((name) => name !== 'default');
    for (const name of result) {
      if (NON_ASSIGNABLE_POLICIES.includes(name)) throw bad(`cannot assign policy "${name}"`);
    }
    if (result.includes('root') && !parent.policies.includes('root')) {
      throw bad('root tokens may not be created without parent token being root');
    }
    return result;
  }

  async #warnMissingPolicies(policies: readonly string[], warnings: string[]): Promise<void> {
    if (this.#policyExists === undefined) return;
    for (const name of policies) {
      if (name === 'root') continue;
      if (!(await this.#policyExists(name))) warnings.push(`Policy "${name}" does not exist`);
    }
  }

  async #mint(spec: MintSpec, warnings: string[]): Promise<IssuedToken> {
    let id: string;
    if (spec.id !== undefined) {
      id = spec.id;
      if (id.includes('.')) throw bad("custom token ID cannot have a '.' in the value");
      if (id.length > MAX_TOKEN_LENGTH) throw bad('custom token ID is too long');
    } else {
      id = `hvs.${randomBase62(TOKEN_RANDOM_LENGTH)}`;
    }
    const hash = await this.#salt.hashToken(id);
    if (spec.id !== undefined && (await this.#storage.get(ID_PREFIX + hash)) !== undefined) {
      throw bad('cannot create a token with a duplicate ID');
    }
    if (spec.parentHash !== '' && (await this.#load(spec.parentHash)) === undefined) {
      throw bad('parent token not found');
    }
    const now = this.#now();
    const accessor = randomBase62(ACCESSOR_LENGTH);
    const record: TokenRecord = {
      v: 1,
      accessor,
      policies: [...spec.policies],
      parentHash: spec.parentHash,
      parentAccessor: spec.parentAccessor,
      path: spec.path,
      meta: { ...spec.meta },
      displayName: spec.displayName,
      numUses: spec.numUses,
      creationTime: Math.floor(now / 1000),
      ttl: spec.ttl,
      explicitMaxTtl: spec.explicitMaxTtl,
      period: spec.period,
      maxTtl: spec.maxTtl,
      renewable: spec.renewable,
      expireTimeMs: spec.ttl > 0 ? now + spec.ttl * 1000 : 0,
      leaseTtl: spec.ttl,
      hasLease: spec.hasLease,
      issueTimeMs: now,
      lastRenewalMs: 0,
      role: spec.role,
      cubbyholeId: await this.#salt.cubbyholeId(hash),
      entityId: spec.entityId,
      type: 'service',
    };
    // Indexes first (as Vault): a crash leaves a dangling index for tidy, never a child that
    // escaped its parent's revocation.
    const indexEntry: AccessorIndexEntry = { accessor, tokenHash: hash };
    await this.#storage.put(
      ACCESSOR_PREFIX + (await this.#salt.hashAccessor(accessor)),
      encoder.encode(JSON.stringify(indexEntry)),
    );
    if (spec.parentHash !== '') await this.#storage.put(`${PARENT_PREFIX}${spec.parentHash}/${hash}`, EMPTY);
    const cached = await this.#save(hash, record);
    if (this.#count !== undefined) this.#count++;
    this.#accessorCache.set(accessor, hash);
    return { clientToken: id, entry: cached.entry, warnings };
  }

  async #hashToken(clientToken: string): Promise<string | undefined> {
    if (typeof clientToken !== 'string' || clientToken === '' || clientToken.length > MAX_TOKEN_LENGTH)
      return undefined;
    return this.#salt.hashToken(clientToken);
  }

  async #hashOf(entry: TokenEntry): Promise<string | undefined> {
    return this.#hashes.get(entry) ?? this.#hashOfAccessor(entry.accessor);
  }

  async #hashOfAccessor(accessor: string): Promise<string | undefined> {
    if (typeof accessor !== 'string' || accessor === '' || accessor.length > MAX_TOKEN_LENGTH)
      return undefined;
    const known = this.#accessorCache.get(accessor);
    if (known !== undefined) return known;
    const entry = await this.#readAccessorEntry(await this.#salt.hashAccessor(accessor));
    if (entry === undefined || entry.accessor !== accessor) return undefined;
    this.#accessorCache.set(accessor, entry.tokenHash);
    return entry.tokenHash;
  }

  async #readAccessorEntry(accessorHash: string): Promise<AccessorIndexEntry | undefined> {
    const bytes = await this.#storage.get(ACCESSOR_PREFIX + accessorHash);
    if (bytes === undefined) return undefined;
    try {
      const value = JSON.parse(decoder.decode(bytes)) as Partial<AccessorIndexEntry>;
      if (typeof value.accessor !== 'string' || typeof value.tokenHash !== 'string') return undefined;
      return { accessor: value.accessor, tokenHash: value.tokenHash };
    } catch {
      return undefined;
    }
  }

  async #details(hash: string): Promise<TokenDetails | undefined> {
    const cached = await this.#load(hash);
    if (cached === undefined) return undefined;
    const r = cached.record;
    // Tainted lookup: a token on its last use (numUses -1) still describes itself.
    if (r.revoking !== undefined || this.#expired(r) || !(await this.#ancestryValid(r))) return undefined;
    if (r.numUses < 0 && !this.#lastUses.has(hash)) return undefined;
    return {
      entry: cached.entry,
      role: r.role,
      hasLease: r.hasLease,
      issueTimeMs: r.issueTimeMs,
      lastRenewalMs: r.lastRenewalMs,
    };
  }

  #expired(record: TokenRecord): boolean {
    return record.expireTimeMs !== 0 && this.#now() >= record.expireTimeMs;
  }

  async #usable(record: TokenRecord): Promise<boolean> {
    if (record.revoking !== undefined || record.numUses < 0 || this.#expired(record)) return false;
    return this.#ancestryValid(record);
  }

  /**
   * A token dies with its parent: when an ancestor has expired or is being revoked, its whole
   * subtree stops working at once, before the tree revocation reaches it.
   */
  async #ancestryValid(record: TokenRecord): Promise<boolean> {
    let parentHash = record.parentHash;
    for (let depth = 0; parentHash !== '' && depth < MAX_ANCESTRY; depth++) {
      const parent = await this.#load(parentHash);
      if (parent === undefined) return true; // a vanished parent leaves an orphan (tidy fixes the index)
      if (parent.record.revoking !== undefined || this.#expired(parent.record)) return false;
      parentHash = parent.record.parentHash;
    }
    return true;
  }

  async #load(hash: string): Promise<Cached | undefined> {
    const hit = this.#cache.get(hash);
    if (hit !== undefined) return hit;
    const record = await this.#loadFromStorage(hash);
    return record === undefined ? undefined : this.#remember(hash, record);
  }

  async #loadFromStorage(hash: string): Promise<TokenRecord | undefined> {
    const bytes = await this.#storage.get(ID_PREFIX + hash);
    if (bytes === undefined) {
      this.#cache.delete(hash);
      return undefined;
    }
    return decodeTokenRecord(bytes);
  }

  async #save(hash: string, record: TokenRecord): Promise<Cached> {
    await this.#storage.put(ID_PREFIX + hash, encodeTokenRecord(record));
    return this.#remember(hash, record);
  }

  #remember(hash: string, record: TokenRecord): Cached {
    const entry = tokenEntryOf(record);
    this.#hashes.set(entry, hash);
    const cached = { record, entry };
    this.#cache.set(hash, cached);
    return cached;
  }

  async #listIds(): Promise<string[]> {
    return (await this.#storage.list(ID_PREFIX)).filter((k) => !k.endsWith('/'));
  }

  /** Marks a token as being revoked (it stops working now); returns its record, if any. */
  async #markRevoking(hash: string, mode: 'tree' | 'orphan'): Promise<TokenRecord | undefined> {
    return this.#locks.run(hash, async () => {
      const record = await this.#loadFromStorage(hash);
      if (record === undefined) return undefined;
      if (record.revoking !== undefined) {
        this.#remember(hash, record);
        return record;
      }
      return (await this.#save(hash, { ...record, revoking: mode })).record;
    });
  }

  /** Depth-first, children before parents; the top is marked first so the subtree dies at once. */
  async #revokeTree(root: string): Promise<void> {
    await this.#markRevoking(root, 'tree');
    const stack = [root];
    const seen = new Set([root]);
    while (stack.length > 0) {
      const current = stack[stack.length - 1] as string;
      const listed = await this.#storage.list(`${PARENT_PREFIX}${current}/`);
      const fresh: string[] = [];
      for (const key of listed) {
        const child = key.endsWith('/') ? key.slice(0, -1) : key;
        if (seen.has(child)) {
          // Already revoked (its record was missing) or a cycle: drop the stale index entry.
          await this.#storage.delete(`${PARENT_PREFIX}${current}/${child}`);
          continue;
        }
        fresh.push(child);
      }
      if (fresh.length === 0) {
        await this.#revokeOne(current, false);
        stack.pop();
      } else {
        for (const child of fresh) {
          seen.add(child);
          stack.push(child);
        }
      }
    }
  }

  /** Revokes one token; concurrent revocations of the same token share one run. */
  #revokeOne(hash: string, orphanChildren: boolean): Promise<void> {
    const inflight = this.#revocations.get(hash);
    if (inflight !== undefined) return inflight;
    const run = this.#revokeOneNow(hash, orphanChildren).finally(() => {
      this.#revocations.delete(hash);
    });
    this.#revocations.set(hash, run);
    return run;
  }

  async #revokeOneNow(hash: string, orphanChildren: boolean): Promise<void> {
    const record = await this.#markRevoking(hash, orphanChildren ? 'orphan' : 'tree');
    if (record === undefined) {
      this.#lastUses.delete(hash);
      return;
    }
    const entry = tokenEntryOf(record);
    // Hooks first (cubbyhole, leases): if one fails the token stays marked, dead, for a retry.
    for (const listener of [...this.#listeners]) await listener(entry, hash);

    if (record.parentHash !== '') await this.#storage.delete(`${PARENT_PREFIX}${record.parentHash}/${hash}`);
    await this.#storage.delete(ACCESSOR_PREFIX + (await this.#salt.hashAccessor(record.accessor)));
    this.#accessorCache.delete(record.accessor);

    if (orphanChildren) {
      for (const key of await this.#storage.list(`${PARENT_PREFIX}${hash}/`)) {
        const child = key.endsWith('/') ? key.slice(0, -1) : key;
        await this.#orphan(child, hash);
        await this.#storage.delete(`${PARENT_PREFIX}${hash}/${child}`);
      }
    }

    await this.#storage.delete(ID_PREFIX + hash);
    if (this.#count !== undefined) this.#count = Math.max(0, this.#count - 1);
    this.#cache.delete(hash);
    this.#lastUses.delete(hash);
  }

  async #orphan(childHash: string, parentHash: string): Promise<boolean> {
    return this.#locks.run(childHash, async () => {
      const child = await this.#loadFromStorage(childHash);
      if (child === undefined || child.parentHash !== parentHash) return false;
      await this.#save(childHash, { ...child, parentHash: '', parentAccessor: '' });
      return true;
    });
  }

  async #runTidy(): Promise<TidyReport> {
    let revokedExpired = 0;
    let revokedExhausted = 0;
    let finishedRevocations = 0;
    let orphanedChildren = 0;
    let deletedParentIndexes = 0;
    let deletedAccessors = 0;
    let errors = 0;
    this.#logger?.info({}, 'token store: tidy started');

    for (const hash of await this.#listIds()) {
      try {
        const record = await this.#loadFromStorage(hash);
        if (record === undefined) continue;
        if (record.revoking !== undefined) {
          if (record.revoking === 'orphan') await this.#revokeOne(hash, true);
          else await this.#revokeTree(hash);
          finishedRevocations++;
        } else if (this.#expired(record)) {
          await this.#revokeTree(hash);
          revokedExpired++;
        } else if (record.numUses < 0 && !this.#lastUses.has(hash)) {
          await this.#revokeTree(hash);
          revokedExhausted++;
        }
      } catch (err) {
        errors++;
        this.#logger?.warn(errorFields(err), 'token store: tidy could not revoke a token');
      }
    }

    for (const folder of await this.#storage.list(PARENT_PREFIX)) {
      if (!folder.endsWith('/')) continue;
      const parentHash = folder.slice(0, -1);
      try {
        const parentExists = (await this.#loadFromStorage(parentHash)) !== undefined;
        for (const key of await this.#storage.list(PARENT_PREFIX + folder)) {
          const childHash = key.endsWith('/') ? key.slice(0, -1) : key;
          const child = await this.#loadFromStorage(childHash);
          if (child !== undefined && child.parentHash === parentHash && parentExists) continue;
          if (child !== undefined && !parentExists && (await this.#orphan(childHash, parentHash)))
            orphanedChildren++;
          await this.#storage.delete(PARENT_PREFIX + folder + childHash);
          deletedParentIndexes++;
        }
      } catch (err) {
        errors++;
        this.#logger?.warn(errorFields(err), 'token store: tidy could not clean a parent index');
      }
    }

    for (const key of await this.#storage.list(ACCESSOR_PREFIX)) {
      if (key.endsWith('/')) continue;
      try {
        const entry = await this.#readAccessorEntry(key);
        if (entry !== undefined && (await this.#loadFromStorage(entry.tokenHash)) !== undefined) continue;
        await this.#storage.delete(ACCESSOR_PREFIX + key);
        if (entry !== undefined) this.#accessorCache.delete(entry.accessor);
        deletedAccessors++;
      } catch (err) {
        errors++;
        this.#logger?.warn(errorFields(err), 'token store: tidy could not clean an accessor index entry');
      }
    }

    const report = {
      revokedExpired,
      revokedExhausted,
      finishedRevocations,
      orphanedChildren,
      deletedParentIndexes,
      deletedAccessors,
      errors,
    };
    this.#logger?.info({ ...report }, 'token store: tidy finished');
    return report;
  }
}

/** What a log line may say about a failure: its type and stable code, never its message. */
function errorFields(err: unknown): { error_name: string; error_code?: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return {
    error_name: err instanceof Error ? err.name : typeof err,
    ...(typeof code === 'string' ? { error_code: code } : {}),
  };
}
