import { hkdfSync } from 'node:crypto';
import { AEAD_KEY_BYTES, aeadDecrypt, aeadEncrypt } from './aead.js';
import { BarrierError } from './barrier-error.js';

const INFO = 'coffer/seal-access/v1';

/**
 * Encryption under a key derived (HKDF-SHA256) from the unseal key, for proving possession of
 * the unseal key to another node: the raft join challenge is encrypted by the active node's seal
 * access and can only be decrypted by a node that combined the cluster's unseal shares.
 *
 * The derived key is never the unseal key itself, so nothing encrypted here can be confused with
 * `core/root-key`. `purpose` is bound as additional data (a challenge for one server id does not
 * decrypt as one for another).
 */
export class SealAccess {
  readonly #key: Uint8Array;

  private constructor(key: Uint8Array) {
    this.#key = key;
  }

  /** Derives the seal-access key from an unseal key (the caller keeps ownership of `unsealKey`). */
  static fromUnsealKey(unsealKey: Uint8Array): SealAccess {
    if (unsealKey.byteLength !== AEAD_KEY_BYTES) {
      throw new BarrierError('INVALID_UNSEAL_KEY', 'unseal key has the wrong length');
    }
    return new SealAccess(
      new Uint8Array(hkdfSync('sha256', unsealKey, new Uint8Array(0), INFO, AEAD_KEY_BYTES)),
    );
  }

  encrypt(purpose: string, plaintext: Uint8Array): Uint8Array {
    return aeadEncrypt(this.#key, 0, `seal-access/${purpose}`, plaintext);
  }

  /** Throws DECRYPTION_FAILED when the ciphertext was made under another key or purpose. */
  decrypt(purpose: string, ciphertext: Uint8Array): Uint8Array {
    return aeadDecrypt(this.#key, `seal-access/${purpose}`, ciphertext);
  }

  /** Zeroes the derived key; later calls fail. */
  wipe(): void {
    this.#key.fill(0);
  }
}
