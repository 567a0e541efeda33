import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createClusterCa, type ClusterCa } from '../../src/cluster/cluster-ca.js';
import { issueNodeCertificate, type NodeCertificate } from '../../src/cluster/node-certificate.js';
import { verifyPeerCertificate } from '../../src/cluster/verify-peer-certificate.js';
import { CofferError } from '../../src/errors/coffer-error.js';
import { ErrorCode } from '../../src/errors/error-code.js';

function isDenied(err: unknown): boolean {
  return err instanceof CofferError && err.code === ErrorCode.PermissionDenied;
}

void describe('verifyPeerCertificate', () => {
  let ca: ClusterCa;
  let foreignCa: ClusterCa;
  let node: NodeCertificate;
  before(async () => {
    [ca, foreignCa] = await Promise.all([
      createClusterCa({ commonName: 'cluster' }),
      createClusterCa({ commonName: 'cluster' }),
    ]);
    node = await issueNodeCertificate(ca, { nodeId: 'node-2', hosts: ['127.0.0.1'] });
  });

  void it('returns the node id of a certificate issued by the cluster CA', () => {
    assert.equal(verifyPeerCertificate(ca.certPem, node.certPem), 'node-2');
    assert.equal(verifyPeerCertificate(ca.certPem, node.certPem, { purpose: 'serverAuth' }), 'node-2');
  });

  void it('reads node ids with characters node escapes in subject strings', async () => {
    const odd = await issueNodeCertificate(ca, { nodeId: 'node, "3"+=x', hosts: [] });
    assert.equal(verifyPeerCertificate(ca.certPem, odd.certPem), 'node, "3"+=x');
  });

  void it('rejects a certificate from a foreign CA with the same name', async () => {
    const foreign = await issueNodeCertificate(foreignCa, { nodeId: 'node-2', hosts: ['127.0.0.1'] });
    assert.throws(() => verifyPeerCertificate(ca.certPem, foreign.certPem), isDenied);
  });

  void it('rejects the CA certificate itself', () => {
    assert.throws(() => verifyPeerCertificate(ca.certPem, ca.certPem), isDenied);
  });

  void it('rejects a certificate outside its validity period', async () => {
    const old = await issueNodeCertificate(ca, {
      nodeId: 'node-2',
      hosts: [],
      now: new Date('2020-01-01T00:00:00Z'),
    });
    assert.throws(() => verifyPeerCertificate(ca.certPem, old.certPem), isDenied);
    assert.equal(
      verifyPeerCertificate(ca.certPem, old.certPem, { now: new Date('2020-06-01T00:00:00Z') }),
      'node-2',
    );
    assert.throws(
      () => verifyPeerCertificate(ca.certPem, node.certPem, { now: new Date('2000-01-01T00:00:00Z') }),
      isDenied,
    );
  });

  void it('rejects garbage as the peer certificate', () => {
    assert.throws(() => verifyPeerCertificate(ca.certPem, 'not a certificate'), isDenied);
  });
});
