import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';

const EKU_OID = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' } as const;

export interface VerifyPeerCertificateOptions {
  /** The extended key usage the peer's certificate must allow (default clientAuth). */
  readonly purpose?: keyof typeof EKU_OID;
  /** Time to check validity at (default now). */
  readonly now?: Date;
}

/** The subject CN, read with forge: node's `subject` string escapes special characters. */
function commonNameOf(peerCertPem: string): string | undefined {
  const field = forge.pki.certificateFromPem(peerCertPem).subject.getField('CN') as {
    value?: unknown;
  } | null;
  return typeof field?.value === 'string' ? field.value : undefined;
}

/**
 * Checks that a peer's certificate was issued by the cluster CA (signature and issuer), is valid
 * now, is not itself a CA and allows the purpose; returns the node id (its CN).
 * Throws `CofferError(PermissionDenied)` otherwise.
 */
export function verifyPeerCertificate(
  caCertPem: string,
  peerCertPem: string,
  options: VerifyPeerCertificateOptions = {},
): string {
  const deny = (why: string): CofferError =>
    new CofferError(ErrorCode.PermissionDenied, `peer certificate rejected: ${why}`);
  let ca: X509Certificate;
  let peer: X509Certificate;
  try {
    ca = new X509Certificate(caCertPem);
  } catch {
    throw new CofferError(ErrorCode.BadRequest, 'cluster CA certificate is not a PEM certificate');
  }
  try {
    peer = new X509Certificate(peerCertPem);
  } catch {
    throw deny('not a PEM certificate');
  }
  if (!peer.checkIssued(ca) || !peer.verify(ca.publicKey)) throw deny('not issued by the cluster CA');
  if (peer.ca) throw deny('is a CA certificate');
  const now = (options.now ?? new Date()).getTime();
  if (now < Date.parse(peer.validFrom) || now > Date.parse(peer.validTo))
    throw deny('expired or not yet valid');
  const purpose = options.purpose ?? 'clientAuth';
  // `keyUsage` is node's name for the extended key usage OIDs (undefined when the extension is absent).
  const eku = peer.keyUsage as string[] | undefined;
  if (eku !== undefined && !eku.includes(EKU_OID[purpose])) throw deny(`not valid for ${purpose}`);
  const nodeId = commonNameOf(peerCertPem);
  if (nodeId === undefined || nodeId === '') throw deny('no common name');
  return nodeId;
}
