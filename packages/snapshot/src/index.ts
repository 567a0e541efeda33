/** @coffer/snapshot — the streamed, checksummed, versioned snapshot archive. Never sees keys. */
export { writeSnapshot, type WriteSnapshotOptions } from './write-snapshot.js';
export { snapshotStream } from './snapshot-stream.js';
export { readSnapshot, type SnapshotReader } from './read-snapshot.js';
export { verifySnapshot, type VerifySnapshotOptions } from './verify-snapshot.js';
export { inspectSnapshot } from './inspect-snapshot.js';
export { MAX_PREFIXES, OTHER_PREFIX, topLevelPrefix, type SnapshotSummary } from './snapshot-summary.js';
export {
  SnapshotEncoder,
  type SnapshotEncoderOptions,
  type WriteSnapshotResult,
} from './snapshot-encoder.js';
export { SnapshotDecoder, type SnapshotTotals } from './snapshot-decoder.js';
export type { SnapshotSource } from './byte-reader.js';
export type { SnapshotSink } from './sink-writer.js';
export type { SnapshotEntry, SnapshotEntrySource } from './snapshot-entry.js';
export type { SnapshotMeta } from './snapshot-meta.js';
export type { JsonObject, JsonValue } from './json-value.js';
export { SNAPSHOT_ERROR_CODES, SnapshotError, type SnapshotErrorCode } from './snapshot-error.js';
export {
  DEFAULT_BLOCK_BYTES,
  MAX_BLOCK_BYTES,
  MAX_KEY_BYTES,
  MAX_META_BYTES,
  MAX_VALUE_BYTES,
  SNAPSHOT_FORMAT_VERSION,
  SNAPSHOT_MAGIC,
} from './snapshot-format.js';
