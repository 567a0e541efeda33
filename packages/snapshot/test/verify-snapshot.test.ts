import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifySnapshot } from '../src/verify-snapshot.js';
import { inspectSnapshot } from '../src/inspect-snapshot.js';
import { writeSnapshot } from '../src/write-snapshot.js';
import { SnapshotError } from '../src/snapshot-error.js';
import { chunked } from './support/chunked.js';
import { CollectSink } from './support/collect-sink.js';
import { syntheticEntries } from './support/synthetic-entries.js';
import { testMeta } from './support/test-meta.js';

async function snapshot(): Promise<{ bytes: Buffer; sha256: string }> {
  const sink = new CollectSink();
  const { sha256 } = await writeSnapshot(testMeta(), syntheticEntries(9, 400), sink, { blockBytes: 8192 });
  return { bytes: sink.bytes(), sha256 };
}

void describe('verifySnapshot', () => {
  void it('resolves with the same summary inspect gives for a sound file', async () => {
    const { bytes } = await snapshot();
    assert.deepEqual(await verifySnapshot(chunked(bytes, 1000)), await inspectSnapshot(chunked(bytes, 1000)));
  });

  void it('checks the file against an expected SHA-256 (either case)', async () => {
    const { bytes, sha256 } = await snapshot();
    assert.equal(
      (await verifySnapshot(chunked(bytes, 1000), { sha256: sha256.toUpperCase() })).sha256,
      sha256,
    );
    await assert.rejects(verifySnapshot(chunked(bytes, 1000), { sha256: '0'.repeat(64) }), (e) =>
      SnapshotError.is(e, 'CHECKSUM_MISMATCH'),
    );
  });

  void it('rejects a flipped bit in the last block and a missing trailer', async () => {
    const { bytes } = await snapshot();
    const flipped = Buffer.from(bytes);
    flipped[bytes.length - 100] = (flipped[bytes.length - 100] as number) ^ 1;
    await assert.rejects(verifySnapshot(chunked(flipped, 1000)), (e) =>
      SnapshotError.is(e, 'CHECKSUM_MISMATCH'),
    );
    await assert.rejects(verifySnapshot(chunked(bytes.subarray(0, bytes.length - 89), 1000)), (e) =>
      SnapshotError.is(e, 'TRUNCATED'),
    );
  });
});
