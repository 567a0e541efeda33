import { X509Certificate, createPrivateKey } from 'node:crypto';
import forge from 'node-forge';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { generateRsaKeyPair } from './rsa-key-pair.js';
import { randomSerialNumber, signCertificate } from './sign-certificate.js';

/**
 * The cluster's own certificate authority. Its key signs every node certificate; it is stored
 * through the barrier (never on disk in plaintext) and is not handed to joining nodes, which
 * receive a node certificate issued for them instead.
 */
export interface ClusterCa {
  readonly certPem: string;
  /** PKCS#8 PEM. A secret. */
  readonly keyPem: string;
}

export interface ClusterCaOptions {
  readonly commonName: string;
  /** Validity in days (default 3650, ten years). */
  readonly validityDays?: number;
  /** Issue time (default now). notBefore is five minutes earlier, for clock skew between nodes. */
  readonly now?: Date;
}

/** The JSON shape of a CA as stored (snake_case, like the rest of the stored and wire JSON). */
export interface ClusterCaJson {
  readonly cert_pem: string;
  readonly key_pem: string;
}

const DAY_MS = 24 * 3600_000;
export const CLOCK_SKEW_MS = 5 * 60_000;

/** Creates a self-signed CA certificate (basicConstraints cA, keyCertSign + cRLSign) and its RSA-2048 key. */
export async function createClusterCa(options: ClusterCaOptions): Promise<ClusterCa> {
  const commonName = options.commonName.trim();
  if (commonName === '' || commonName.length > 64) {
    throw new CofferError(ErrorCode.BadRequest, 'cluster CA common name must be 1 to 64 characters');
  }
  const now = options.now ?? new Date();
  const keys = await generateRsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(
    keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  cert.serialNumber = randomSerialNumber();
  cert.validity.notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
  cert.validity.notAfter = new Date(now.getTime() + (options.validityDays ?? 3650) * DAY_MS);
  const name = [{ name: 'commonName', value: commonName }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signCertificate(cert, keys.privateKey);
  return {
    certPem: forge.pki.certificateToPem(cert),
    keyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export function clusterCaToJson(ca: ClusterCa): ClusterCaJson {
  return { cert_pem: ca.certPem, key_pem: ca.keyPem };
}

/** Parses and checks a stored CA: both PEMs parse, the certificate is a CA and the key is its key. */
export function clusterCaFromJson(value: unknown): ClusterCa {
  const invalid = (why: string): CofferError =>
    new CofferError(ErrorCode.BadRequest, `invalid cluster CA: ${why}`);
  if (typeof value !== 'object' || value === null) throw invalid('not an object');
  const { cert_pem: certPem, key_pem: keyPem } = value as Record<string, unknown>;
  if (typeof certPem !== 'string' || typeof keyPem !== 'string')
    throw invalid('cert_pem and key_pem must be strings');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw invalid('cert_pem is not a PEM certificate');
  }
  if (!cert.ca) throw invalid('cert_pem is not a CA certificate');
  let matches: boolean;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    throw invalid('key_pem is not a PEM private key');
  }
  if (!matches) throw invalid('key_pem does not match cert_pem');
  return { certPem, keyPem };
}
