import { createHmac, randomBytes } from 'node:crypto';
import type { StorageView } from '@coffer/barrier';

const SALT_KEY = 'salt';
const SALT_BYTES = 32;

/**
 * The token store's salt: 32 random bytes created once and kept in storage, used to key
 * HMAC-SHA256 over token IDs (and accessors) so that storage keys are not reversible to them.
 */
export class TokenSalt {
  readonly #storage: StorageView;
  #key: Promise<Buffer> | undefined;

  constructor(storage: StorageView) {
    this.#storage = storage;
  }

  /** Salted hash of a token ID: the primary storage key of its entry. Hex, 64 chars. */
  async hashToken(tokenId: string): Promise<string> {
    return this.#hmac(`token:${tokenId}`);
  }

  /** Salted hash of an accessor: the key of its index entry. */
  async hashAccessor(accessor: string): Promise<string> {
    return this.#hmac(`accessor:${accessor}`);
  }

  /** The cubbyhole key of a token, derived from its salted hash (one-way). */
  async cubbyholeId(tokenHash: string): Promise<string> {
    return this.#hmac(`cubbyhole:${tokenHash}`);
  }

  /** Forget the cached salt (e.g. after a seal); it is re-read from storage on next use. */
  reset(): void {
    this.#key = undefined;
  }

  async #hmac(input: string): Promise<string> {
    const key = await this.#load();
    return createHmac('sha256', key).update(input, 'utf8').digest('hex');
  }

  #load(): Promise<Buffer> {
    if (this.#key === undefined) {
      const pending = this.#readOrCreate();
      this.#key = pending;
      // A failed load (e.g. sealed storage) must not poison later attempts.
      pending.catch(() => {
        if (this.#key === pending) this.#key = undefined;
      });
    }
    return this.#key;
  }

  async #readOrCreate(): Promise<Buffer> {
    const existing = await this.#storage.get(SALT_KEY);
    if (existing !== undefined) {
      if (existing.length !== SALT_BYTES) throw new Error('token store salt is corrupt');
      return Buffer.from(existing);
    }
    const fresh = randomBytes(SALT_BYTES);
    await this.#storage.put(SALT_KEY, new Uint8Array(fresh));
    return fresh;
  }
}
