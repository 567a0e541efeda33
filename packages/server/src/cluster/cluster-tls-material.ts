import { X509Certificate, createPrivateKey } from 'node:crypto';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';

/**
 * What a node needs for mutual TLS on the cluster port: the cluster CA certificate (trust anchor
 * for peers) and its own certificate and key. Stored through the barrier and handed to joining
 * nodes (the `tls_keyring` of `sys/storage/raft/bootstrap/answer`).
 */
export interface ClusterTlsMaterial {
  readonly caPem: string;
  readonly certPem: string;
  /** PKCS#8 PEM. A secret. */
  readonly keyPem: string;
}

/** The JSON shape (snake_case, like the rest of the stored and wire JSON). */
export interface ClusterTlsMaterialJson {
  readonly ca_pem: string;
  readonly cert_pem: string;
  readonly key_pem: string;
}

export function clusterTlsMaterialToJson(material: ClusterTlsMaterial): ClusterTlsMaterialJson {
  return { ca_pem: material.caPem, cert_pem: material.certPem, key_pem: material.keyPem };
}

/**
 * Parses and checks material from JSON (already `JSON.parse`d): all three PEMs parse, the
 * certificate was issued by the CA and the key is the certificate's key. Throws
 * `CofferError(BadRequest)` naming what is wrong, never echoing key material.
 */
export function clusterTlsMaterialFromJson(value: unknown): ClusterTlsMaterial {
  const invalid = (why: string): CofferError =>
    new CofferError(ErrorCode.BadRequest, `invalid cluster TLS material: ${why}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('not an object');
  const { ca_pem: caPem, cert_pem: certPem, key_pem: keyPem } = value as Record<string, unknown>;
  if (typeof caPem !== 'string' || typeof certPem !== 'string' || typeof keyPem !== 'string') {
    throw invalid('ca_pem, cert_pem and key_pem must be strings');
  }
  const parse = (pem: string, field: string): X509Certificate => {
    try {
      return new X509Certificate(pem);
    } catch {
      throw invalid(`${field} is not a PEM certificate`);
    }
  };
  const ca = parse(caPem, 'ca_pem');
  const cert = parse(certPem, 'cert_pem');
  if (!ca.ca) throw invalid('ca_pem is not a CA certificate');
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) throw invalid('cert_pem was not issued by ca_pem');
  let matches: boolean;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    throw invalid('key_pem is not a PEM private key');
  }
  if (!matches) throw invalid('key_pem does not match cert_pem');
  return { caPem, certPem, keyPem };
}
