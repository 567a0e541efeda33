import type { StorageView } from '@coffer/barrier';
import { StorageSalt } from '../logical/storage-salt.js';

/**
 * The token store's salt, keying HMAC-SHA256 over token IDs (and accessors) so that storage keys
 * are not reversible to them.
 */
export class TokenSalt {
  readonly #salt: StorageSalt;

  constructor(storage: StorageView) {
    this.#salt = new StorageSalt(storage, 'token store');
  }

  /** Salted hash of a token ID: the primary storage key of its entry. Hex, 64 chars. */
  hashToken(tokenId: string): Promise<string> {
    return this.#salt.hmac(`token:${tokenId}`);
  }

  /** Salted hash of an accessor: the key of its index entry. */
  hashAccessor(accessor: string): Promise<string> {
    return this.#salt.hmac(`accessor:${accessor}`);
  }

  /** The cubbyhole key of a token, derived from its salted hash (one-way). */
  cubbyholeId(tokenHash: string): Promise<string> {
    return this.#salt.hmac(`cubbyhole:${tokenHash}`);
  }

  /** Forget the cached salt (e.g. after a seal); it is re-read from storage on next use. */
  reset(): void {
    this.#salt.reset();
  }
}
