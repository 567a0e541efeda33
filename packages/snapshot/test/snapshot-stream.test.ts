import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { snapshotStream } from '../src/snapshot-stream.js';
import { readSnapshot } from '../src/read-snapshot.js';
import { writeSnapshot } from '../src/write-snapshot.js';
import { SnapshotError } from '../src/snapshot-error.js';
import type { SnapshotEntry } from '../src/snapshot-entry.js';
import { CollectSink } from './support/collect-sink.js';
import { CountingEntries } from './support/counting-entries.js';
import { forceGc, liveBytes } from './support/force-gc.js';
import { SlowSink } from './support/slow-sink.js';
import { VALUE_POOL, syntheticEntries } from './support/synthetic-entries.js';
import { testMeta } from './support/test-meta.js';
import { turn } from './support/turn.js';

const MiB = 1024 * 1024;

/** Entry i of the 200 MB stream: sizes 1–32 KiB, contents sliced from the shared pool. */
function bulkEntry(i: number): SnapshotEntry {
  const length = 1024 + ((i * 7919) % (31 * 1024));
  const start = (i * 104_729) % (VALUE_POOL.length - length);
  return { key: `logical/bulk/${i}`, value: VALUE_POOL.subarray(start, start + length) };
}

void describe('snapshotStream', () => {
  void it('produces the same bytes as writeSnapshot', async () => {
    const sink = new CollectSink();
    await writeSnapshot(testMeta(), syntheticEntries(8, 200), sink, { blockBytes: 4096 });
    const chunks: Buffer[] = [];
    for await (const chunk of snapshotStream(testMeta(), syntheticEntries(8, 200), { blockBytes: 4096 })) {
      chunks.push(chunk as Buffer);
    }
    assert.ok(Buffer.concat(chunks).equals(sink.bytes()));
  });

  void it('throws INVALID_INPUT at once for invalid metadata', () => {
    assert.throws(
      () => snapshotStream(testMeta({ createdAt: 'yesterday' }), []),
      (e) => SnapshotError.is(e, 'INVALID_INPUT'),
    );
  });

  void it('pulls no entries until read, and stays about two blocks ahead of a slow reader', async () => {
    const blockBytes = 64 * 1024;
    const entries = new CountingEntries(2000, 1000);
    const stream = snapshotStream(testMeta(), entries, { blockBytes });
    for (let i = 0; i < 5; i++) await turn();
    assert.equal(entries.pulled, 0);

    const sink = new SlowSink(16 * 1024);
    stream.pipe(sink);
    let finished = false;
    sink.on('finish', () => {
      finished = true;
    });
    let maxAhead = 0;
    while (!finished) {
      await turn();
      maxAhead = Math.max(maxAhead, entries.pulledBytes - sink.received);
      if (sink.waiting) sink.release();
    }
    assert.equal(entries.pulled, 2000);
    assert.ok(maxAhead <= 3 * blockBytes, `producer ran ${maxAhead} bytes ahead`);
  });

  void it('closes the entry source when the stream is destroyed', async () => {
    const entries = new CountingEntries(1_000_000, 100);
    const stream = snapshotStream(testMeta(), entries, { blockBytes: 1024 });
    stream.once('data', () => stream.destroy());
    await new Promise((resolve) => stream.on('close', resolve));
    await turn();
    assert.equal(entries.closed, true);
    assert.ok(entries.pulled < 1000);
  });

  void it('streams 200 MB write → read in constant memory (live heap + buffers grow < 64 MiB)', async () => {
    const total = 200 * MiB;
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    function* entries(): Generator<SnapshotEntry> {
      for (let i = 0; produced < total; i++) {
        const entry = bulkEntry(i);
        produced += entry.value.length;
        yield entry;
      }
    }
    forceGc();
    const baseline = liveBytes();
    let peak = 0;
    const reader = await readSnapshot(snapshotStream(testMeta(), entries()));
    let i = 0;
    for await (const entry of reader.entries) {
      const expected = bulkEntry(i);
      if (entry.key !== expected.key || Buffer.compare(entry.value, expected.value) !== 0) {
        assert.fail(`entry ${i} differs`);
      }
      consumed += entry.value.length;
      maxAhead = Math.max(maxAhead, produced - consumed);
      if (i % 256 === 0) {
        // Count only live memory: collect garbage before declaring a breach.
        let growth = liveBytes() - baseline;
        if (growth > 64 * MiB) {
          forceGc();
          growth = liveBytes() - baseline;
        }
        peak = Math.max(peak, growth);
      }
      i++;
    }
    assert.ok(consumed >= total);
    assert.ok(peak < 64 * MiB, `live memory grew by ${(peak / MiB).toFixed(1)} MiB`);
    assert.ok(maxAhead < 4 * MiB, `writer ran ${(maxAhead / MiB).toFixed(1)} MiB ahead of the reader`);
  });
});
