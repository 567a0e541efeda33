import { createHmac, randomBytes } from 'node:crypto';
import type { StorageView } from '@coffer/barrier';

const SALT_KEY = 'salt';
const SALT_BYTES = 32;

/**
 * The mount's salt: 32 random bytes created once in the mount's storage, keying HMAC-SHA256
 * over secret IDs, role IDs and secret-ID accessors, so that storage keys and records never
 * hold those values. Each use names its purpose, so one salt serves every kind of value.
 */
export class AppRoleSalt {
  readonly #storage: StorageView;
  #key: Promise<Buffer> | undefined;

  constructor(storage: StorageView) {
    this.#storage = storage;
  }

  /** Hex HMAC-SHA256 of `purpose:value` under the salt (64 characters). */
  async hmac(purpose: 'secret-id' | 'role-id' | 'accessor', value: string): Promise<string> {
    const key = await this.#load();
    return createHmac('sha256', key).update(`${purpose}:${value}`, 'utf8').digest('hex');
  }

  #load(): Promise<Buffer> {
    if (this.#key === undefined) {
      // One promise for all concurrent first users: two fresh salts must never race.
      const pending = this.#readOrCreate();
      this.#key = pending;
      pending.catch(() => {
        if (this.#key === pending) this.#key = undefined;
      });
    }
    return this.#key;
  }

  async #readOrCreate(): Promise<Buffer> {
    const existing = await this.#storage.get(SALT_KEY);
    if (existing !== undefined) {
      if (existing.length !== SALT_BYTES) throw new Error('approle salt is corrupt');
      return Buffer.from(existing);
    }
    const fresh = randomBytes(SALT_BYTES);
    await this.#storage.put(SALT_KEY, new Uint8Array(fresh));
    return fresh;
  }
}
