import type { TxnOp } from '@coffer/barrier';
import { RaftStorageError } from './raft-storage-error.js';

/**
 * The payload of every Normal raft entry proposed by RaftBackend: one or more storage operations
 * applied atomically (a put or a delete is a command of one operation; a transaction is several).
 *
 * Binary, version 1, integers big-endian:
 *
 * ```
 * command := version:u8 (= 1)  count:u32 (≥ 1)  op × count
 * op      := kind:u8 (1 = put, 2 = delete)  keyLength:u32  key (UTF-8, ≥ 1 byte)
 *            [put only: valueLength:u32  value (opaque bytes, barrier ciphertext)]
 * ```
 *
 * Overhead: 5 bytes per command, 9 per put, 5 per delete. Decoding is strict (known version and
 * kinds, exact length, well-formed UTF-8): a committed entry that does not decode is a broken
 * invariant, and the FSM stops the node rather than guess.
 */
export const STORAGE_COMMAND_VERSION = 1;

const KIND_PUT = 1;
const KIND_DELETE = 2;
/** version + count. */
export const COMMAND_HEADER_BYTES = 5;
/** kind + key length (+ value length for a put). */
export const PUT_OVERHEAD_BYTES = 9;
export const DELETE_OVERHEAD_BYTES = 5;

/** ignoreBOM keeps a leading U+FEFF: it is part of the key, not a byte-order mark. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes `encodeStorageCommand(ops)` will produce, without building it. */
export function storageCommandSize(ops: readonly TxnOp[]): number {
  let size = COMMAND_HEADER_BYTES;
  for (const op of ops) {
    const keyBytes = Buffer.byteLength(op.key, 'utf8');
    size +=
      op.kind === 'put'
        ? PUT_OVERHEAD_BYTES + keyBytes + op.value.byteLength
        : DELETE_OVERHEAD_BYTES + keyBytes;
  }
  return size;
}

/** Encodes `ops` (at least one; keys already validated). The values are copied. */
export function encodeStorageCommand(ops: readonly TxnOp[]): Uint8Array {
  if (ops.length === 0) throw new RangeError('a storage command needs at least one operation');
  const out = Buffer.allocUnsafe(storageCommandSize(ops));
  let at = out.writeUInt8(STORAGE_COMMAND_VERSION, 0);
  at = out.writeUInt32BE(ops.length, at);
  for (const op of ops) {
    at = out.writeUInt8(op.kind === 'put' ? KIND_PUT : KIND_DELETE, at);
    const keyBytes = Buffer.byteLength(op.key, 'utf8');
    at = out.writeUInt32BE(keyBytes, at);
    at += out.write(op.key, at, keyBytes, 'utf8');
    if (op.kind === 'put') {
      at = out.writeUInt32BE(op.value.byteLength, at);
      out.set(op.value, at);
      at += op.value.byteLength;
    }
  }
  if (at !== out.length) throw new Error(`storage command size mismatch: wrote ${at} of ${out.length} bytes`);
  return out;
}

function corrupt(detail: string): RaftStorageError {
  return new RaftStorageError('corrupt_command', `corrupt storage command: ${detail}`);
}

/**
 * Decodes a command. Put values are views into `data` (no copy). Throws RaftStorageError
 * `corrupt_command` on anything but a well-formed version-1 command.
 */
export function decodeStorageCommand(data: Uint8Array): TxnOp[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < COMMAND_HEADER_BYTES) throw corrupt(`${buf.length} bytes, shorter than the header`);
  const version = buf.readUInt8(0);
  if (version !== STORAGE_COMMAND_VERSION) throw corrupt(`unknown version ${version}`);
  const count = buf.readUInt32BE(1);
  if (count === 0) throw corrupt('no operations');
  let at = COMMAND_HEADER_BYTES;
  const need = (n: number, what: string): void => {
    if (buf.length - at < n) throw corrupt(`truncated ${what} at offset ${at}`);
  };
  const ops: TxnOp[] = [];
  for (let i = 0; i < count; i++) {
    need(DELETE_OVERHEAD_BYTES, 'operation header');
    const kind = buf.readUInt8(at);
    const keyLength = buf.readUInt32BE(at + 1);
    at += DELETE_OVERHEAD_BYTES;
    if (kind !== KIND_PUT && kind !== KIND_DELETE) throw corrupt(`unknown operation kind ${kind}`);
    if (keyLength === 0) throw corrupt('empty key');
    need(keyLength, 'key');
    let key: string;
    try {
      key = strictUtf8.decode(buf.subarray(at, at + keyLength));
    } catch {
      throw corrupt(`key at offset ${at} is not UTF-8`);
    }
    at += keyLength;
    if (kind === KIND_DELETE) {
      ops.push({ kind: 'delete', key });
      continue;
    }
    need(4, 'value length');
    const valueLength = buf.readUInt32BE(at);
    at += 4;
    need(valueLength, 'value');
    ops.push({ kind: 'put', key, value: new Uint8Array(buf.buffer, buf.byteOffset + at, valueLength) });
    at += valueLength;
  }
  if (at !== buf.length) throw corrupt(`${buf.length - at} trailing bytes`);
  return ops;
}
