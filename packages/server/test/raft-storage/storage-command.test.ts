import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TxnOp } from '@coffer/barrier';
import { RaftStorageError } from '../../src/raft-storage/raft-storage-error.js';
import {
  decodeStorageCommand,
  encodeStorageCommand,
  storageCommandSize,
} from '../../src/raft-storage/storage-command.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function plain(ops: readonly TxnOp[]): unknown[] {
  return ops.map((op) =>
    op.kind === 'put' ? { ...op, value: Buffer.from(op.value).toString('hex') } : { ...op },
  );
}

function rejectsCorrupt(data: Uint8Array): void {
  assert.throws(
    () => decodeStorageCommand(data),
    (err: unknown) => RaftStorageError.is(err, 'corrupt_command') && err.code === 'INTERNAL',
  );
}

void describe('storage command encoding', () => {
  void it('round-trips puts, deletes and transactions, with the documented layout', () => {
    const put: TxnOp[] = [{ kind: 'put', key: 'a/b', value: bytes('xyz') }];
    const encoded = encodeStorageCommand(put);
    // version 1, count 1, kind put, key length 3, "a/b", value length 3, "xyz"
    assert.equal(
      Buffer.from(encoded).toString('hex'),
      '01' + '00000001' + '01' + '00000003' + '612f62' + '00000003' + '78797a',
    );
    assert.deepEqual(plain(decodeStorageCommand(encoded)), plain(put));
    const del: TxnOp[] = [{ kind: 'delete', key: 'gone' }];
    assert.equal(
      Buffer.from(encodeStorageCommand(del)).toString('hex'),
      '01' + '00000001' + '02' + '00000004' + '676f6e65',
    );
    const txn: TxnOp[] = [
      { kind: 'put', key: '日本/語', value: new Uint8Array(0) },
      { kind: 'delete', key: '\uFEFFbom-first' },
      { kind: 'put', key: '😀', value: new Uint8Array([0, 255, 1]) },
    ];
    const t = encodeStorageCommand(txn);
    assert.equal(t.length, storageCommandSize(txn));
    assert.deepEqual(plain(decodeStorageCommand(t)), plain(txn));
  });

  void it('copies values at encoding time', () => {
    const value = bytes('original');
    const encoded = encodeStorageCommand([{ kind: 'put', key: 'k', value }]);
    value.fill(0);
    const [op] = decodeStorageCommand(encoded);
    assert.equal(op?.kind, 'put');
    assert.equal(Buffer.from(op.kind === 'put' ? op.value : []).toString(), 'original');
  });

  void it('refuses an empty command', () => {
    assert.throws(() => encodeStorageCommand([]), RangeError);
  });

  void it('rejects anything but a well-formed version-1 command as corrupt', () => {
    const good = Buffer.from(encodeStorageCommand([{ kind: 'put', key: 'k', value: bytes('v') }]));
    rejectsCorrupt(new Uint8Array(0));
    rejectsCorrupt(good.subarray(0, 4));
    rejectsCorrupt(Buffer.concat([Buffer.from([2]), good.subarray(1)])); // unknown version
    rejectsCorrupt(Buffer.from('0100000000', 'hex')); // no operations
    rejectsCorrupt(Buffer.from('010000000103000000016b', 'hex')); // unknown kind 3
    rejectsCorrupt(Buffer.from('01000000010200000000', 'hex')); // empty key
    rejectsCorrupt(Buffer.from('01000000010200000001ff', 'hex')); // key not UTF-8
    rejectsCorrupt(good.subarray(0, good.length - 1)); // truncated value
    rejectsCorrupt(Buffer.concat([good, Buffer.from([0])])); // trailing byte
    rejectsCorrupt(Buffer.from('01000000020200000001', 'hex')); // count says 2, holds less
  });
});
