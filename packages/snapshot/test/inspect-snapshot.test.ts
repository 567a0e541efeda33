import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { inspectSnapshot } from '../src/inspect-snapshot.js';
import { MAX_PREFIXES, OTHER_PREFIX, topLevelPrefix } from '../src/snapshot-summary.js';
import { writeSnapshot } from '../src/write-snapshot.js';
import { SnapshotError } from '../src/snapshot-error.js';
import type { SnapshotEntry } from '../src/snapshot-entry.js';
import { chunked } from './support/chunked.js';
import { CollectSink } from './support/collect-sink.js';
import { testMeta } from './support/test-meta.js';

async function snapshot(entries: Iterable<SnapshotEntry>, blockBytes = 1024): Promise<Buffer> {
  const sink = new CollectSink();
  await writeSnapshot(testMeta(), entries, sink, { blockBytes });
  return sink.bytes();
}

const v = (n: number): Uint8Array => new Uint8Array(n);

void describe('topLevelPrefix', () => {
  void it('is the first path segment with its slash, or the whole key without one', () => {
    assert.equal(topLevelPrefix('logical/abc/data/x'), 'logical/');
    assert.equal(topLevelPrefix('core/keyring'), 'core/');
    assert.equal(topLevelPrefix('日本/x'), '日本/');
    assert.equal(topLevelPrefix('/leading'), '/');
    assert.equal(topLevelPrefix('standalone'), 'standalone');
  });
});

void describe('inspectSnapshot', () => {
  void it('reports metadata, index, term, size, counts, SHA-256 and entries and bytes per top-level prefix', async () => {
    const entries: SnapshotEntry[] = [
      { key: 'core/keyring', value: v(100) },
      { key: 'core/seal-config', value: v(50) },
      { key: 'logical/m1/data/a', value: v(10) },
      { key: 'logical/m1/data/b', value: v(0) },
      { key: 'logical/m2/x', value: v(1000) },
      { key: 'sys/token/id/h', value: v(33) },
      { key: 'auth/approle/role/r', value: v(7) },
      { key: 'orphan', value: v(1) },
    ];
    const bytes = await snapshot(entries, 64);
    const summary = await inspectSnapshot(chunked(bytes, 100));
    assert.deepEqual(summary.meta, testMeta());
    assert.equal(summary.formatVersion, 1);
    assert.equal(summary.index, 4242);
    assert.equal(summary.term, 7);
    assert.equal(summary.bytes, bytes.length);
    assert.equal(summary.entries, 8);
    assert.ok(summary.blocks >= 4);
    assert.equal(summary.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.match(summary.payloadSha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(summary.countsByPrefix, { 'auth/': 1, 'core/': 2, 'logical/': 3, orphan: 1, 'sys/': 1 });
    assert.deepEqual(Object.keys(summary.countsByPrefix), ['auth/', 'core/', 'logical/', 'orphan', 'sys/']);
    assert.deepEqual(summary.bytesByPrefix, {
      'auth/': 19 + 7,
      'core/': 12 + 100 + 16 + 50,
      'logical/': 17 + 10 + 17 + 0 + 12 + 1000,
      orphan: 6 + 1,
      'sys/': 14 + 33,
    });
  });

  void it('reports an empty snapshot', async () => {
    const summary = await inspectSnapshot(chunked(await snapshot([]), 1000));
    assert.equal(summary.entries, 0);
    assert.equal(summary.blocks, 0);
    assert.deepEqual(summary.countsByPrefix, {});
  });

  void it(`lumps keys beyond ${MAX_PREFIXES} distinct prefixes into "${OTHER_PREFIX}" (bounded memory)`, async () => {
    function* many(): Generator<SnapshotEntry> {
      for (let i = 0; i < MAX_PREFIXES + 100; i++)
        yield { key: `top-${String(i).padStart(5, '0')}`, value: v(1) };
      yield { key: 'top-00000', value: v(1) };
    }
    const summary = await inspectSnapshot(chunked(await snapshot(many(), 64 * 1024), 4096));
    const counts = summary.countsByPrefix;
    assert.equal(Object.keys(counts).length, MAX_PREFIXES + 1);
    assert.equal(counts[OTHER_PREFIX], 100);
    assert.equal(counts['top-00000'], 2);
  });

  void it('reports nothing from a file that does not verify', async () => {
    const bytes = await snapshot([{ key: 'logical/a', value: v(10) }]);
    const damaged = Buffer.from(bytes);
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 0x80;
    await assert.rejects(inspectSnapshot(chunked(damaged, 100)), (e) =>
      SnapshotError.is(e, 'CHECKSUM_MISMATCH'),
    );
  });
});
