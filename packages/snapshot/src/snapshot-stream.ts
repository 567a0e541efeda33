import { Readable } from 'node:stream';
import { SnapshotEncoder, type SnapshotEncoderOptions } from './snapshot-encoder.js';
import type { SnapshotEntrySource } from './snapshot-entry.js';
import type { SnapshotMeta } from './snapshot-meta.js';

/**
 * A byte stream of the snapshot of `entries`, for HTTP responses, gRPC chunking or `pipeline`.
 * Entries are pulled only as the stream is read (backpressure); destroying the stream closes
 * the entry iterator. Throws `INVALID_INPUT` now for invalid metadata; an invalid entry or a
 * failing source destroys the stream with that error.
 */
export function snapshotStream(
  meta: SnapshotMeta,
  entries: SnapshotEntrySource,
  options: SnapshotEncoderOptions = {},
): Readable {
  const encoder = new SnapshotEncoder(meta, options);
  return Readable.from(encoder.encode(entries), { objectMode: false });
}
