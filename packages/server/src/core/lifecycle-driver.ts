import type { ClusterBackend } from '../sys/cluster-backend.js';
import type { InitResult, NodeStatus } from '../sys/sys-backend.js';
import type { CoreInitParams } from './core.js';

/**
 * What runs a node's lifecycle (init, unseal, seal) when that takes more than the barrier: the HA
 * node, which starts and stops Raft around the core's own transitions. Attached to the core with
 * `Core.attachCluster`; the core's `sys/` handlers then reach it through the core.
 */
export interface LifecycleDriver extends ClusterBackend {
  initialize(params: CoreInitParams): Promise<InitResult>;
  unseal(share: Uint8Array): Promise<void>;
  resetUnseal(): void;
  seal(): Promise<void>;
  /** The core's status with what only the driver knows (a join in progress: its seal config and progress). */
  status(base: NodeStatus): NodeStatus;
}
