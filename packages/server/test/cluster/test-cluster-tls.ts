import { createClusterCa, type ClusterCa } from '../../src/cluster/cluster-ca.js';
import type { ClusterTlsMaterial } from '../../src/cluster/cluster-tls-material.js';
import { issueNodeCertificate } from '../../src/cluster/node-certificate.js';

/** TLS material for tests: a cluster CA with nodes on 127.0.0.1, and intruders from another CA. */
export interface TestClusterTls {
  readonly ca: ClusterCa;
  /** Material per node id, all issued by `ca` for 127.0.0.1 and localhost. */
  readonly nodes: ReadonlyMap<string, ClusterTlsMaterial>;
  /** A certificate from a foreign CA, trusting the cluster CA: it can verify our servers, not be verified by them. */
  readonly intruder: ClusterTlsMaterial;
  /** A cluster node's certificate, but trusting only the foreign CA: it must refuse our servers. */
  readonly distrustful: ClusterTlsMaterial;
}

export async function createTestClusterTls(nodeIds: readonly string[]): Promise<TestClusterTls> {
  const [ca, foreignCa] = await Promise.all([
    createClusterCa({ commonName: 'coffer-test-cluster' }),
    createClusterCa({ commonName: 'coffer-test-cluster' }), // same name, different key: only the key must matter
  ]);
  const hosts = ['127.0.0.1', 'localhost'];
  const issued = await Promise.all(nodeIds.map((nodeId) => issueNodeCertificate(ca, { nodeId, hosts })));
  const nodes = new Map(nodeIds.map((id, i) => [id, { caPem: ca.certPem, ...issued[i]! }]));
  const foreign = await issueNodeCertificate(foreignCa, { nodeId: nodeIds[0] ?? 'intruder', hosts });
  const first = issued[0]!;
  return {
    ca,
    nodes,
    intruder: { caPem: ca.certPem, ...foreign },
    distrustful: { caPem: foreignCa.certPem, certPem: first.certPem, keyPem: first.keyPem },
  };
}

export function materialOf(cluster: TestClusterTls, nodeId: string): ClusterTlsMaterial {
  const m = cluster.nodes.get(nodeId);
  if (m === undefined) throw new Error(`no test material for ${nodeId}`);
  return m;
}
