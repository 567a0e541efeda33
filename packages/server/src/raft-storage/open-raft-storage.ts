import { RaftNode } from '@coffer/raft';
import type { NodeId, RaftNodeOptions, Transport } from '@coffer/raft';
import { RaftBackend, type ReadConsistency } from './raft-backend.js';
import { RaftFsm, type RestoreCrashPoint } from './raft-fsm.js';

/**
 * Entry bytes the leader keeps in flight per follower (sent, not yet acknowledged). Raft's default
 * is no byte limit, only 256 messages of up to 1 MiB each: a follower that falls behind for a
 * moment (a snapshot, a GC pause) lets that much pile up in the leader's gRPC buffers (a heap
 * snapshot of the leader 150,000 writes into the 1M-secret scale run held 82 MiB there). 16 MiB is
 * seconds of writes at full speed.
 */
export const DEFAULT_MAX_INFLIGHT_BYTES = 16 * 1024 * 1024;

export interface RaftStorageOptions extends Pick<
  RaftNodeOptions,
  | 'peers'
  | 'bootstrap'
  | 'tickMs'
  | 'performanceMultiplier'
  | 'electionTick'
  | 'heartbeatTick'
  | 'snapshotThreshold'
  | 'trailingLogs'
  | 'seed'
  | 'readTimeoutMs'
  | 'tuning'
> {
  /** Data directory: `<dir>/log` (raft log, LevelDB), `<dir>/snapshots`, `<dir>/fsm` (state, LevelDB). */
  readonly dir: string;
  readonly nodeId: NodeId;
  /** Owned from now on: started by the node, closed by `close()`. */
  readonly transport: Transport;
  /** Read consistency of `backend` (default linearizable; `backend.withConsistency` gives the other). */
  readonly consistency?: ReadConsistency;
  readonly maxValueBytes?: number;
  readonly maxEntryBytes?: number;
  /** The barrier keyring fingerprint recorded in snapshots (default ''). */
  readonly keyringFingerprint?: () => string;
  /** Source of snapshots' `createdAt` (default: the wall clock). */
  readonly clock?: () => Date;
  /** Snappy compression of the FSM's LevelDB (default true). */
  readonly compression?: boolean;
  /** Tests only: see RaftFsmOptions.restoreCrashAt. */
  readonly restoreCrashAt?: RestoreCrashPoint;
  /** See RaftFsmOptions.restoreKeeps. */
  readonly restoreKeeps?: readonly string[];
  /** See RaftFsmOptions.onForcedRestoreBegin. */
  readonly onForcedRestoreBegin?: () => Promise<void>;
}

export interface RaftStorage {
  /** Closing it closes the whole storage (same as `close()`). */
  readonly backend: RaftBackend;
  readonly raftNode: RaftNode;
  readonly fsm: RaftFsm;
  /** Stops the node (its log store and transport) and closes the FSM. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the raft-backed storage of one node: the FSM (recovering an interrupted restore), then
 * a started RaftNode whose state machine it is, and the backend over both. On failure, whatever
 * was opened is closed again.
 */
export async function openRaftStorage(options: RaftStorageOptions): Promise<RaftStorage> {
  let node: RaftNode | undefined;
  const fsm = await RaftFsm.open({
    dir: options.dir,
    compression: options.compression,
    clock: options.clock,
    restoreCrashAt: options.restoreCrashAt,
    restoreKeeps: options.restoreKeeps,
    onForcedRestoreBegin: options.onForcedRestoreBegin,
    // Raft does not pass its snapshot metadata to the state machine (yet): record the newest
    // membership known, which is the applied one unless a change is in flight.
    snapshotContext: () => ({
      confState: node?.status().config,
      keyringFingerprint: options.keyringFingerprint?.() ?? '',
    }),
  });
  try {
    node = new RaftNode({
      id: options.nodeId,
      transport: options.transport,
      stateMachine: fsm,
      dataDir: options.dir,
      peers: options.peers,
      bootstrap: options.bootstrap,
      tickMs: options.tickMs,
      performanceMultiplier: options.performanceMultiplier,
      electionTick: options.electionTick,
      heartbeatTick: options.heartbeatTick,
      snapshotThreshold: options.snapshotThreshold,
      trailingLogs: options.trailingLogs,
      seed: options.seed,
      readTimeoutMs: options.readTimeoutMs,
      tuning: { maxInflightBytes: DEFAULT_MAX_INFLIGHT_BYTES, ...options.tuning },
    });
    await node.start();
  } catch (err) {
    await fsm.close().catch(() => undefined);
    throw err;
  }
  const raftNode = node;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      try {
        await raftNode.stop();
      } finally {
        await fsm.close();
      }
    })();
    return closing;
  };
  const backend = new RaftBackend({
    node: raftNode,
    fsm,
    consistency: options.consistency,
    maxValueBytes: options.maxValueBytes,
    maxEntryBytes: options.maxEntryBytes,
    onClose: close,
  });
  return { backend, raftNode, fsm, close };
}
