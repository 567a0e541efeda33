import { createHash, type Hash } from 'node:crypto';
import {
  BLOCK_HEADER_BYTES,
  CHECKSUM_BYTES,
  DEFAULT_BLOCK_BYTES,
  FRAME_BLOCK,
  FRAME_END,
  HEADER_BYTES,
  MAX_BLOCK_BYTES,
  MAX_KEY_BYTES,
  MAX_VALUE_BYTES,
  RECORD_OVERHEAD_BYTES,
  SNAPSHOT_FORMAT_VERSION,
  SNAPSHOT_MAGIC,
  TRAILER_BYTES,
} from './snapshot-format.js';
import { encodeSnapshotMeta, type SnapshotMeta } from './snapshot-meta.js';
import type { SnapshotEntry, SnapshotEntrySource } from './snapshot-entry.js';
import { SnapshotError } from './snapshot-error.js';

/** Options shared by `writeSnapshot` and `snapshotStream`. */
export interface SnapshotEncoderOptions {
  /**
   * Target block payload in bytes (default 1 MiB, at most 16 MiB). Readers accept any value;
   * tests use tiny blocks to get many blocks from few entries.
   */
  readonly blockBytes?: number;
}

/** What a writer reports once the trailer is out. */
export interface WriteSnapshotResult {
  /** SHA-256 of the whole file, lowercase hex (what `sha256sum` prints). */
  readonly sha256: string;
  /** Length of the whole file. */
  readonly bytes: number;
  readonly entries: number;
  readonly blocks: number;
  /**
   * SHA-256 of the blocks section only, lowercase hex. Independent of the metadata (time,
   * index, ...): two snapshots of the same entries in the same order have the same payload.
   */
  readonly payloadSha256: string;
}

/** Lone surrogates: they would be silently replaced by U+FFFD in UTF-8. */
const LONE_SURROGATE = /\p{Cs}/u;

function invalidEntry(message: string): SnapshotError {
  return new SnapshotError('INVALID_INPUT', `invalid snapshot entry: ${message}`);
}

/**
 * The synchronous core of every writer: turns metadata and entries into the bytes of a
 * snapshot, one frame at a time, with no I/O. Memory: one block under construction.
 *
 * Use `encode(entries)` for an async generator of chunks (header, each block, last block plus
 * trailer); `result()` is available once it has finished.
 */
export class SnapshotEncoder {
  readonly #blockBytes: number;
  readonly #metaJson: Buffer;
  /** SHA-256 over every byte written so far. */
  readonly #fileHash: Hash = createHash('sha256');
  /** SHA-256 over the blocks section written so far. */
  readonly #payloadHash: Hash = createHash('sha256');
  #block: Buffer | undefined;
  /** Payload bytes in `#block` (they start at BLOCK_HEADER_BYTES). */
  #used = 0;
  #records = 0;
  #bytes = 0;
  #entries = 0;
  #blocks = 0;
  #state: 'new' | 'open' | 'finished' = 'new';
  #result: WriteSnapshotResult | undefined;

  /** Validates `meta` and options now: throws `INVALID_INPUT`. */
  constructor(meta: SnapshotMeta, options: SnapshotEncoderOptions = {}) {
    const blockBytes = options.blockBytes ?? DEFAULT_BLOCK_BYTES;
    if (!Number.isSafeInteger(blockBytes) || blockBytes < 1 || blockBytes > MAX_BLOCK_BYTES) {
      throw new SnapshotError('INVALID_INPUT', `blockBytes must be an integer in [1, ${MAX_BLOCK_BYTES}]`);
    }
    this.#blockBytes = blockBytes;
    this.#metaJson = encodeSnapshotMeta(meta);
  }

  /** Magic, version, flags, metadata length, metadata JSON, metadata checksum. */
  header(): Buffer {
    if (this.#state !== 'new') throw new Error('SnapshotEncoder.header() called twice');
    this.#state = 'open';
    const json = this.#metaJson;
    const out = Buffer.allocUnsafe(HEADER_BYTES + 4 + json.length + CHECKSUM_BYTES);
    out.set(SNAPSHOT_MAGIC, 0);
    out.writeUInt16BE(SNAPSHOT_FORMAT_VERSION, 8);
    out.writeUInt16BE(0, 10);
    out.writeUInt32BE(json.length, HEADER_BYTES);
    json.copy(out, HEADER_BYTES + 4);
    this.#checksummed(out, false);
    return out;
  }

  /** Adds one entry; returns the blocks it completed (none, one, or two for a big record). */
  add(entry: SnapshotEntry): Buffer[] {
    if (this.#state !== 'open') throw new Error('SnapshotEncoder.add() outside header()..finish()');
    if (typeof entry !== 'object' || entry === null) throw invalidEntry('not an object');
    const { key, value } = entry;
    if (typeof key !== 'string' || key.length === 0) throw invalidEntry('key must be a non-empty string');
    if (!(value instanceof Uint8Array)) throw invalidEntry('value must be a Uint8Array');
    if (LONE_SURROGATE.test(key)) throw invalidEntry('key is not well-formed Unicode');
    const keyBytes = Buffer.byteLength(key, 'utf8');
    if (keyBytes > MAX_KEY_BYTES) throw invalidEntry(`key is ${keyBytes} bytes, over ${MAX_KEY_BYTES}`);
    if (value.byteLength > MAX_VALUE_BYTES) {
      throw invalidEntry(`value is ${value.byteLength} bytes, over ${MAX_VALUE_BYTES}`);
    }
    const recordBytes = RECORD_OVERHEAD_BYTES + keyBytes + value.byteLength;
    const done: Buffer[] = [];
    if (this.#records > 0 && this.#used + recordBytes > this.#blockBytes) done.push(this.#closeBlock());
    if (this.#block === undefined) {
      const capacity = Math.max(this.#blockBytes, recordBytes);
      this.#block = Buffer.allocUnsafe(BLOCK_HEADER_BYTES + capacity + CHECKSUM_BYTES);
    }
    const block = this.#block;
    let at = BLOCK_HEADER_BYTES + this.#used;
    at = block.writeUInt32BE(keyBytes, at);
    at += block.write(key, at, keyBytes, 'utf8');
    at = block.writeUInt32BE(value.byteLength, at);
    block.set(value, at);
    this.#used += recordBytes;
    this.#records++;
    this.#entries++;
    if (this.#used >= this.#blockBytes) done.push(this.#closeBlock());
    return done;
  }

  /** The last block (if one is open) followed by the trailer, as one buffer. */
  finish(): Buffer {
    if (this.#state !== 'open') throw new Error('SnapshotEncoder.finish() outside header()..finish()');
    this.#state = 'finished';
    const last = this.#records > 0 ? this.#closeBlock() : undefined;
    const trailer = Buffer.allocUnsafe(TRAILER_BYTES);
    trailer[0] = FRAME_END;
    trailer.writeBigUInt64BE(BigInt(this.#entries), 1);
    trailer.writeBigUInt64BE(BigInt(this.#blocks), 9);
    trailer.writeBigUInt64BE(BigInt(this.#bytes + TRAILER_BYTES), 17);
    const payloadSha256 = this.#payloadHash.digest();
    payloadSha256.copy(trailer, 25);
    this.#checksummed(trailer, false);
    this.#result = {
      sha256: this.#fileHash.digest('hex'),
      bytes: this.#bytes,
      entries: this.#entries,
      blocks: this.#blocks,
      payloadSha256: payloadSha256.toString('hex'),
    };
    return last === undefined ? trailer : Buffer.concat([last, trailer]);
  }

  /** Totals, once `finish()` has run. */
  result(): WriteSnapshotResult {
    if (this.#result === undefined) throw new Error('SnapshotEncoder.result() before finish()');
    return this.#result;
  }

  /**
   * Chunks of the snapshot of `entries`: the header, each full block, then the last block with
   * the trailer. Pulls the next entry only when the consumer asks for the next chunk, so a slow
   * consumer holds back the producer. The entry iterator is opened at the first chunk and
   * closed (`return()`) if the consumer stops early or anything fails, even before the first
   * entry (a database iterator passed in must not leak).
   */
  async *encode(entries: SnapshotEntrySource): AsyncGenerator<Buffer, void, undefined> {
    const iterator: AsyncIterator<SnapshotEntry> | Iterator<SnapshotEntry> =
      Symbol.asyncIterator in entries ? entries[Symbol.asyncIterator]() : entries[Symbol.iterator]();
    let exhausted = false;
    try {
      yield this.header();
      for (;;) {
        const step = await iterator.next();
        if (step.done === true) break;
        yield* this.add(step.value);
      }
      exhausted = true;
      yield this.finish();
    } finally {
      if (!exhausted) await iterator.return?.();
    }
  }

  #closeBlock(): Buffer {
    const block = this.#block;
    if (block === undefined) throw new Error('no open block');
    const frame = block.subarray(0, BLOCK_HEADER_BYTES + this.#used + CHECKSUM_BYTES);
    frame[0] = FRAME_BLOCK;
    frame.writeUInt32BE(this.#used, 1);
    frame.writeUInt32BE(this.#records, 5);
    this.#checksummed(frame, true);
    this.#blocks++;
    this.#block = undefined;
    this.#used = 0;
    this.#records = 0;
    return frame;
  }

  /**
   * Hashes `frame` up to its last 32 bytes, fills them with the checksum (the payload hash for
   * blocks, the file hash otherwise), then hashes the checksum too.
   */
  #checksummed(frame: Buffer, inPayload: boolean): void {
    const body = frame.subarray(0, frame.length - CHECKSUM_BYTES);
    this.#fileHash.update(body);
    if (inPayload) this.#payloadHash.update(body);
    const sum = (inPayload ? this.#payloadHash : this.#fileHash).copy().digest();
    sum.copy(frame, body.length);
    this.#fileHash.update(sum);
    if (inPayload) this.#payloadHash.update(sum);
    this.#bytes += frame.length;
  }
}
