import type { StorageView } from '@coffer/barrier';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { TokenEntry } from '../logical/token-entry.js';
import { getJson, putJson } from '../logical/storage-json.js';
import type { TokenStore } from '../tokens/token-store.js';
import { invalidWrappingToken } from './invalid-wrapping-token.js';
import type { WrapInfo } from './wrap-info.js';

export const RESPONSE_WRAPPING_POLICY = 'response-wrapping';

/** Keys in a wrapping token's cubbyhole, as Vault names them. */
const RESPONSE_KEY = 'response';
const WRAPINFO_KEY = 'wrapinfo';

interface StoredResponse {
  /** The wrapped response's JSON envelope, exactly as unwrap returns it. */
  readonly response: string;
}

interface StoredWrapInfo {
  /** Seconds. */
  readonly creation_ttl: number;
  readonly creation_time: string;
  readonly creation_path: string;
}

export interface WrapRequest {
  /** Seconds, > 0. */
  readonly ttl: number;
  /** The wrapped request's path (`secret/data/app`, `sys/wrapping/wrap`). */
  readonly creationPath: string;
  /** The serialised envelope to hand back on unwrap. */
  readonly response: string;
  /** Accessor of the token (or AppRole secret ID) inside the response. */
  readonly wrappedAccessor?: string;
}

/** What `sys/wrapping/lookup` reports. */
export interface WrappingLookup {
  readonly creationPath: string;
  readonly creationTime: string;
  readonly creationTtl: number;
}

/** True for a token holding exactly the internal `response-wrapping` policy (Vault's `IsWrappingToken`). */
export function isWrappingToken(entry: TokenEntry): boolean {
  return entry.policies.length === 1 && entry.policies[0] === RESPONSE_WRAPPING_POLICY;
}

/**
 * Response wrapping over one unseal's token store and the cubbyhole mount's storage: a wrapped
 * response lives at `response` (and its creation facts at `wrapinfo`) in the cubbyhole of a
 * single-use orphan token carrying only the `response-wrapping` policy. Unwrapping spends that
 * use and revokes the token, which destroys its cubbyhole; expiry does the same.
 */
export class ResponseWrapper {
  readonly #tokens: TokenStore;
  readonly #cubbyhole: StorageView;

  /** `cubbyhole` is the cubbyhole mount's storage view (token cubbyholes live under `<id>/`). */
  constructor(tokens: TokenStore, cubbyhole: StorageView) {
    this.#tokens = tokens;
    this.#cubbyhole = cubbyhole;
  }

  /** Mints the wrapping token and stores the response in its cubbyhole. */
  async wrap(req: WrapRequest): Promise<WrapInfo> {
    const issued = await this.#tokens.issueWrappingToken({ path: req.creationPath, ttl: req.ttl });
    const creationTime = new Date(this.#tokens.now()).toISOString();
    const cubby = this.#cubbyOf(issued.entry);
    try {
      await putJson(cubby, RESPONSE_KEY, { response: req.response } satisfies StoredResponse);
      await putJson(cubby, WRAPINFO_KEY, {
        creation_ttl: req.ttl,
        creation_time: creationTime,
        creation_path: req.creationPath,
      } satisfies StoredWrapInfo);
    } catch (err) {
      await this.#tokens.revokeOrphan(issued.entry).catch(() => undefined);
      throw err;
    }
    return {
      token: issued.clientToken,
      accessor: issued.entry.accessor,
      ttl: req.ttl,
      creationTime,
      creationPath: req.creationPath,
      ...(req.wrappedAccessor === undefined || req.wrappedAccessor === ''
        ? {}
        : { wrappedAccessor: req.wrappedAccessor }),
    };
  }

  /** The entry of a live wrapping token; undefined for anything else (unknown, spent, expired, not wrapping). */
  async validate(token: string | undefined): Promise<TokenEntry | undefined> {
    if (token === undefined || token === '') return undefined;
    const entry = await this.#tokens.lookup(token);
    return entry !== undefined && isWrappingToken(entry) ? entry : undefined;
  }

  /**
   * Spends the single use of a wrapping token presented by a third party (in the request body),
   * runs `read` while the token's cubbyhole still exists, then revokes the token. A token whose
   * use another request took first is invalid (400).
   */
  async consume<T>(entry: TokenEntry, read: (spent: TokenEntry) => Promise<T>): Promise<T> {
    const use = await this.#tokens.use(entry);
    if (use === undefined) throw invalidWrappingToken();
    try {
      return await read(use.entry);
    } finally {
      await this.#tokens.finishUse(use);
    }
  }

  /** The stored envelope (JSON text) of a wrapping token. */
  async response(entry: TokenEntry): Promise<string> {
    const stored = await getJson<StoredResponse>(this.#cubbyOf(entry), RESPONSE_KEY);
    if (stored === undefined || typeof stored.response !== 'string') throw invalidWrappingToken();
    return stored.response;
  }

  /** Creation path, time and TTL of a wrapping token. */
  async lookup(entry: TokenEntry): Promise<WrappingLookup> {
    const stored = await getJson<StoredWrapInfo>(this.#cubbyOf(entry), WRAPINFO_KEY);
    if (stored === undefined) throw invalidWrappingToken();
    return {
      creationPath: stored.creation_path,
      creationTime: stored.creation_time,
      creationTtl: stored.creation_ttl,
    };
  }

  #cubbyOf(entry: TokenEntry): StorageView {
    const id = entry.cubbyholeId;
    if (id === '' || id.includes('/')) throw new CofferError(ErrorCode.Internal, 'invalid cubbyhole id');
    return this.#cubbyhole.view(`${id}/`);
  }
}
