/**
 * @coffer/raft: consensus for Coffer. The pure core (RawNode and its types) plus the I/O around
 * it: durable log storage, transports, and the async driver RaftNode.
 */
export * from './core/index.js';

export type { LogStore, LogWrite, PersistedState, AppliedConf } from './storage/log-store.js';
export { LevelLogStore } from './storage/level-log-store.js';
export { MemoryLogStore } from './storage/memory-log-store.js';
export { LogCorruptionError } from './storage/log-corruption-error.js';
export type { SnapshotStore, SnapshotData } from './storage/snapshot-store.js';
export { FileSnapshotStore } from './storage/file-snapshot-store.js';
export { MemorySnapshotStore } from './storage/memory-snapshot-store.js';

export type {
  Transport,
  MessageHandler,
  SnapshotHandler,
  UnreachableHandler,
} from './transport/transport.js';
export { TransportError } from './transport/transport-error.js';
export { MemoryNetwork } from './transport/memory-network.js';
export type { NetworkFaults, NetworkStats } from './transport/memory-network.js';
export { MemoryTransport } from './transport/memory-transport.js';
export { GrpcTransport } from './transport/grpc-transport.js';
export type { GrpcTransportOptions, GrpcTransportStats, TransportTls } from './transport/grpc-transport.js';
export { WireCodec } from './transport/wire-codec.js';
export { seededRandom } from './transport/seeded-random.js';

export { RaftNode } from './node/raft-node.js';
export type {
  RaftNodeOptions,
  RaftNodeStatus,
  RaftNodeMetrics,
  RaftNodeEvents,
  PeerInfo,
  RaftTuning,
} from './node/raft-node.js';
export type { StateMachine } from './node/state-machine.js';
export {
  FAILPOINTS,
  FailpointSet,
  failpoint,
  failpointArmed,
  failpointEachChunk,
  failpointHitAt,
  failpointsArmed,
  fireFailpoint,
  parseFailpoints,
} from './node/failpoint.js';
export type { FailpointName } from './node/failpoint.js';
export {
  RaftNodeError,
  NotLeaderError,
  LeadershipLostError,
  ProposalDroppedError,
} from './node/raft-node-errors.js';
export type { RaftNodeErrorCode } from './node/raft-node-errors.js';
