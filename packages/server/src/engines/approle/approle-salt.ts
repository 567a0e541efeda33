import type { StorageView } from '@coffer/barrier';
import { StorageSalt } from '../../logical/storage-salt.js';

/**
 * The mount's salt, keying HMAC-SHA256 over secret IDs, role IDs and secret-ID accessors, so
 * that storage keys and records never hold those values.
 */
export class AppRoleSalt {
  readonly #salt: StorageSalt;

  constructor(storage: StorageView) {
    this.#salt = new StorageSalt(storage, 'approle');
  }

  /** Hex HMAC-SHA256 of `purpose:value` under the salt (64 characters). */
  hmac(purpose: 'secret-id' | 'role-id' | 'accessor', value: string): Promise<string> {
    return this.#salt.hmac(`${purpose}:${value}`);
  }
}
