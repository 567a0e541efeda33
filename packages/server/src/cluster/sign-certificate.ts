import { constants, privateEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

/** DER prefix of a PKCS#1 v1.5 DigestInfo for SHA-256 (RFC 8017 §9.2, note 1). */
const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * Signs a node-forge certificate (sha256WithRSAEncryption) with a node:crypto private key.
 *
 * forge builds and digests the TBSCertificate, then asks the key to sign the digest; forge's own
 * RSA signing is pure JavaScript (~25–80 ms per signature), OpenSSL's is ~0.3 ms. The signer below
 * is RSASSA-PKCS1-v1_5: the DigestInfo padded with block type 1 and raised to the private exponent,
 * which is exactly what `privateEncrypt` with PKCS#1 padding computes.
 */
export function signCertificate(cert: forge.pki.Certificate, issuerKey: KeyObject): void {
  const signer = {
    sign(md: forge.md.MessageDigest): string {
      const digest = Buffer.from(md.digest().getBytes(), 'binary');
      const digestInfo = Buffer.concat([SHA256_DIGEST_INFO_PREFIX, digest]);
      return privateEncrypt({ key: issuerKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo).toString(
        'binary',
      );
    },
  };
  // forge only calls `sign(md)` on the key it is given.
  cert.sign(signer as unknown as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
}

/** A random positive 128-bit serial number as forge wants it (hex, minimal DER: top bit clear, first byte non-zero). */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}
