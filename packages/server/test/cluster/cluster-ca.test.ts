import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import forge from 'node-forge';
import {
  clusterCaFromJson,
  clusterCaToJson,
  createClusterCa,
  type ClusterCa,
} from '../../src/cluster/cluster-ca.js';
import { CofferError } from '../../src/errors/coffer-error.js';
import { ErrorCode } from '../../src/errors/error-code.js';

const DAY_MS = 24 * 3600_000;

function isBadRequest(err: unknown): boolean {
  return err instanceof CofferError && err.code === ErrorCode.BadRequest;
}

void describe('createClusterCa', () => {
  const now = new Date('2030-01-01T00:00:00Z');
  let ca: ClusterCa;
  before(async () => {
    ca = await createClusterCa({ commonName: 'coffer-cluster', now });
  });

  void it('is a self-signed CA certificate with the given common name', () => {
    const cert = new X509Certificate(ca.certPem);
    assert.equal(cert.ca, true);
    assert.equal(cert.subject, 'CN=coffer-cluster');
    assert.equal(cert.issuer, cert.subject);
    assert.equal(cert.verify(cert.publicKey), true);
  });

  void it('has critical basicConstraints cA and keyUsage keyCertSign', () => {
    const cert = forge.pki.certificateFromPem(ca.certPem);
    const bc = cert.getExtension('basicConstraints') as { cA?: boolean; critical?: boolean };
    const ku = cert.getExtension('keyUsage') as {
      keyCertSign?: boolean;
      cRLSign?: boolean;
      critical?: boolean;
    };
    assert.equal(bc.cA, true);
    assert.equal(bc.critical, true);
    assert.equal(ku.keyCertSign, true);
    assert.equal(ku.cRLSign, true);
    assert.equal(ku.critical, true);
  });

  void it('is valid for ten years from five minutes before issue', () => {
    const cert = new X509Certificate(ca.certPem);
    assert.equal(Date.parse(cert.validFrom), now.getTime() - 5 * 60_000);
    assert.equal(Date.parse(cert.validTo), now.getTime() + 3650 * DAY_MS);
  });

  void it('uses an RSA-2048 key in PKCS#8 PEM that matches the certificate', () => {
    const cert = new X509Certificate(ca.certPem);
    assert.match(ca.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.equal(cert.publicKey.asymmetricKeyType, 'rsa');
    assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  });

  void it('gives each CA a fresh key and serial number', async () => {
    const other = await createClusterCa({ commonName: 'coffer-cluster' });
    const a = new X509Certificate(ca.certPem);
    const b = new X509Certificate(other.certPem);
    assert.notEqual(a.serialNumber, b.serialNumber);
    assert.equal(a.publicKey.equals(b.publicKey), false);
  });

  void it('rejects an empty or over-long common name', async () => {
    await assert.rejects(createClusterCa({ commonName: ' ' }), isBadRequest);
    await assert.rejects(createClusterCa({ commonName: 'x'.repeat(65) }), isBadRequest);
  });

  void it('round-trips through JSON', () => {
    const json = JSON.parse(JSON.stringify(clusterCaToJson(ca))) as unknown;
    assert.deepEqual(json, { cert_pem: ca.certPem, key_pem: ca.keyPem });
    assert.deepEqual(clusterCaFromJson(json), ca);
  });

  void it('rejects malformed or mismatched JSON without echoing the key', async () => {
    const other = await createClusterCa({ commonName: 'other' });
    const cases: unknown[] = [
      null,
      'pem',
      { cert_pem: ca.certPem },
      { cert_pem: 'garbage', key_pem: ca.keyPem },
      { cert_pem: ca.certPem, key_pem: 'garbage' },
      { cert_pem: ca.certPem, key_pem: other.keyPem },
    ];
    for (const value of cases) {
      assert.throws(
        () => clusterCaFromJson(value),
        (err: unknown) => isBadRequest(err) && !(err as Error).message.includes('PRIVATE KEY'),
      );
    }
  });
});
