import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SnapshotMetadata } from '../../src/core/types.js';
import type { SnapshotStore } from '../../src/storage/snapshot-store.js';

export interface SnapshotStoreHarness {
  create(): Promise<{ store: SnapshotStore; reopen: () => SnapshotStore; cleanup: () => Promise<void> }>;
}

const meta = (index: number, term = 1): SnapshotMetadata => ({
  index,
  term,
  confState: { voters: ['a', 'b'], learners: ['c'] },
});

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of stream) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

async function* chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** The SnapshotStore conformance suite. */
export function snapshotStoreSuite(name: string, harness: SnapshotStoreHarness): void {
  void describe(`SnapshotStore conformance: ${name}`, () => {
    void it('writes bytes or a stream and reads them back after a restart', async () => {
      const h = await harness.create();
      try {
        assert.deepEqual(await h.store.open(), []);
        const big = new Uint8Array(1_000_000).map((_, i) => (i * 7) & 0xff);
        await h.store.write(meta(10), new Uint8Array([1, 2, 3]));
        await h.store.write(meta(20, 2), chunked(big, 65_536));
        assert.equal(h.store.has(meta(20, 2)), true);
        assert.equal(h.store.has(meta(20, 1)), false);
        assert.equal(h.store.size(meta(20, 2)), big.length);
        await h.store.close();
        const again = h.reopen();
        const held = await again.open();
        assert.deepEqual(
          [...held].sort((a, b) => a.index - b.index),
          [meta(10), meta(20, 2)],
        );
        assert.deepEqual(await collect(again.read(meta(10))), new Uint8Array([1, 2, 3]));
        assert.deepEqual(await collect(again.read(meta(20, 2))), big);
        await again.close();
      } finally {
        await h.cleanup();
      }
    });

    void it('retain deletes every other snapshot', async () => {
      const h = await harness.create();
      try {
        await h.store.open();
        await h.store.write(meta(1), new Uint8Array([1]));
        await h.store.write(meta(2), new Uint8Array([2]));
        await h.store.retain(meta(2));
        assert.equal(h.store.has(meta(1)), false);
        assert.equal(h.store.has(meta(2)), true);
        await h.store.close();
        const again = h.reopen();
        assert.deepEqual(await again.open(), [meta(2)]);
        await again.retain(undefined);
        assert.equal(again.has(meta(2)), false);
        await again.close();
      } finally {
        await h.cleanup();
      }
    });

    void it('reading a snapshot that is not held fails', async () => {
      const h = await harness.create();
      try {
        await h.store.open();
        await assert.rejects(collect(h.store.read(meta(5))), RangeError);
      } finally {
        await h.store.close();
        await h.cleanup();
      }
    });
  });
}
