import assert from 'node:assert/strict';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { readSnapshot } from '../src/read-snapshot.js';
import { writeSnapshot } from '../src/write-snapshot.js';
import { SnapshotError, type SnapshotErrorCode } from '../src/snapshot-error.js';
import type { SnapshotEntry } from '../src/snapshot-entry.js';
import { chunked } from './support/chunked.js';
import { CollectSink } from './support/collect-sink.js';
import { buildRawSnapshot, rawRecord, type RawSnapshotSpec } from './support/raw-snapshot.js';
import { readAll } from './support/read-all.js';
import { sameBytes } from './support/same-bytes.js';
import { syntheticEntries, syntheticEntry } from './support/synthetic-entries.js';
import { testMeta } from './support/test-meta.js';

async function snapshotBytes(entries: Iterable<SnapshotEntry>, blockBytes?: number): Promise<Buffer> {
  const sink = new CollectSink();
  await writeSnapshot(testMeta(), entries, sink, blockBytes === undefined ? {} : { blockBytes });
  return sink.bytes();
}

async function rejectsWith(source: Uint8Array, code: SnapshotErrorCode): Promise<void> {
  const outcome = await readAll(chunked(source, 4096));
  assert.ok(SnapshotError.is(outcome.error), `expected SnapshotError ${code}, got ${String(outcome.error)}`);
  assert.equal(outcome.error.code, code, outcome.error.message);
}

const VALID_META_JSON = JSON.stringify({
  format_version: 1,
  index: 1,
  term: 1,
  configuration: {},
  created_at: '2024-01-01T00:00:00Z',
  keyring_fingerprint: 'fp',
});

function raw(overrides: Partial<RawSnapshotSpec>): Buffer {
  return buildRawSnapshot({
    metaJson: VALID_META_JSON,
    blocks: [{ payload: rawRecord('a', Uint8Array.of(1)), count: 1 }],
    ...overrides,
  });
}

void describe('readSnapshot', () => {
  void describe('round trip', () => {
    void it('reads back an empty snapshot: metadata and no entries', async () => {
      const outcome = await readAll(chunked(await snapshotBytes([]), 7));
      assert.equal(outcome.error, undefined);
      assert.deepEqual(outcome.meta, testMeta());
      assert.equal(outcome.entries.length, 0);
    });

    void it('reads back one entry', async () => {
      const value = Uint8Array.of(0, 1, 2, 255);
      const outcome = await readAll(chunked(await snapshotBytes([{ key: 'sys/token/id/abc', value }]), 64));
      assert.equal(outcome.error, undefined);
      assert.deepEqual(outcome.entries, [{ key: 'sys/token/id/abc', value }]);
    });

    void it('reads back metadata exactly, without the optional meta map when it was absent', async () => {
      const { meta: _omitted, ...noMeta } = testMeta();
      const sink = new CollectSink();
      await writeSnapshot(noMeta, [], sink);
      const { meta } = await readSnapshot(chunked(sink.bytes(), 3));
      assert.deepEqual(meta, noMeta);
      assert.equal('meta' in meta, false);
    });

    void it('reads back 100,000 entries (Unicode keys, empty and 1 MiB values), streaming both ways', async () => {
      const seed = 100_000;
      const count = 100_000;
      const dir = await mkdtemp(join(tmpdir(), 'coffer-snapshot-'));
      try {
        const path = join(dir, 'big.snap');
        const written = await writeSnapshot(
          testMeta(),
          syntheticEntries(seed, count),
          createWriteStream(path),
        );
        assert.equal(written.entries, count);
        const { meta, entries } = await readSnapshot(createReadStream(path));
        assert.deepEqual(meta, testMeta());
        let i = 0;
        let empty = 0;
        let mebibyte = 0;
        for await (const entry of entries) {
          const expected = syntheticEntry(seed, i);
          if (entry.key !== expected.key || !sameBytes(entry.value, expected.value)) {
            assert.fail(`entry ${i} differs`);
          }
          if (entry.value.length === 0) empty++;
          if (entry.value.length === 1024 * 1024) mebibyte++;
          i++;
        }
        assert.equal(i, count);
        assert.ok(empty > 1000 && mebibyte >= 9, `${empty} empty, ${mebibyte} 1 MiB values`);
        assert.equal((await readFile(path)).length, written.bytes);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    void it('gives the same entries whatever the chunking of the input (1 byte, odd sizes, one chunk)', async () => {
      const bytes = await snapshotBytes(syntheticEntries(5, 60), 256);
      const expected = [...syntheticEntries(5, 60)];
      for (const size of [1, 13, 255, 256, 4099, bytes.length]) {
        const outcome = await readAll(chunked(bytes, size));
        assert.equal(outcome.error, undefined, `chunks of ${size}`);
        assert.equal(outcome.entries.length, expected.length);
        outcome.entries.forEach((e, i) => {
          assert.equal(e.key, expected[i]?.key);
          assert.ok(sameBytes(e.value, expected[i]?.value ?? new Uint8Array()));
        });
      }
    });

    void it('hands out values that are copies, not views of its internal buffers', async () => {
      const bytes = await snapshotBytes([
        { key: 'a', value: Uint8Array.of(1, 2) },
        { key: 'b', value: Uint8Array.of(3, 4) },
      ]);
      const outcome = await readAll(chunked(bytes, bytes.length));
      const [first] = outcome.entries;
      assert.ok(first);
      assert.equal(first.value.byteLength, first.value.buffer.byteLength);
      assert.equal(Object.getPrototypeOf(first.value), Uint8Array.prototype);
    });
  });

  void describe('sources', () => {
    void it('accepts a Readable byte stream', async () => {
      const bytes = await snapshotBytes([{ key: 'k', value: Uint8Array.of(9) }]);
      const outcome = await readAll(Readable.from([bytes.subarray(0, 10), bytes.subarray(10)]));
      assert.equal(outcome.error, undefined);
      assert.equal(outcome.entries.length, 1);
    });

    void it('refuses text chunks (a stream with an encoding set) with INVALID_INPUT', async () => {
      const bytes = await snapshotBytes([]);
      const stream = Readable.from([bytes]).setEncoding('latin1');
      await assert.rejects(readSnapshot(stream), (err) => SnapshotError.is(err, 'INVALID_INPUT'));
    });

    void it('lets entries be iterated only once', async () => {
      const reader = await readSnapshot(chunked(await snapshotBytes([]), 100));
      for await (const _ of reader.entries) assert.fail('no entries expected');
      assert.throws(() => reader.entries[Symbol.asyncIterator]());
    });

    void it('releases the source when the consumer stops early', async () => {
      const bytes = await snapshotBytes(syntheticEntries(1, 50), 128);
      const stream = Readable.from([bytes.subarray(0, 500), bytes.subarray(500)]);
      const reader = await readSnapshot(stream);
      for await (const _ of reader.entries) break;
      assert.equal(stream.destroyed, true);
    });

    void it('releases the source on close() without iterating', async () => {
      const bytes = await snapshotBytes(syntheticEntries(1, 50), 128);
      const stream = Readable.from([bytes.subarray(0, 500), bytes.subarray(500)]);
      const reader = await readSnapshot(stream);
      await reader.close();
      assert.equal(stream.destroyed, true);
      assert.throws(() => reader.entries[Symbol.asyncIterator]());
    });

    void it('releases the source when the header is rejected', async () => {
      const stream = Readable.from([Buffer.from('definitely not a snapshot')]);
      await assert.rejects(readSnapshot(stream), (err) => SnapshotError.is(err, 'BAD_MAGIC'));
      assert.equal(stream.destroyed, true);
    });

    void it('passes through an I/O error of the source unchanged', async () => {
      const bytes = await snapshotBytes(syntheticEntries(2, 20), 64);
      const boom = new Error('disk on fire');
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield bytes.subarray(0, 200);
        throw boom;
      }
      const outcome = await readAll(failing());
      assert.equal(outcome.error, boom);
    });
  });

  void describe('rejections by code', () => {
    void it('BAD_MAGIC for other files, even shorter than the magic', async () => {
      await rejectsWith(Buffer.from('PK\x03\x04 a zip file'), 'BAD_MAGIC');
      await rejectsWith(Buffer.from('{"json": true}'), 'BAD_MAGIC');
      await rejectsWith(Uint8Array.of(0x89, 0x50), 'BAD_MAGIC');
    });

    void it('TRUNCATED for an empty input or a prefix of the magic', async () => {
      await rejectsWith(new Uint8Array(0), 'TRUNCATED');
      await rejectsWith(Uint8Array.of(0x89, 0x43, 0x46), 'TRUNCATED');
    });

    void it('UNSUPPORTED_VERSION for another version or unknown flags', async () => {
      await rejectsWith(raw({ version: 2 }), 'UNSUPPORTED_VERSION');
      await rejectsWith(raw({ version: 0 }), 'UNSUPPORTED_VERSION');
      await rejectsWith(raw({ flags: 1 }), 'UNSUPPORTED_VERSION');
    });

    void it('accepts the independently built reference file', async () => {
      const outcome = await readAll(chunked(raw({}), 5));
      assert.equal(outcome.error, undefined);
      assert.deepEqual(outcome.entries, [{ key: 'a', value: Uint8Array.of(1) }]);
    });

    const malformed: Array<[string, Partial<RawSnapshotSpec>]> = [
      ['metadata longer than 1 MiB', { metaLength: 1024 * 1024 + 1 }],
      ['metadata that is not JSON', { metaJson: '{"index":' }],
      ['metadata that is not UTF-8', { metaJson: Uint8Array.of(0x22, 0xff, 0x22) }],
      ['metadata that is a JSON array', { metaJson: '[]' }],
      ['metadata without an index', { metaJson: VALID_META_JSON.replace('"index":1,', '') }],
      ['a negative term', { metaJson: VALID_META_JSON.replace('"term":1', '"term":-1') }],
      ['a fractional index', { metaJson: VALID_META_JSON.replace('"index":1', '"index":1.5') }],
      [
        'format_version differing from the header',
        { metaJson: VALID_META_JSON.replace('"format_version":1', '"format_version":2') },
      ],
      [
        'created_at that is not RFC 3339',
        { metaJson: VALID_META_JSON.replace('2024-01-01T00:00:00Z', '2024-13-01T00:00:00Z') },
      ],
      [
        'a configuration that is not an object',
        { metaJson: VALID_META_JSON.replace('"configuration":{}', '"configuration":[]') },
      ],
      ['a meta member that is not an object', { metaJson: VALID_META_JSON.replace('}', ',"meta":"x"}') }],
      [
        'an unknown frame kind',
        { blocks: [{ kind: 0x43, payload: rawRecord('a', new Uint8Array()), count: 1 }] },
      ],
      ['a block with zero records', { blocks: [{ payload: new Uint8Array(), count: 0 }] }],
      [
        'a block announcing more records than it can hold',
        { blocks: [{ payload: rawRecord('a', new Uint8Array()), count: 2 }] },
      ],
      [
        'a block announcing fewer records than it holds',
        {
          blocks: [
            {
              payload: Buffer.concat([rawRecord('a', Uint8Array.of(1)), rawRecord('b', Uint8Array.of(2))]),
              count: 1,
            },
          ],
        },
      ],
      [
        'a block longer than any valid block',
        { blocks: [{ payload: rawRecord('a', new Uint8Array()), count: 1, payloadLength: 0xffffffff }] },
      ],
      ['an empty key', { blocks: [{ payload: rawRecord('', Uint8Array.of(1)), count: 1 }] }],
      [
        'a key that is not UTF-8',
        { blocks: [{ payload: rawRecord(Uint8Array.of(0x61, 0xc3), Uint8Array.of(1)), count: 1 }] },
      ],
      [
        'a UTF-8-encoded surrogate in a key',
        { blocks: [{ payload: rawRecord(Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(1)), count: 1 }] },
      ],
      [
        'a value running past its block',
        { blocks: [{ payload: rawRecord('a', Uint8Array.of(1, 2)).subarray(0, 10), count: 1 }] },
      ],
      ['a trailer with the wrong entry count', { trailer: { entries: 2n } }],
      ['a trailer with the wrong block count', { trailer: { blocks: 0n } }],
      ['a trailer with the wrong file length', { trailer: { bytes: 10n } }],
      ['bytes after the trailer', { after: Uint8Array.of(0) }],
    ];
    for (const [what, spec] of malformed) {
      void it(`MALFORMED for ${what}, checksums notwithstanding`, async () => {
        await rejectsWith(raw(spec), 'MALFORMED');
      });
    }
  });
});
