/** Raft-backed physical storage: the FSM on every node, the backend over it, and their wiring. */
export { openRaftStorage, type RaftStorage, type RaftStorageOptions } from './open-raft-storage.js';
export {
  DEFAULT_MAX_VALUE_BYTES,
  RaftBackend,
  type RaftBackendNode,
  type RaftBackendOptions,
  type ReadConsistency,
} from './raft-backend.js';
export {
  RaftFsm,
  SimulatedCrashError,
  type FsmChange,
  type RaftFsmEvents,
  type RaftFsmOptions,
  type RestoreCrashPoint,
  type SnapshotContext,
} from './raft-fsm.js';
export { FsmDirectory, FsmDirectoryError } from './fsm-directory.js';
export { ReadIndexCoalescer } from './read-index-coalescer.js';
export { RaftStorageError, type RaftStorageErrorReason } from './raft-storage-error.js';
export {
  STORAGE_COMMAND_VERSION,
  decodeStorageCommand,
  encodeStorageCommand,
  storageCommandSize,
} from './storage-command.js';
export {
  proposeRestore,
  RESTORE_CHUNK_BYTES,
  type ProposeRestoreOptions,
  type ProposedRestore,
} from './propose-restore.js';
export {
  decodeRestoreCommand,
  encodeRestoreCommand,
  isRestoreCommand,
  type RestoreCommand,
} from './restore-command.js';
