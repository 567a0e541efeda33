import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type { StorageView } from '@coffer/barrier';

const SALT_KEY = 'salt';
const SALT_BYTES = 32;

/**
 * A salt of 32 random bytes created once at `salt` in a storage view, keying HMAC-SHA256 so that
 * storage keys and records derived from secret values (token IDs, secret IDs, accessors) are not
 * reversible to them. Callers prefix each input with its purpose, so one salt serves every kind.
 */
export class StorageSalt {
  readonly #storage: StorageView;
  readonly #name: string;
  #key: Promise<KeyObject> | undefined;

  /** `name` says whose salt it is in errors (e.g. 'token store'). */
  constructor(storage: StorageView, name: string) {
    this.#storage = storage;
    this.#name = name;
  }

  /** Hex HMAC-SHA256 of `input` under the salt (64 characters). */
  async hmac(input: string): Promise<string> {
    const key = await this.#load();
    return createHmac('sha256', key).update(input, 'utf8').digest('hex');
  }

  /** Forget the cached salt (e.g. after a seal); it is re-read from storage on next use. */
  reset(): void {
    this.#key = undefined;
  }

  #load(): Promise<KeyObject> {
    if (this.#key === undefined) {
      // One promise for all concurrent first users: two fresh salts must never race.
      const pending = this.#readOrCreate().then((salt) => createSecretKey(salt));
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
      if (existing.length !== SALT_BYTES) throw new Error(`${this.#name} salt is corrupt`);
      return Buffer.from(existing);
    }
    const fresh = randomBytes(SALT_BYTES);
    await this.#storage.put(SALT_KEY, new Uint8Array(fresh));
    return fresh;
  }
}
