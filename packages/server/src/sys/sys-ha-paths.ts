import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { PathSpec } from '../logical/path-spec.js';
import type { ClusterBackend } from './cluster-backend.js';
import type { SysBackend } from './sys-backend.js';

/** The cluster backend, or the answer a node without HA storage gives (Vault: HA not enabled). */
export function requireCluster(backend: SysBackend): ClusterBackend {
  const cluster = backend.cluster;
  if (cluster === undefined)
    throw new CofferError(
      ErrorCode.BadRequest,
      'high availability is not enabled on this node (storage is not raft)',
    );
  return cluster;
}

/** `sys/ha-status` (nodes of the HA cluster, top-level injected) and `sys/step-down` (sudo). */
export function sysHaPaths(backend: SysBackend): PathSpec[] {
  return [
    {
      pattern: 'ha-status',
      fields: {},
      operations: {
        read: async () => {
          const nodes = await requireCluster(backend).haStatus();
          return {
            data: {
              nodes: nodes.map((n) => ({
                hostname: n.hostname,
                api_address: n.apiAddress,
                cluster_address: n.clusterAddress,
                active_node: n.activeNode,
                last_echo: n.lastEcho === undefined ? null : n.lastEcho.toISOString(),
                version: n.version,
              })),
            },
          };
        },
      },
    },
    {
      pattern: 'step-down',
      fields: {},
      rootProtected: true,
      operations: {
        update: async () => {
          await requireCluster(backend).stepDown();
          return undefined;
        },
      },
    },
  ];
}
