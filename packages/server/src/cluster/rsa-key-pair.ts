import { generateKeyPair, type KeyObject } from 'node:crypto';

/** An RSA key pair as node:crypto key objects. */
export interface RsaKeyPair {
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
}

/**
 * Generates an RSA-2048 key pair with node:crypto's asynchronous keygen: OpenSSL does the work on
 * the libuv thread pool, so the event loop keeps serving while primes are searched (100–300 ms).
 * node-forge only builds the certificate structure; it never generates or uses private keys.
 */
export function generateRsaKeyPair(modulusLength = 2048): Promise<RsaKeyPair> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength, publicExponent: 0x10001 }, (err, publicKey, privateKey) => {
      if (err !== null) reject(err);
      else resolve({ publicKey, privateKey });
    });
  });
}
