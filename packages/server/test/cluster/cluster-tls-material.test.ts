import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createClusterCa } from '../../src/cluster/cluster-ca.js';
import {
  clusterTlsMaterialFromJson,
  clusterTlsMaterialToJson,
  type ClusterTlsMaterial,
} from '../../src/cluster/cluster-tls-material.js';
import { issueNodeCertificate } from '../../src/cluster/node-certificate.js';
import { CofferError } from '../../src/errors/coffer-error.js';
import { ErrorCode } from '../../src/errors/error-code.js';

void describe('ClusterTlsMaterial JSON', () => {
  let material: ClusterTlsMaterial;
  let foreign: ClusterTlsMaterial;
  before(async () => {
    const [ca, foreignCa] = await Promise.all([
      createClusterCa({ commonName: 'c' }),
      createClusterCa({ commonName: 'c' }),
    ]);
    const [node, other] = await Promise.all([
      issueNodeCertificate(ca, { nodeId: 'n1', hosts: ['127.0.0.1'] }),
      issueNodeCertificate(foreignCa, { nodeId: 'n1', hosts: ['127.0.0.1'] }),
    ]);
    material = { caPem: ca.certPem, ...node };
    foreign = { caPem: foreignCa.certPem, ...other };
  });

  void it('round-trips through JSON text with snake_case keys', () => {
    const text = JSON.stringify(clusterTlsMaterialToJson(material));
    assert.deepEqual(Object.keys(JSON.parse(text) as object).sort(), ['ca_pem', 'cert_pem', 'key_pem']);
    assert.deepEqual(clusterTlsMaterialFromJson(JSON.parse(text)), material);
  });

  void it('rejects wrong shapes, unparsable PEMs, a foreign issuer and a mismatched key', () => {
    const json = clusterTlsMaterialToJson(material);
    const cases: unknown[] = [
      undefined,
      [],
      { ...json, ca_pem: 1 },
      { ...json, ca_pem: 'x' },
      { ...json, cert_pem: 'x' },
      { ...json, key_pem: 'x' },
      { ...json, ca_pem: material.certPem }, // not a CA
      { ...json, ca_pem: foreign.caPem }, // cert not issued by this CA
      { ...json, key_pem: foreign.keyPem }, // key of another certificate
    ];
    for (const value of cases) {
      assert.throws(
        () => clusterTlsMaterialFromJson(value),
        (err: unknown) =>
          err instanceof CofferError &&
          err.code === ErrorCode.BadRequest &&
          !err.message.includes('PRIVATE KEY'),
        JSON.stringify(value)?.slice(0, 60),
      );
    }
  });
});
