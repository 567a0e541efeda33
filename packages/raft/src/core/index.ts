/**
 * The pure, deterministic raft core. Drivers use `RawNode` (see `Ready` for the contract) with a
 * `RaftLogStorage` (usually `MemoryStorage` mirroring the durable log).
 */
export * from './types.js';
export { RawNode } from './raw-node.js';
export type { RaftConfig } from './raft-config.js';
export { RaftError } from './raft-error.js';
export type { RaftErrorCode } from './raft-error.js';
export type { RaftLogStorage, InitialState } from './raft-log-storage.js';
export { MemoryStorage } from './memory-storage.js';
export { encodeConfChange, decodeConfChange } from './conf-change-codec.js';
export { entrySize, limitSize, ENTRY_OVERHEAD_BYTES } from './entry-size.js';
export { ProgressState } from './progress.js';
export { CAMPAIGN_TRANSFER_CONTEXT } from './raft.js';
