/**
 * The barrier's AEAD value format (see docs/formats/barrier.md):
 *
 * ```
 * offset  size  field
 * 0       4     key term, uint32 big-endian
 * 4       1     version byte (AEAD_VERSION = 1)
 * 5       12    nonce, random per encryption
 * 17      n     AES-256-GCM ciphertext (n = plaintext length)
 * 17+n    16    GCM tag
 * ```
 *
 * Additional authenticated data = bytes 0..4 (term ‖ version) ‖ UTF-8 of the storage path, so
 * a value copied to another path, or relabelled with another term, fails to decrypt.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { BarrierError } from './barrier-error.js';
import { randomNonce } from './random-nonce.js';

export const AEAD_VERSION = 1;
export const AEAD_KEY_BYTES = 32;
export const AEAD_TERM_BYTES = 4;
export const AEAD_NONCE_BYTES = 12;
export const AEAD_TAG_BYTES = 16;
/** term ‖ version ‖ nonce */
export const AEAD_HEADER_BYTES = AEAD_TERM_BYTES + 1 + AEAD_NONCE_BYTES;
/** Ciphertext length = plaintext length + AEAD_OVERHEAD_BYTES. */
export const AEAD_OVERHEAD_BYTES = AEAD_HEADER_BYTES + AEAD_TAG_BYTES;

const ALGORITHM = 'aes-256-gcm';
const MAX_TERM = 0xffff_ffff;

function checkKey(key: Uint8Array): void {
  if (key.byteLength !== AEAD_KEY_BYTES) {
    throw new RangeError(`AEAD key must be ${AEAD_KEY_BYTES} bytes`);
  }
}

function additionalData(header: Uint8Array, path: string): Buffer {
  return Buffer.concat([header.subarray(0, AEAD_TERM_BYTES + 1), Buffer.from(path, 'utf8')]);
}

/** Encrypts `plaintext` for storage at `path` under `key`, labelled with `term`. */
export function aeadEncrypt(key: Uint8Array, term: number, path: string, plaintext: Uint8Array): Uint8Array {
  checkKey(key);
  if (!Number.isInteger(term) || term < 0 || term > MAX_TERM) {
    throw new RangeError('AEAD term must be an integer in [0, 2^32)');
  }
  const out = new Uint8Array(plaintext.byteLength + AEAD_OVERHEAD_BYTES);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, term, false);
  out[AEAD_TERM_BYTES] = AEAD_VERSION;
  const nonce = randomNonce(AEAD_NONCE_BYTES);
  out.set(nonce, AEAD_TERM_BYTES + 1);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: AEAD_TAG_BYTES });
  cipher.setAAD(additionalData(out, path));
  const body = cipher.update(plaintext);
  const final = cipher.final();
  out.set(body, AEAD_HEADER_BYTES);
  out.set(final, AEAD_HEADER_BYTES + body.byteLength);
  out.set(cipher.getAuthTag(), AEAD_HEADER_BYTES + plaintext.byteLength);
  return out;
}

/** The key term a ciphertext claims (unauthenticated until `aeadDecrypt` succeeds). */
export function aeadTerm(ciphertext: Uint8Array): number {
  if (ciphertext.byteLength < AEAD_OVERHEAD_BYTES) {
    throw new BarrierError('DECRYPTION_FAILED', 'ciphertext is too short');
  }
  return new DataView(ciphertext.buffer, ciphertext.byteOffset, ciphertext.byteLength).getUint32(0, false);
}

/**
 * Authenticates and decrypts a value read from `path`. Any failure (truncation, unknown
 * version, wrong key, wrong path, a flipped bit anywhere) is a DECRYPTION_FAILED BarrierError.
 */
export function aeadDecrypt(key: Uint8Array, path: string, ciphertext: Uint8Array): Uint8Array {
  checkKey(key);
  if (ciphertext.byteLength < AEAD_OVERHEAD_BYTES) {
    throw new BarrierError('DECRYPTION_FAILED', `ciphertext at '${path}' is too short`);
  }
  const version = ciphertext[AEAD_TERM_BYTES];
  if (version !== AEAD_VERSION) {
    throw new BarrierError(
      'DECRYPTION_FAILED',
      `ciphertext at '${path}' has unknown version ${String(version)}`,
    );
  }
  const nonce = ciphertext.subarray(AEAD_TERM_BYTES + 1, AEAD_HEADER_BYTES);
  const tagStart = ciphertext.byteLength - AEAD_TAG_BYTES;
  try {
    const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: AEAD_TAG_BYTES });
    decipher.setAAD(additionalData(ciphertext, path));
    decipher.setAuthTag(ciphertext.subarray(tagStart));
    const body = decipher.update(ciphertext.subarray(AEAD_HEADER_BYTES, tagStart));
    const final = decipher.final();
    // A fresh, unshared copy: never hand out a view into a pooled or larger ArrayBuffer.
    const plain = new Uint8Array(body.byteLength + final.byteLength);
    plain.set(body, 0);
    plain.set(final, body.byteLength);
    return plain;
  } catch {
    throw new BarrierError('DECRYPTION_FAILED', `ciphertext at '${path}' failed authentication`);
  }
}
