import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  AEAD_HEADER_BYTES,
  AEAD_OVERHEAD_BYTES,
  AEAD_VERSION,
  aeadDecrypt,
  aeadEncrypt,
  aeadTerm,
} from '../src/aead.js';
import { BarrierError } from '../src/barrier-error.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const isDecryptionFailed = (err: unknown): boolean => BarrierError.is(err, 'DECRYPTION_FAILED');

void describe('AEAD format', () => {
  const key = randomBytes(32);

  void it('lays out term (uint32 BE) ‖ version ‖ 12-byte nonce ‖ ciphertext ‖ 16-byte tag', () => {
    const pt = text('hello barrier');
    const ct = aeadEncrypt(key, 0x01020304, 'secret/foo', pt);
    assert.equal(ct.byteLength, pt.byteLength + AEAD_OVERHEAD_BYTES);
    assert.equal(AEAD_OVERHEAD_BYTES, 4 + 1 + 12 + 16);
    assert.deepEqual([...ct.subarray(0, 5)], [1, 2, 3, 4, AEAD_VERSION]);
    assert.equal(aeadTerm(ct), 0x01020304);
    assert.equal(Buffer.from(ct).indexOf(Buffer.from(pt)), -1, 'plaintext visible in ciphertext');
    assert.deepEqual(aeadDecrypt(key, 'secret/foo', ct), pt);
  });

  void it('uses a fresh nonce per encryption', () => {
    const a = aeadEncrypt(key, 1, 'p', text('same'));
    const b = aeadEncrypt(key, 1, 'p', text('same'));
    assert.notDeepEqual(a.subarray(5, AEAD_HEADER_BYTES), b.subarray(5, AEAD_HEADER_BYTES));
  });

  void it('binds the path: a value moved to another path fails', () => {
    const ct = aeadEncrypt(key, 1, 'secret/a', text('v'));
    assert.throws(() => aeadDecrypt(key, 'secret/b', ct), isDecryptionFailed);
    assert.throws(() => aeadDecrypt(key, 'secret/a/', ct), isDecryptionFailed);
    assert.throws(() => aeadDecrypt(key, '', ct), isDecryptionFailed);
  });

  void it('binds the term and version: relabelling the header fails', () => {
    const ct = aeadEncrypt(key, 7, 'p', text('v'));
    const relabelled = Uint8Array.from(ct);
    relabelled[3] = 8;
    assert.throws(() => aeadDecrypt(key, 'p', relabelled), isDecryptionFailed);
    const otherVersion = Uint8Array.from(ct);
    otherVersion[4] = 2;
    assert.throws(() => aeadDecrypt(key, 'p', otherVersion), isDecryptionFailed);
  });

  void it('fails on any single flipped bit', () => {
    const ct = aeadEncrypt(key, 1, 'p', text('sixteen byte val'));
    for (let i = 0; i < ct.byteLength; i++) {
      const bad = Uint8Array.from(ct);
      bad[i] = (bad[i] as number) ^ (1 << (i % 8));
      assert.throws(() => aeadDecrypt(key, 'p', bad), isDecryptionFailed, `byte ${i}`);
    }
  });

  void it('fails on truncation, extension, and the wrong key', () => {
    const ct = aeadEncrypt(key, 1, 'p', text('value'));
    for (const len of [0, 5, AEAD_OVERHEAD_BYTES - 1, ct.byteLength - 1]) {
      assert.throws(() => aeadDecrypt(key, 'p', ct.subarray(0, len)), isDecryptionFailed, `length ${len}`);
    }
    assert.throws(() => aeadDecrypt(key, 'p', Buffer.concat([ct, Buffer.from([0])])), isDecryptionFailed);
    assert.throws(() => aeadDecrypt(randomBytes(32), 'p', ct), isDecryptionFailed);
  });

  void it('round-trips empty and large plaintexts and unicode paths', () => {
    const empty = aeadEncrypt(key, 0, 'ü/日本', new Uint8Array(0));
    assert.equal(empty.byteLength, AEAD_OVERHEAD_BYTES);
    assert.deepEqual(aeadDecrypt(key, 'ü/日本', empty), new Uint8Array(0));
    const big = randomBytes(1 << 20);
    assert.ok(Buffer.from(aeadDecrypt(key, 'big', aeadEncrypt(key, 3, 'big', big))).equals(big));
  });

  void it('refuses keys that are not 256 bits and out-of-range terms', () => {
    assert.throws(() => aeadEncrypt(randomBytes(16), 1, 'p', text('v')), RangeError);
    assert.throws(() => aeadEncrypt(key, -1, 'p', text('v')), RangeError);
    assert.throws(() => aeadEncrypt(key, 2 ** 32, 'p', text('v')), RangeError);
  });

  void it('never puts the plaintext or the path into the error message', () => {
    const ct = aeadEncrypt(key, 1, 'p', text('TOP-SECRET-PLAINTEXT'));
    assert.throws(
      () => aeadDecrypt(key, 'q', ct),
      (err: unknown) => err instanceof BarrierError && !err.message.includes('TOP-SECRET'),
    );
  });
});
