import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { CLOCK_SKEW_MS, type ClusterCa } from './cluster-ca.js';
import { generateRsaKeyPair } from './rsa-key-pair.js';
import { randomSerialNumber, signCertificate } from './sign-certificate.js';

/** A node's certificate (CN = node id) and its private key, issued by the cluster CA. */
export interface NodeCertificate {
  readonly certPem: string;
  /** PKCS#8 PEM. A secret. */
  readonly keyPem: string;
}

export interface NodeCertificateOptions {
  /** The raft node id; becomes the subject CN, which peers read back with `verifyPeerCertificate`. */
  readonly nodeId: string;
  /** IP addresses and DNS names the node is reached at (its cluster_addr host); all go into the SAN. */
  readonly hosts: readonly string[];
  /** Validity in days (default 365). */
  readonly validityDays?: number;
  /** Issue time (default now). notBefore is five minutes earlier, for clock skew between nodes. */
  readonly now?: Date;
}

const DAY_MS = 24 * 3600_000;
const DNS_NAME =
  /^(?:\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;
// Printable, no control characters; 64 is X.509's upper bound for a CN.
const NODE_ID = /^[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?$/;

type AltName = { type: 2; value: string } | { type: 7; ip: string };

function altNameOf(host: string): AltName {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) !== 0) return { type: 7, ip: bare };
  if (host.length <= 253 && DNS_NAME.test(host)) return { type: 2, value: host.toLowerCase() };
  throw new CofferError(ErrorCode.BadRequest, `invalid host for a node certificate: ${JSON.stringify(host)}`);
}

function caKeyOf(ca: ClusterCa, caCert: X509Certificate): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(ca.keyPem);
  } catch {
    throw new CofferError(ErrorCode.BadRequest, 'cluster CA key is not a PEM private key');
  }
  if (!caCert.checkPrivateKey(key))
    throw new CofferError(ErrorCode.BadRequest, 'cluster CA key does not match its certificate');
  return key;
}

/**
 * Issues a node certificate signed by the cluster CA: RSA-2048, CN = node id, SAN = hosts,
 * extended key usage serverAuth + clientAuth (the same certificate serves the cluster port and
 * dials peers), not a CA, valid for a year.
 */
export async function issueNodeCertificate(
  ca: ClusterCa,
  options: NodeCertificateOptions,
): Promise<NodeCertificate> {
  if (!NODE_ID.test(options.nodeId)) {
    throw new CofferError(ErrorCode.BadRequest, 'node id must be 1 to 64 printable characters');
  }
  const altNames = [...new Set(options.hosts)].map(altNameOf);
  let caCert: X509Certificate;
  try {
    caCert = new X509Certificate(ca.certPem);
  } catch {
    throw new CofferError(ErrorCode.BadRequest, 'cluster CA certificate is not a PEM certificate');
  }
  if (!caCert.ca) throw new CofferError(ErrorCode.BadRequest, 'cluster CA certificate is not a CA');
  const caKey = caKeyOf(ca, caCert);
  const forgeCa = forge.pki.certificateFromPem(ca.certPem);

  const now = options.now ?? new Date();
  const keys = await generateRsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(
    keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  cert.serialNumber = randomSerialNumber();
  cert.validity.notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
  cert.validity.notAfter = new Date(now.getTime() + (options.validityDays ?? 365) * DAY_MS);
  cert.setSubject([{ name: 'commonName', value: options.nodeId }]);
  cert.setIssuer(forgeCa.subject.attributes);
  const extensions: object[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: forgeCa.generateSubjectKeyIdentifier().getBytes() },
  ];
  if (altNames.length > 0) extensions.push({ name: 'subjectAltName', altNames });
  cert.setExtensions(extensions);
  signCertificate(cert, caKey);
  return {
    certPem: forge.pki.certificateToPem(cert),
    keyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
