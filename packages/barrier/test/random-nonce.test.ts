import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomNonce } from '../src/random-nonce.js';

void describe('randomNonce', () => {
  void it('hands out fresh bytes of the asked length, never the same twice, across pool refills', () => {
    const seen = new Set<string>();
    // 16 KiB pool / 12 bytes ≈ 1,365 per refill: this crosses several refills.
    for (let i = 0; i < 5_000; i++) {
      const n = randomNonce(12);
      assert.equal(n.length, 12);
      const hex = n.toString('hex');
      assert.ok(!seen.has(hex), 'a nonce repeated');
      seen.add(hex);
    }
  });

  void it('returns a copy the caller owns, and serves sizes larger than the pool', () => {
    const a = randomNonce(12);
    const copy = Buffer.from(a);
    randomNonce(12);
    assert.deepEqual(a, copy, 'a later call must not change an earlier nonce');
    assert.equal(randomNonce(64 * 1024).length, 64 * 1024);
    assert.notEqual(a.buffer.byteLength, 16 * 1024, 'not a view into the pool');
  });
});
