import { createHash, type Hash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { ByteReader, type SnapshotSource } from './byte-reader.js';
import {
  BLOCK_HEADER_BYTES,
  CHECKSUM_BYTES,
  FRAME_BLOCK,
  FRAME_END,
  HEADER_BYTES,
  MAX_BLOCK_PAYLOAD_BYTES,
  MAX_KEY_BYTES,
  MAX_META_BYTES,
  MAX_VALUE_BYTES,
  RECORD_OVERHEAD_BYTES,
  SNAPSHOT_FORMAT_VERSION,
  SNAPSHOT_MAGIC,
  TRAILER_BYTES,
} from './snapshot-format.js';
import { decodeSnapshotMeta, type SnapshotMeta } from './snapshot-meta.js';
import type { SnapshotEntry } from './snapshot-entry.js';
import { SnapshotError } from './snapshot-error.js';

/** What the trailer vouches for, once it has been verified. */
export interface SnapshotTotals {
  readonly entries: number;
  readonly blocks: number;
  /** Length of the whole file. */
  readonly bytes: number;
  /** SHA-256 of the whole file, lowercase hex. */
  readonly sha256: string;
  /** SHA-256 of the blocks section, lowercase hex. */
  readonly payloadSha256: string;
}

/** Smallest record: two lengths and a one-byte key. */
const MIN_RECORD_BYTES = RECORD_OVERHEAD_BYTES + 1;

/**
 * The verifying core of every reader. `open` reads and checks the header and metadata;
 * `nextBlock` returns the entries of the next block only after that block's checksum matched,
 * and `undefined` once the trailer has been verified and the input has ended. Any failure
 * throws `SnapshotError` and the source is released.
 */
export class SnapshotDecoder {
  readonly #reader: ByteReader;
  readonly #fileHash: Hash;
  readonly #payloadHash: Hash = createHash('sha256');
  #entries = 0;
  #blocks = 0;
  #totals: SnapshotTotals | undefined;
  #failed = false;

  private constructor(
    reader: ByteReader,
    fileHash: Hash,
    readonly formatVersion: number,
    readonly meta: SnapshotMeta,
  ) {
    this.#reader = reader;
    this.#fileHash = fileHash;
  }

  /** Reads and verifies the header and metadata section. */
  static async open(source: SnapshotSource): Promise<SnapshotDecoder> {
    const reader = new ByteReader(source);
    try {
      const fileHash = createHash('sha256');
      const magic = await reader.readUpTo(SNAPSHOT_MAGIC.length);
      if (!magic.equals(SNAPSHOT_MAGIC.subarray(0, magic.length))) {
        throw new SnapshotError('BAD_MAGIC', 'not a Coffer snapshot (bad magic)', 0);
      }
      if (magic.length < SNAPSHOT_MAGIC.length) await reader.read(SNAPSHOT_MAGIC.length - magic.length);
      const versionAndFlags = await reader.read(HEADER_BYTES - SNAPSHOT_MAGIC.length);
      const version = versionAndFlags.readUInt16BE(0);
      const flags = versionAndFlags.readUInt16BE(2);
      if (version !== SNAPSHOT_FORMAT_VERSION) {
        throw new SnapshotError(
          'UNSUPPORTED_VERSION',
          `snapshot format version ${version} is not supported (this reader knows ${SNAPSHOT_FORMAT_VERSION})`,
          8,
        );
      }
      if (flags !== 0) {
        throw new SnapshotError(
          'UNSUPPORTED_VERSION',
          `snapshot header flags 0x${flags.toString(16)} are not supported`,
          10,
        );
      }
      fileHash.update(magic).update(versionAndFlags);
      const metaLength = await reader.read(4);
      const length = metaLength.readUInt32BE(0);
      if (length > MAX_META_BYTES) {
        throw new SnapshotError(
          'MALFORMED',
          `snapshot metadata length ${length} exceeds ${MAX_META_BYTES}`,
          HEADER_BYTES,
        );
      }
      const json = await reader.read(length);
      fileHash.update(metaLength).update(json);
      fileHash.update(await verifyChecksum(reader, fileHash, 'metadata'));
      const meta = decodeSnapshotMeta(json, version, HEADER_BYTES + 4);
      return new SnapshotDecoder(reader, fileHash, version, meta);
    } catch (err) {
      await reader.close().catch(() => undefined);
      throw err;
    }
  }

  /** Totals from the verified trailer, once `nextBlock` has returned `undefined`. */
  get totals(): SnapshotTotals | undefined {
    return this.#totals;
  }

  /** The verified entries of the next block, or `undefined` after a verified trailer and end of input. */
  async nextBlock(): Promise<SnapshotEntry[] | undefined> {
    if (this.#totals !== undefined) return undefined;
    if (this.#failed) throw new Error('SnapshotDecoder used after a failure');
    try {
      const kind = await this.#reader.read(1);
      if (kind[0] === FRAME_BLOCK) return await this.#block(kind);
      if (kind[0] === FRAME_END) {
        await this.#trailer(kind);
        return undefined;
      }
      throw new SnapshotError(
        'MALFORMED',
        `unknown frame kind 0x${(kind[0] ?? 0).toString(16)} at offset ${this.#reader.offset - 1}`,
        this.#reader.offset - 1,
      );
    } catch (err) {
      this.#failed = true;
      await this.close().catch(() => undefined);
      throw err;
    }
  }

  /** Releases the source. */
  close(): Promise<void> {
    return this.#reader.close();
  }

  async #block(kind: Buffer): Promise<SnapshotEntry[]> {
    const start = this.#reader.offset - 1;
    const header = await this.#reader.read(BLOCK_HEADER_BYTES - 1);
    const length = header.readUInt32BE(0);
    const count = header.readUInt32BE(4);
    if (length > MAX_BLOCK_PAYLOAD_BYTES || count === 0 || count > Math.floor(length / MIN_RECORD_BYTES)) {
      throw new SnapshotError(
        'MALFORMED',
        `block at offset ${start}: ${count} records cannot fill ${length} bytes`,
        start,
      );
    }
    const payload = await this.#reader.read(length);
    for (const part of [kind, header, payload]) {
      this.#fileHash.update(part);
      this.#payloadHash.update(part);
    }
    const sum = await verifyChecksum(this.#reader, this.#payloadHash, `block at offset ${start}`);
    this.#fileHash.update(sum);
    this.#payloadHash.update(sum);
    const entries = parseRecords(payload, count, start + BLOCK_HEADER_BYTES);
    this.#entries += count;
    this.#blocks++;
    return entries;
  }

  async #trailer(kind: Buffer): Promise<void> {
    const start = this.#reader.offset - 1;
    const fields = await this.#reader.read(TRAILER_BYTES - 1 - CHECKSUM_BYTES);
    this.#fileHash.update(kind).update(fields);
    const sum = await verifyChecksum(this.#reader, this.#fileHash, 'trailer');
    this.#fileHash.update(sum);
    const payloadSha256 = this.#payloadHash.digest();
    if (!payloadSha256.equals(fields.subarray(24, 24 + CHECKSUM_BYTES))) {
      throw new SnapshotError('CHECKSUM_MISMATCH', 'snapshot payload checksum mismatch', start + 25);
    }
    const entries = fields.readBigUInt64BE(0);
    const blocks = fields.readBigUInt64BE(8);
    const bytes = fields.readBigUInt64BE(16);
    const read = this.#reader.offset;
    if (entries !== BigInt(this.#entries) || blocks !== BigInt(this.#blocks) || bytes !== BigInt(read)) {
      throw new SnapshotError(
        'MALFORMED',
        `snapshot trailer says ${entries} entries, ${blocks} blocks, ${bytes} bytes; ` +
          `read ${this.#entries}, ${this.#blocks}, ${read}`,
        start,
      );
    }
    if (!(await this.#reader.atEnd())) {
      throw new SnapshotError(
        'MALFORMED',
        `unexpected bytes after the snapshot trailer at offset ${read}`,
        read,
      );
    }
    this.#totals = {
      entries: this.#entries,
      blocks: this.#blocks,
      bytes: read,
      sha256: this.#fileHash.digest('hex'),
      payloadSha256: payloadSha256.toString('hex'),
    };
  }
}

/** Reads a checksum field and compares it with `hash` so far; returns the field. */
async function verifyChecksum(reader: ByteReader, hash: Hash, what: string): Promise<Buffer> {
  const offset = reader.offset;
  const stored = await reader.read(CHECKSUM_BYTES);
  if (!stored.equals(hash.copy().digest())) {
    throw new SnapshotError(
      'CHECKSUM_MISMATCH',
      `snapshot ${what} checksum mismatch (offset ${offset})`,
      offset,
    );
  }
  return stored;
}

/** Records of a verified block payload; values are copies, not views of the block. */
function parseRecords(payload: Buffer, count: number, offset: number): SnapshotEntry[] {
  const malformed = (at: number, message: string): SnapshotError =>
    new SnapshotError('MALFORMED', `record at offset ${offset + at}: ${message}`, offset + at);
  const entries = new Array<SnapshotEntry>(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const start = at;
    if (at + RECORD_OVERHEAD_BYTES > payload.length) throw malformed(start, 'runs past its block');
    const keyLength = payload.readUInt32BE(at);
    at += 4;
    if (keyLength === 0 || keyLength > MAX_KEY_BYTES) throw malformed(start, `key length ${keyLength}`);
    if (at + keyLength + 4 > payload.length) throw malformed(start, 'runs past its block');
    const keyBytes = payload.subarray(at, at + keyLength);
    if (!isUtf8(keyBytes)) throw malformed(start, 'key is not UTF-8');
    const key = keyBytes.toString('utf8');
    at += keyLength;
    const valueLength = payload.readUInt32BE(at);
    at += 4;
    if (valueLength > MAX_VALUE_BYTES || at + valueLength > payload.length) {
      throw malformed(start, `value length ${valueLength}`);
    }
    entries[i] = { key, value: new Uint8Array(payload.subarray(at, at + valueLength)) };
    at += valueLength;
  }
  if (at !== payload.length) throw malformed(at, `${payload.length - at} bytes after the last record`);
  return entries;
}
