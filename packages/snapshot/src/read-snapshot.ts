import type { SnapshotSource } from './byte-reader.js';
import type { SnapshotEntry } from './snapshot-entry.js';
import type { SnapshotMeta } from './snapshot-meta.js';
import { SnapshotDecoder } from './snapshot-decoder.js';

/** An open snapshot: verified metadata, and entries verified block by block as they stream. */
export interface SnapshotReader {
  readonly meta: SnapshotMeta;
  /**
   * Every entry in file order; iterable once. An entry is yielded only after the checksum of
   * its block matched, but later blocks or the trailer may still fail: the iteration then
   * throws `SnapshotError`, so apply to staging (or verify first) and commit only when the loop
   * completes. Breaking out early releases the source.
   */
  readonly entries: AsyncIterable<SnapshotEntry>;
  /**
   * Releases the source without reading the entries (e.g. the metadata says the snapshot is
   * for another cluster). Not needed after iterating: the iteration releases it.
   */
  close(): Promise<void>;
}

/**
 * Opens a snapshot: reads and verifies the header and metadata (rejecting with `SnapshotError`
 * on `BAD_MAGIC`, `UNSUPPORTED_VERSION`, `CHECKSUM_MISMATCH`, `TRUNCATED` or `MALFORMED`), then
 * streams the entries in constant memory (one block, at most 1 MiB by default).
 */
export async function readSnapshot(source: SnapshotSource): Promise<SnapshotReader> {
  const decoder = await SnapshotDecoder.open(source);
  let started = false;
  return {
    meta: decoder.meta,
    entries: {
      [Symbol.asyncIterator](): AsyncIterator<SnapshotEntry> {
        if (started) throw new Error('snapshot entries can be iterated only once');
        started = true;
        return entriesOf(decoder);
      },
    },
    close: async (): Promise<void> => {
      if (started) return;
      started = true;
      await decoder.close();
    },
  };
}

async function* entriesOf(decoder: SnapshotDecoder): AsyncGenerator<SnapshotEntry, void, undefined> {
  try {
    for (let block = await decoder.nextBlock(); block !== undefined; block = await decoder.nextBlock()) {
      yield* block;
    }
  } finally {
    await decoder.close();
  }
}
