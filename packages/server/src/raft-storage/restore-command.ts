import type { SnapshotEntry } from '@coffer/snapshot';
import { RaftStorageError } from './raft-storage-error.js';

/**
 * Raft entries of a snapshot restore proposed through the log (`POST sys/storage/raft/snapshot`):
 * `begin(id)`, N × `chunk(id, entries)`, then `commit(id)` — or `abort(id)` when the proposer
 * gave up or died. Every node's FSM applies them (see RaftFsm): begin opens a staging LevelDB,
 * chunks fill it, commit swaps it in atomically. Told apart from storage commands by the first
 * byte (a storage command starts with its version 1).
 *
 * Binary, integers big-endian:
 *
 * ```
 * command := tag:u8 (= 0x52 'R')  kind:u8 (1 begin, 2 chunk, 3 commit, 4 abort, 5 begin of a forced restore)
 *            idLength:u8  id (ASCII [0-9a-z], 1–32 bytes)  [chunk only: count:u32  entry × count]
 * entry   := keyLength:u32  key (UTF-8)  valueLength:u32  value
 * ```
 */
export const RESTORE_COMMAND_TAG = 0x52;

export type RestoreCommand =
  /** `force`: the snapshot comes from another cluster (another keyring): every node seals after the commit. */
  | { readonly kind: 'begin'; readonly id: string; readonly force?: boolean }
  | { readonly kind: 'chunk'; readonly id: string; readonly entries: readonly SnapshotEntry[] }
  | { readonly kind: 'commit'; readonly id: string }
  | { readonly kind: 'abort'; readonly id: string };

const KINDS = ['begin', 'chunk', 'commit', 'abort', 'begin-force'] as const;
const ID = /^[0-9a-z]{1,32}$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes a chunk holding `entries` adds per entry (key and value lengths). */
export const CHUNK_ENTRY_OVERHEAD = 8;

export function isRestoreCommand(data: Uint8Array): boolean {
  return data.length > 0 && data[0] === RESTORE_COMMAND_TAG;
}

export function encodeRestoreCommand(cmd: RestoreCommand): Uint8Array {
  if (!ID.test(cmd.id)) throw new RangeError('restore id must be 1-32 characters [0-9a-z]');
  const head = Buffer.alloc(3 + cmd.id.length);
  head.writeUInt8(RESTORE_COMMAND_TAG, 0);
  head.writeUInt8(
    KINDS.indexOf(cmd.kind === 'begin' && cmd.force === true ? 'begin-force' : cmd.kind) + 1,
    1,
  );
  head.writeUInt8(cmd.id.length, 2);
  head.write(cmd.id, 3, 'latin1');
  if (cmd.kind !== 'chunk') return head;
  const parts: Buffer[] = [head, Buffer.alloc(4)];
  parts[1]!.writeUInt32BE(cmd.entries.length, 0);
  for (const e of cmd.entries) {
    const key = Buffer.from(e.key, 'utf8');
    const lengths = Buffer.alloc(4);
    lengths.writeUInt32BE(key.length, 0);
    const valueLength = Buffer.alloc(4);
    valueLength.writeUInt32BE(e.value.byteLength, 0);
    parts.push(
      lengths,
      key,
      valueLength,
      Buffer.from(e.value.buffer, e.value.byteOffset, e.value.byteLength),
    );
  }
  return Buffer.concat(parts);
}

function corrupt(detail: string): RaftStorageError {
  return new RaftStorageError('corrupt_command', `corrupt restore command: ${detail}`);
}

/** Decodes a restore command (values are views into `data`); RaftStorageError `corrupt_command` otherwise. */
export function decodeRestoreCommand(data: Uint8Array): RestoreCommand {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 4 || buf[0] !== RESTORE_COMMAND_TAG) throw corrupt('bad header');
  const kind = KINDS[buf.readUInt8(1) - 1];
  if (kind === undefined) throw corrupt(`unknown kind ${buf.readUInt8(1)}`);
  const idLength = buf.readUInt8(2);
  if (buf.length < 3 + idLength) throw corrupt('truncated id');
  const id = buf.toString('latin1', 3, 3 + idLength);
  if (!ID.test(id)) throw corrupt('bad id');
  let at = 3 + idLength;
  if (kind !== 'chunk') {
    if (at !== buf.length) throw corrupt('trailing bytes');
    if (kind === 'begin-force') return { kind: 'begin', id, force: true };
    if (kind === 'begin') return { kind, id, force: false };
    return { kind, id };
  }
  const need = (n: number): void => {
    if (buf.length - at < n) throw corrupt(`truncated at offset ${at}`);
  };
  need(4);
  const count = buf.readUInt32BE(at);
  at += 4;
  const entries: SnapshotEntry[] = [];
  for (let i = 0; i < count; i++) {
    need(4);
    const keyLength = buf.readUInt32BE(at);
    at += 4;
    if (keyLength === 0) throw corrupt('empty key');
    need(keyLength);
    let key: string;
    try {
      key = strictUtf8.decode(buf.subarray(at, at + keyLength));
    } catch {
      throw corrupt(`key at offset ${at} is not UTF-8`);
    }
    at += keyLength;
    need(4);
    const valueLength = buf.readUInt32BE(at);
    at += 4;
    need(valueLength);
    entries.push({ key, value: new Uint8Array(buf.buffer, buf.byteOffset + at, valueLength) });
    at += valueLength;
  }
  if (at !== buf.length) throw corrupt('trailing bytes');
  return { kind, id, entries };
}
