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

    void it('retain deletes older snapshots only, never a newer one', async () => {
      const h = await harness.create();
      try {
        await h.store.open();
        await h.store.write(meta(1), new Uint8Array([1]));
        await h.store.write(meta(2), new Uint8Array([2]));
        await h.store.write(meta(3), new Uint8Array([3]));
        await h.store.write(meta(3, 2), new Uint8Array([4]));
        // Kept: 2 (current); 3 and 3@term2 are newer (e.g. received, waiting to be installed).
        await h.store.retain(meta(2));
        assert.equal(h.store.has(meta(1)), false);
        assert.equal(h.store.has(meta(2)), true);
        assert.equal(h.store.has(meta(3)), true);
        assert.deepEqual(await collect(h.store.read(meta(3))), new Uint8Array([3]));
        await h.store.close();
        const again = h.reopen();
        assert.deepEqual(
          [...(await again.open())].sort((a, b) => a.index - b.index || a.term - b.term),
          [meta(2), meta(3), meta(3, 2)],
        );
        // Once something newer is kept, the snapshots never installed go too.
        await again.retain(meta(3, 2));
        assert.equal(again.has(meta(2)), false);
        assert.equal(again.has(meta(3)), false);
        assert.equal(again.has(meta(3, 2)), true);
        await again.close();
        assert.deepEqual(await h.reopen().open(), [meta(3, 2)]);
      } finally {
        await h.cleanup();
      }
    });

    void it('retainOnly (start-up) deletes every other snapshot, newer ones too', async () => {
      const h = await harness.create();
      try {
        await h.store.open();
        await h.store.write(meta(1), new Uint8Array([1]));
        await h.store.write(meta(2), new Uint8Array([2]));
        await h.store.write(meta(3), new Uint8Array([3]));
        await h.store.retainOnly(meta(2));
        assert.equal(h.store.has(meta(1)), false);
        assert.equal(h.store.has(meta(2)), true);
        assert.equal(h.store.has(meta(3)), false);
        await h.store.close();
        const again = h.reopen();
        assert.deepEqual(await again.open(), [meta(2)]);
        await again.retainOnly(undefined);
        assert.equal(again.has(meta(2)), false);
        await again.close();
      } finally {
        await h.cleanup();
      }
    });

    void it('writing a snapshot already held keeps the held bytes', async () => {
      const h = await harness.create();
      try {
        await h.store.open();
        await h.store.write(meta(4), new Uint8Array([1, 2, 3]));
        // The same snapshot arrives again (encoded differently) while the held copy may be
        // being installed or sent: that copy must not change under its reader.
        await h.store.write(meta(4), new Uint8Array([9, 9]));
        assert.equal(h.store.size(meta(4)), 3);
        assert.deepEqual(await collect(h.store.read(meta(4))), new Uint8Array([1, 2, 3]));
      } finally {
        await h.store.close();
        await h.cleanup();
      }
    });

    void it('a write whose stream fails holds nothing', async () => {
      const h = await harness.create();
      try {
        await h.store.open();
        async function* broken(): AsyncIterable<Uint8Array> {
          yield new Uint8Array([1, 2]);
          throw new Error('sender went away');
        }
        await assert.rejects(h.store.write(meta(6), broken()), /sender went away/);
        assert.equal(h.store.has(meta(6)), false);
        await h.store.close();
        assert.deepEqual(await h.reopen().open(), []);
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
