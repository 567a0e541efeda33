import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { writeSnapshot } from '../src/write-snapshot.js';
import { SnapshotError } from '../src/snapshot-error.js';
import type { SnapshotEntry } from '../src/snapshot-entry.js';
import type { SnapshotMeta } from '../src/snapshot-meta.js';
import { CollectSink } from './support/collect-sink.js';
import { CountingEntries } from './support/counting-entries.js';
import { buildRawSnapshot, rawRecord, type RawBlock } from './support/raw-snapshot.js';
import { SlowSink } from './support/slow-sink.js';
import { syntheticEntries } from './support/synthetic-entries.js';
import { testMeta } from './support/test-meta.js';
import { turn } from './support/turn.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The documented blocking rule, applied independently of the writer. */
function documentedBlocks(entries: readonly SnapshotEntry[], target: number): RawBlock[] {
  const blocks: RawBlock[] = [];
  let records: Buffer[] = [];
  let used = 0;
  const close = (): void => {
    blocks.push({ payload: Buffer.concat(records), count: records.length });
    records = [];
    used = 0;
  };
  for (const { key, value } of entries) {
    const record = rawRecord(key, value);
    if (records.length > 0 && used + record.length > target) close();
    records.push(record);
    used += record.length;
    if (used >= target) close();
  }
  if (records.length > 0) close();
  return blocks;
}

/** The metadata JSON the document specifies for `meta`. */
function documentedMetaJson(meta: SnapshotMeta): string {
  return JSON.stringify({
    format_version: 1,
    index: meta.index,
    term: meta.term,
    configuration: meta.configuration,
    created_at: meta.createdAt,
    keyring_fingerprint: meta.keyringFingerprint,
    ...(meta.meta === undefined ? {} : { meta: meta.meta }),
  });
}

async function written(
  entries: Iterable<SnapshotEntry> | AsyncIterable<SnapshotEntry>,
  meta: SnapshotMeta = testMeta(),
  blockBytes?: number,
): Promise<{ bytes: Buffer; result: Awaited<ReturnType<typeof writeSnapshot>> }> {
  const sink = new CollectSink();
  const result = await writeSnapshot(meta, entries, sink, blockBytes === undefined ? {} : { blockBytes });
  return { bytes: sink.bytes(), result };
}

void describe('writeSnapshot', () => {
  void it('writes exactly the bytes docs/formats/snapshot.md specifies (checked by an independent encoder)', async () => {
    const entries = [...syntheticEntries(3, 120)];
    for (const blockBytes of [1, 100, 1000, 1024 * 1024]) {
      const { bytes } = await written(entries, testMeta(), blockBytes);
      const expected = buildRawSnapshot({
        metaJson: documentedMetaJson(testMeta()),
        blocks: documentedBlocks(entries, blockBytes),
      });
      assert.ok(bytes.equals(expected), `blockBytes ${blockBytes}`);
    }
  });

  void it('reports the file SHA-256 (as sha256sum prints it), size, entry and block counts', async () => {
    const { bytes, result } = await written(syntheticEntries(4, 500), testMeta(), 4096);
    assert.equal(result.sha256, sha256(bytes));
    assert.equal(result.bytes, bytes.length);
    assert.equal(result.entries, 500);
    assert.ok(result.blocks > 10);
    assert.equal(bytes.readBigUInt64BE(bytes.length - 72), BigInt(bytes.length));
  });

  void it('gives the same payload for the same entries whatever the metadata (save, restore, save)', async () => {
    const entries = [...syntheticEntries(5, 300)];
    const a = await written(entries, testMeta(), 2048);
    const b = await written(
      entries,
      testMeta({ index: 99, term: 3, createdAt: '2030-01-01T00:00:00Z', meta: { other: true } }),
      2048,
    );
    assert.notEqual(a.result.sha256, b.result.sha256);
    assert.equal(a.result.payloadSha256, b.result.payloadSha256);
    const payload = (x: Buffer): Buffer => x.subarray(16 + x.readUInt32BE(12) + 32, x.length - 89);
    assert.ok(payload(a.bytes).equals(payload(b.bytes)));
    const c = await written(entries.slice(1), testMeta(), 2048);
    assert.notEqual(c.result.payloadSha256, a.result.payloadSha256);
  });

  void it('accepts async iterables as well as sync ones', async () => {
    async function* entries(): AsyncGenerator<SnapshotEntry> {
      yield* syntheticEntries(6, 50);
    }
    const fromAsync = await written(entries());
    const fromSync = await written(syntheticEntries(6, 50));
    assert.ok(fromAsync.bytes.equals(fromSync.bytes));
  });

  void it('honours backpressure: a slow sink holds back the producer to about two blocks', async () => {
    const blockBytes = 64 * 1024;
    const entries = new CountingEntries(3000, 1000);
    const sink = new SlowSink(16 * 1024);
    let settled = false;
    const done = writeSnapshot(testMeta(), entries, sink, { blockBytes }).finally(() => {
      settled = true;
    });
    let maxAhead = 0;
    while (!settled) {
      await turn();
      maxAhead = Math.max(maxAhead, entries.pulledBytes - sink.received);
      assert.ok(sink.writableLength <= blockBytes + 2048, `sink buffers ${sink.writableLength} bytes`);
      if (sink.waiting) sink.release();
    }
    const result = await done;
    assert.equal(result.entries, 3000);
    assert.ok(maxAhead > 0 && maxAhead <= 2 * blockBytes + 2048, `producer ran ${maxAhead} bytes ahead`);
  });

  void it('ends the sink and resolves once a file is flushed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'coffer-snapshot-'));
    try {
      const path = join(dir, 's.snap');
      const result = await writeSnapshot(testMeta(), syntheticEntries(7, 100), createWriteStream(path));
      const file = await readFile(path);
      assert.equal(file.length, result.bytes);
      assert.equal(sha256(file), result.sha256);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  void it('leaves the sink open with end: false', async () => {
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (c: Buffer) => chunks.push(c));
    const result = await writeSnapshot(testMeta(), [], sink, { end: false });
    assert.equal(sink.writableEnded, false);
    sink.end('after');
    await new Promise((resolve) => sink.on('end', resolve));
    assert.equal(Buffer.concat(chunks).subarray(result.bytes).toString(), 'after');
  });

  void it('rejects with the sink error and closes the entry source', async () => {
    const boom = new Error('EIO');
    let writes = 0;
    const sink = new Writable({
      write(_chunk, _encoding, callback) {
        callback(++writes === 3 ? boom : null);
      },
    });
    const entries = new CountingEntries(100_000, 100);
    await assert.rejects(writeSnapshot(testMeta(), entries, sink, { blockBytes: 1024 }), boom);
    assert.equal(entries.closed, true);
    assert.ok(entries.pulled < 100);
  });

  void it('rejects when the sink is closed early, and with the source error when the source fails', async () => {
    const sink = new SlowSink(1);
    const pending = writeSnapshot(testMeta(), new CountingEntries(10, 10), sink);
    await turn();
    sink.destroy();
    await assert.rejects(pending, /closed/);

    const boom = new Error('iterator failed');
    function* failing(): Generator<SnapshotEntry> {
      yield { key: 'a', value: new Uint8Array(1) };
      throw boom;
    }
    const collect = new CollectSink();
    await assert.rejects(writeSnapshot(testMeta(), failing(), collect), boom);
    assert.equal(collect.destroyed, true);
  });

  void it('rejects invalid metadata with INVALID_INPUT before writing anything', async () => {
    const sink = new CollectSink();
    await assert.rejects(writeSnapshot(testMeta({ index: -1 }), [], sink), (e) =>
      SnapshotError.is(e, 'INVALID_INPUT'),
    );
    assert.equal(sink.bytes().length, 0);
    await assert.rejects(writeSnapshot(testMeta(), [], sink, { blockBytes: 0 }), (e) =>
      SnapshotError.is(e, 'INVALID_INPUT'),
    );
  });

  void it('rejects entries that would not read back identically with INVALID_INPUT', async () => {
    const bad: Array<[string, unknown]> = [
      ['an empty key', { key: '', value: new Uint8Array(1) }],
      ['a lone surrogate in a key', { key: 'logical/\ud800x', value: new Uint8Array(1) }],
      ['a key over 64 KiB', { key: 'k'.repeat(64 * 1024 + 1), value: new Uint8Array(1) }],
      ['a string value', { key: 'a', value: 'ciphertext' }],
      ['a key that is not a string', { key: 42, value: new Uint8Array(1) }],
      ['null', null],
    ];
    for (const [what, entry] of bad) {
      await assert.rejects(
        writeSnapshot(testMeta(), [entry as SnapshotEntry], new CollectSink()),
        (e) => SnapshotError.is(e, 'INVALID_INPUT'),
        what,
      );
    }
  });
});
