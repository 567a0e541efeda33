import { SinkWriter, type SnapshotSink } from './sink-writer.js';
import {
  SnapshotEncoder,
  type SnapshotEncoderOptions,
  type WriteSnapshotResult,
} from './snapshot-encoder.js';
import type { SnapshotEntrySource } from './snapshot-entry.js';
import type { SnapshotMeta } from './snapshot-meta.js';

export interface WriteSnapshotOptions extends SnapshotEncoderOptions {
  /**
   * End the sink after the trailer and resolve only once it has flushed (`finish`); if writing
   * fails part-way, destroy it. Default true. With false the sink is left open either way.
   * Invalid metadata rejects before the sink is touched, whatever this says.
   */
  readonly end?: boolean;
}

/**
 * Writes a snapshot of `entries` to `sink`, pulling the next entry only when the sink has
 * room (backpressure), so memory stays at about one block whatever the snapshot size.
 *
 * Rejects with `SnapshotError` `INVALID_INPUT` for invalid metadata (before writing anything)
 * or an invalid entry, and with the sink's or the entry source's own error otherwise. A sink
 * that fails part-way holds a prefix without a trailer, which every reader rejects.
 */
export async function writeSnapshot(
  meta: SnapshotMeta,
  entries: SnapshotEntrySource,
  sink: SnapshotSink,
  options: WriteSnapshotOptions = {},
): Promise<WriteSnapshotResult> {
  const encoder = new SnapshotEncoder(meta, options);
  const end = options.end ?? true;
  const writer = new SinkWriter(sink);
  try {
    for await (const chunk of encoder.encode(entries)) await writer.write(chunk);
    if (end) await writer.end();
    return encoder.result();
  } catch (err) {
    if (end) writer.destroy();
    throw err;
  } finally {
    writer.dispose();
  }
}
