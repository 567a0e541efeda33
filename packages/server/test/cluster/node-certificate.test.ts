import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import forge from 'node-forge';
import { createClusterCa, type ClusterCa } from '../../src/cluster/cluster-ca.js';
import { issueNodeCertificate, type NodeCertificate } from '../../src/cluster/node-certificate.js';
import { CofferError } from '../../src/errors/coffer-error.js';
import { ErrorCode } from '../../src/errors/error-code.js';

const DAY_MS = 24 * 3600_000;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

function isBadRequest(err: unknown): boolean {
  return err instanceof CofferError && err.code === ErrorCode.BadRequest;
}

void describe('issueNodeCertificate', () => {
  const now = new Date('2030-06-01T12:00:00Z');
  let ca: ClusterCa;
  let node: NodeCertificate;
  before(async () => {
    ca = await createClusterCa({ commonName: 'coffer-cluster' });
    node = await issueNodeCertificate(ca, {
      nodeId: 'node-1',
      hosts: ['127.0.0.1', '::1', 'Node-1.Coffer.Internal', 'localhost'],
      now,
    });
  });

  void it('is signed by the cluster CA and names the CA as issuer', () => {
    const cert = new X509Certificate(node.certPem);
    const caCert = new X509Certificate(ca.certPem);
    assert.equal(cert.verify(caCert.publicKey), true);
    assert.equal(cert.checkIssued(caCert), true);
    assert.equal(cert.issuer, 'CN=coffer-cluster');
  });

  void it('has CN = node id and is not a CA', () => {
    const cert = new X509Certificate(node.certPem);
    assert.equal(cert.subject, 'CN=node-1');
    assert.equal(cert.ca, false);
  });

  void it('allows serverAuth and clientAuth', () => {
    const cert = new X509Certificate(node.certPem);
    assert.deepEqual([...(cert.keyUsage as string[])].sort(), [SERVER_AUTH, CLIENT_AUTH].sort());
  });

  void it('puts every host in the SAN, IPs as IP addresses and names in lower case as DNS names', () => {
    const cert = new X509Certificate(node.certPem);
    const san = (cert.subjectAltName ?? '').split(', ').sort();
    assert.deepEqual(
      san,
      [
        'DNS:localhost',
        'DNS:node-1.coffer.internal',
        'IP Address:0:0:0:0:0:0:0:1',
        'IP Address:127.0.0.1',
      ].sort(),
    );
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkHost('node-1.coffer.internal'), 'node-1.coffer.internal');
    assert.equal(cert.checkIP('127.0.0.2'), undefined);
  });

  void it('links subject and authority key identifiers to the CA', () => {
    const cert = forge.pki.certificateFromPem(node.certPem);
    const caCert = forge.pki.certificateFromPem(ca.certPem);
    const aki = cert.getExtension('authorityKeyIdentifier') as { value: string };
    const caSki = caCert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier: string };
    // AKI value is SEQUENCE { [0] keyIdentifier }: the CA's SKI bytes follow a 4-byte header.
    assert.equal(forge.util.bytesToHex(aki.value.slice(4)), caSki.subjectKeyIdentifier);
  });

  void it('is valid for a year from five minutes before issue', () => {
    const cert = new X509Certificate(node.certPem);
    assert.equal(Date.parse(cert.validFrom), now.getTime() - 5 * 60_000);
    assert.equal(Date.parse(cert.validTo), now.getTime() + 365 * DAY_MS);
  });

  void it('has its own RSA-2048 key matching the certificate', () => {
    const cert = new X509Certificate(node.certPem);
    assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.notEqual(node.keyPem, ca.keyPem);
  });

  void it('rejects bad node ids and hosts', async () => {
    await assert.rejects(issueNodeCertificate(ca, { nodeId: '', hosts: [] }), isBadRequest);
    await assert.rejects(issueNodeCertificate(ca, { nodeId: 'a\nb', hosts: [] }), isBadRequest);
    await assert.rejects(issueNodeCertificate(ca, { nodeId: 'x'.repeat(65), hosts: [] }), isBadRequest);
    await assert.rejects(issueNodeCertificate(ca, { nodeId: 'n', hosts: ['not a host'] }), isBadRequest);
    await assert.rejects(issueNodeCertificate(ca, { nodeId: 'n', hosts: ['127.0.0.1:8201'] }), isBadRequest);
  });

  void it('refuses a CA whose key does not match its certificate, or a non-CA issuer', async () => {
    const other = await createClusterCa({ commonName: 'other' });
    await assert.rejects(
      issueNodeCertificate({ certPem: ca.certPem, keyPem: other.keyPem }, { nodeId: 'n', hosts: [] }),
      isBadRequest,
    );
    await assert.rejects(issueNodeCertificate(node, { nodeId: 'n', hosts: [] }), isBadRequest);
  });
});
