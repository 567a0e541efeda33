import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeSnapshot } from '../src/write-snapshot.js';
import { SnapshotError, type SnapshotErrorCode } from '../src/snapshot-error.js';
import type { SnapshotEntry } from '../src/snapshot-entry.js';
import { chunked } from './support/chunked.js';
import { CollectSink } from './support/collect-sink.js';
import { readAll } from './support/read-all.js';
import { sameBytes } from './support/same-bytes.js';
import { seededRandom } from './support/seeded-random.js';
import { syntheticEntries } from './support/synthetic-entries.js';
import { testMeta } from './support/test-meta.js';

/**
 * The reader's promise under corruption: every damaged input is rejected with a SnapshotError,
 * and whatever it yielded before rejecting is a correct prefix of the original entries.
 */

const SMALL: readonly SnapshotEntry[] = [
  { key: 'core/keyring', value: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) },
  { key: 'logical/7f3e/data/é🔑', value: new Uint8Array(0) },
  { key: 'sys/token/id/h1', value: Uint8Array.of(0xff, 0x00, 0xaa) },
  { key: 'logical/7f3e/data/b', value: Uint8Array.of(42) },
  { key: 'auth/x', value: Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9) },
];

async function write(entries: Iterable<SnapshotEntry>, blockBytes: number): Promise<Buffer> {
  const sink = new CollectSink();
  await writeSnapshot(testMeta({ meta: { n: 1 } }), entries, sink, { blockBytes });
  return sink.bytes();
}

function flipped(bytes: Buffer, bit: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
  return copy;
}

/** Reads `damaged`; asserts rejection and a correct yielded prefix; returns the error code. */
async function assertRejectedSafely(
  damaged: Uint8Array,
  original: readonly SnapshotEntry[],
  what: string,
  chunkBytes = 97,
): Promise<SnapshotErrorCode> {
  const outcome = await readAll(chunked(damaged, chunkBytes));
  if (!SnapshotError.is(outcome.error))
    assert.fail(`${what}: accepted or failed oddly: ${String(outcome.error)}`);
  outcome.entries.forEach((entry, i) => {
    const expected = original[i];
    if (expected === undefined || entry.key !== expected.key || !sameBytes(entry.value, expected.value)) {
      assert.fail(`${what}: yielded a wrong entry at position ${i}`);
    }
  });
  return outcome.error.code;
}

/** Start offsets of the block frames and the trailer of a valid snapshot. */
function frameOffsets(bytes: Buffer): number[] {
  const offsets: number[] = [];
  let at = 16 + bytes.readUInt32BE(12) + 32;
  while (bytes[at] === 0x42) {
    offsets.push(at);
    at += 9 + bytes.readUInt32BE(at + 1) + 32;
  }
  offsets.push(at);
  return offsets;
}

void describe('readSnapshot under corruption', () => {
  void it('rejects every single-bit flip of a small multi-block snapshot, never yielding a wrong entry', async () => {
    const bytes = await write(SMALL, 40);
    assert.ok(frameOffsets(bytes).length >= 4, 'several blocks');
    assert.equal((await readAll(chunked(bytes, 97))).error, undefined);
    const codes = new Map<SnapshotErrorCode, number>();
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const code = await assertRejectedSafely(flipped(bytes, bit), SMALL, `bit ${bit}`);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    // Flips land in every part of the file, so every detection path is exercised.
    for (const code of [
      'BAD_MAGIC',
      'UNSUPPORTED_VERSION',
      'CHECKSUM_MISMATCH',
      'TRUNCATED',
      'MALFORMED',
    ] as const) {
      assert.ok((codes.get(code) ?? 0) > 0, `no flip detected as ${code}`);
    }
  });

  void it('rejects the small snapshot cut at every byte offset with TRUNCATED', async () => {
    const bytes = await write(SMALL, 40);
    for (let length = 0; length < bytes.length; length++) {
      const code = await assertRejectedSafely(bytes.subarray(0, length), SMALL, `cut at ${length}`);
      assert.equal(code, 'TRUNCATED', `cut at ${length}`);
    }
  });

  void it('rejects sampled bit flips and cuts of a larger snapshot, every flip in its header, one per trailer byte', async () => {
    const entries = [...syntheticEntries(77, 200)];
    const bytes = await write(entries, 2048);
    assert.ok(bytes.length > 50_000 && frameOffsets(bytes).length > 25);
    const check = (damaged: Uint8Array, what: string): Promise<SnapshotErrorCode> =>
      assertRejectedSafely(damaged, entries, what, 8192);
    const random = seededRandom(2024);
    for (let n = 0; n < 600; n++) {
      const bit = random.int(bytes.length * 8);
      await check(flipped(bytes, bit), `bit ${bit}`);
    }
    const metaEnd = (16 + bytes.readUInt32BE(12) + 32) * 8;
    for (let bit = 0; bit < metaEnd; bit++) await check(flipped(bytes, bit), `bit ${bit}`);
    for (let byte = bytes.length - 89; byte < bytes.length; byte++) {
      await check(flipped(bytes, byte * 8 + (byte % 8)), `byte ${byte}`);
    }
    for (let n = 0; n < 150; n++) {
      const length = random.int(bytes.length);
      assert.equal(await check(bytes.subarray(0, length), `cut at ${length}`), 'TRUNCATED');
    }
  });

  void it('rejects a dropped, duplicated or reordered block, yielding only the intact prefix', async () => {
    const bytes = await write(SMALL, 1);
    const offsets = frameOffsets(bytes);
    const head = bytes.subarray(0, offsets[0]);
    const frames = offsets.slice(0, -1).map((start, i) => bytes.subarray(start, offsets[i + 1]));
    const trailer = bytes.subarray(offsets.at(-1));
    assert.equal(frames.length, SMALL.length);
    const [f0, f1, f2, f3, f4] = frames as [Buffer, Buffer, Buffer, Buffer, Buffer];
    const variants: Record<string, Buffer[]> = {
      'block 2 dropped': [f0, f1, f3, f4],
      'block 1 duplicated': [f0, f1, f1, f2, f3, f4],
      'blocks 2 and 3 swapped': [f0, f1, f3, f2, f4],
      'last block dropped': [f0, f1, f2, f3],
    };
    for (const [what, blocks] of Object.entries(variants)) {
      const code = await assertRejectedSafely(Buffer.concat([head, ...blocks, trailer]), SMALL, what);
      assert.equal(code, 'CHECKSUM_MISMATCH', what);
    }
  });

  void it('rejects blocks spliced from another snapshot of different entries', async () => {
    const a = await write(SMALL, 1);
    const b = await write([...SMALL].reverse(), 1);
    const oa = frameOffsets(a);
    const ob = frameOffsets(b);
    const spliced = Buffer.concat([
      a.subarray(0, oa[2]),
      b.subarray(ob[2], ob.at(-1)),
      a.subarray(oa.at(-1)),
    ]);
    assert.equal(await assertRejectedSafely(spliced, SMALL, 'spliced'), 'CHECKSUM_MISMATCH');
  });
});
