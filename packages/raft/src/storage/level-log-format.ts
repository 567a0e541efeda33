import { crc32 } from 'node:zlib';
import { EntryType } from '../core/types.js';
import type { ConfState, Entry, HardState, SnapshotMetadata } from '../core/types.js';
import type { AppliedConf } from './log-store.js';
import { LogCorruptionError } from './log-corruption-error.js';

/**
 * The on-disk format of LevelLogStore (see docs/raft.md, "Storage format").
 *
 * Keys are binary and sort in log order:
 *   0x00 'V'        format version (u8)
 *   0x01 'H'        hard state          (meta record)
 *   0x01 'S'        snapshot metadata   (meta record)
 *   0x01 'C'        applied membership  (meta record)
 *   0x02 + u64 BE   log entry at that index
 *
 * Entry record: crc32 (u32 BE) | type (u8) | term (u64 BE) | data. The CRC-32 (IEEE, zlib) covers
 * the 8-byte index, then every byte after the CRC, so a record copied under the wrong key fails.
 * Meta record: crc32 (u32 BE) | UTF-8 JSON; the CRC covers the key name and the JSON bytes.
 */
export const FORMAT_VERSION = 1;

const ENTRY_PREFIX = 0x02;
const ENTRY_HEADER = 4 + 1 + 8;
const TWO_32 = 2 ** 32;

function writeU64(buf: Uint8Array, offset: number, value: number): void {
  const hi = Math.floor(value / TWO_32);
  const lo = value >>> 0;
  buf[offset] = hi >>> 24;
  buf[offset + 1] = (hi >>> 16) & 0xff;
  buf[offset + 2] = (hi >>> 8) & 0xff;
  buf[offset + 3] = hi & 0xff;
  buf[offset + 4] = lo >>> 24;
  buf[offset + 5] = (lo >>> 16) & 0xff;
  buf[offset + 6] = (lo >>> 8) & 0xff;
  buf[offset + 7] = lo & 0xff;
}

function readU32(buf: Uint8Array, offset: number): number {
  return ((buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0;
}

function readU64(buf: Uint8Array, offset: number): number {
  return readU32(buf, offset) * TWO_32 + readU32(buf, offset + 4);
}

function writeU32(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value >>> 24;
  buf[offset + 1] = (value >>> 16) & 0xff;
  buf[offset + 2] = (value >>> 8) & 0xff;
  buf[offset + 3] = value & 0xff;
}

export const VERSION_KEY: Buffer = Buffer.from([0x00, 0x56]);
export const HARD_STATE_KEY: Buffer = Buffer.from([0x01, 0x48]);
export const SNAPSHOT_KEY: Buffer = Buffer.from([0x01, 0x53]);
export const APPLIED_CONF_KEY: Buffer = Buffer.from([0x01, 0x43]);
/** Range bounds covering every entry key. */
export const ENTRY_RANGE = { gte: Buffer.from([ENTRY_PREFIX]), lt: Buffer.from([ENTRY_PREFIX + 1]) } as const;

export function entryKey(index: number): Buffer {
  const key = Buffer.allocUnsafe(9);
  key[0] = ENTRY_PREFIX;
  writeU64(key, 1, index);
  return key;
}

export function entryKeyIndex(key: Uint8Array): number {
  if (key.length !== 9 || key[0] !== ENTRY_PREFIX) throw new LogCorruptionError('entry key', 'malformed key');
  return readU64(key, 1);
}

export function encodeEntry(entry: Entry): Buffer {
  const value = Buffer.allocUnsafe(ENTRY_HEADER + entry.data.length);
  value[4] = entry.type;
  writeU64(value, 5, entry.term);
  value.set(entry.data, ENTRY_HEADER);
  const indexBytes = Buffer.allocUnsafe(8);
  writeU64(indexBytes, 0, entry.index);
  writeU32(value, 0, crc32(value.subarray(4), crc32(indexBytes)));
  return value;
}

export function decodeEntry(index: number, value: Uint8Array): Entry {
  const where = `entry ${index}`;
  if (value.length < ENTRY_HEADER) throw new LogCorruptionError(where, 'record too short');
  const indexBytes = Buffer.allocUnsafe(8);
  writeU64(indexBytes, 0, index);
  const body = value.subarray(4);
  if (crc32(body, crc32(indexBytes)) !== readU32(value, 0))
    throw new LogCorruptionError(where, 'checksum mismatch');
  const type = value[4];
  if (type !== EntryType.Normal && type !== EntryType.ConfChange)
    throw new LogCorruptionError(where, `unknown entry type ${type}`);
  // Copy the payload: the caller keeps entries for the life of the node, not the read buffer.
  const data = new Uint8Array(value.length - ENTRY_HEADER);
  data.set(value.subarray(ENTRY_HEADER));
  return { index, term: readU64(value, 5), type, data };
}

function encodeMeta(key: Buffer, value: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  const out = Buffer.allocUnsafe(4 + json.length);
  json.copy(out, 4);
  writeU32(out, 0, crc32(json, crc32(key)));
  return out;
}

function decodeMeta(key: Buffer, name: string, value: Uint8Array): unknown {
  if (value.length < 4) throw new LogCorruptionError(name, 'record too short');
  const json = value.subarray(4);
  if (crc32(json, crc32(key)) !== readU32(value, 0)) throw new LogCorruptionError(name, 'checksum mismatch');
  try {
    return JSON.parse(Buffer.from(json.buffer, json.byteOffset, json.length).toString('utf8')) as unknown;
  } catch {
    throw new LogCorruptionError(name, 'undecodable record');
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isIdList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function asConfState(name: string, v: unknown): ConfState {
  if (!isRecord(v) || !isIdList(v.voters) || !isIdList(v.learners))
    throw new LogCorruptionError(name, 'bad conf state');
  return { voters: v.voters, learners: v.learners };
}

export function encodeHardState(hs: HardState): Buffer {
  return encodeMeta(HARD_STATE_KEY, { term: hs.term, vote: hs.vote, commit: hs.commit });
}

export function decodeHardState(value: Uint8Array): HardState {
  const v = decodeMeta(HARD_STATE_KEY, 'hard state', value);
  if (!isRecord(v) || !isIndex(v.term) || typeof v.vote !== 'string' || !isIndex(v.commit)) {
    throw new LogCorruptionError('hard state', 'bad fields');
  }
  return { term: v.term, vote: v.vote, commit: v.commit };
}

export function encodeSnapshotMeta(meta: SnapshotMetadata): Buffer {
  return encodeMeta(SNAPSHOT_KEY, { index: meta.index, term: meta.term, confState: meta.confState });
}

export function decodeSnapshotMeta(value: Uint8Array): SnapshotMetadata {
  const v = decodeMeta(SNAPSHOT_KEY, 'snapshot', value);
  if (!isRecord(v) || !isIndex(v.index) || !isIndex(v.term))
    throw new LogCorruptionError('snapshot', 'bad fields');
  return { index: v.index, term: v.term, confState: asConfState('snapshot', v.confState) };
}

export function encodeAppliedConf(conf: AppliedConf): Buffer {
  return encodeMeta(APPLIED_CONF_KEY, { index: conf.index, confState: conf.confState });
}

export function decodeAppliedConf(value: Uint8Array): AppliedConf {
  const v = decodeMeta(APPLIED_CONF_KEY, 'applied conf', value);
  if (!isRecord(v) || !isIndex(v.index)) throw new LogCorruptionError('applied conf', 'bad fields');
  return { index: v.index, confState: asConfState('applied conf', v.confState) };
}
