import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { BarrierError } from '../src/barrier-error.js';
import { ShamirSeal } from '../src/shamir-seal.js';
import { parseShare, shareToBase64, shareToHex } from '../src/share-encoding.js';

const seal = new ShamirSeal();
const config = (n: number, t: number) => ({ type: 'shamir', secretShares: n, secretThreshold: t });

function* combinations<T>(items: readonly T[], k: number, start = 0): Generator<T[]> {
  if (k === 0) {
    yield [];
    return;
  }
  for (let i = start; i <= items.length - k; i++) {
    for (const rest of combinations(items, k - 1, i + 1)) yield [items[i] as T, ...rest];
  }
}

void describe('ShamirSeal', () => {
  void it('splits a 32-byte key into 33-byte shares with distinct non-zero x-coordinates last', async () => {
    const key = randomBytes(32);
    const shares = await seal.split(key, config(5, 3));
    assert.equal(shares.length, 5);
    for (const s of shares) {
      assert.equal(s.byteLength, 33);
      assert.equal(s.constructor, Uint8Array);
      assert.notEqual(s[32], 0);
    }
    assert.equal(new Set(shares.map((s) => s[32])).size, 5);
  });

  void it('any 3 of 5 shares recombine (a Buffer key is accepted)', async () => {
    const key = randomBytes(32);
    const shares = await seal.split(key, config(5, 3));
    let count = 0;
    for (const subset of combinations(shares, 3)) {
      assert.ok(Buffer.from(await seal.combine(subset.reverse())).equals(key));
      count++;
    }
    assert.equal(count, 10);
  });

  void it('fewer than threshold shares do not recombine the key', async () => {
    const key = randomBytes(32);
    const shares = await seal.split(key, config(5, 3));
    assert.ok(!Buffer.from(await seal.combine(shares.slice(0, 2))).equals(key));
  });

  void it('1-of-1 returns the key itself as the single share', async () => {
    const key = randomBytes(32);
    const shares = await seal.split(key, config(1, 1));
    assert.equal(shares.length, 1);
    assert.ok(Buffer.from(shares[0] as Uint8Array).equals(key));
    assert.ok(Buffer.from(await seal.combine(shares)).equals(key));
  });

  void it('combines Vault-format shares over GF(2^8) with the AES polynomial', async () => {
    // secret 0x42, degree-1 coefficient 0x02: y(x) = 0x42 ⊕ 2·x. In GF(2^8) mod x^8+x^4+x^3+x+1,
    // 2·0x80 = 0x1b, so the share at x=0x80 is 0x42 ⊕ 0x1b = 0x59; at x=1 it is 0x42 ⊕ 0x02.
    const shares = [new Uint8Array([0x59, 0x80]), new Uint8Array([0x40, 0x01])];
    assert.deepEqual(await seal.combine(shares), new Uint8Array([0x42]));
  });

  void it('refuses shares with duplicate x-coordinates or different lengths', async () => {
    const a = await seal.split(randomBytes(32), config(3, 2));
    const b = Uint8Array.from(a[1] as Uint8Array);
    b[0] = (b[0] as number) ^ 1;
    const isInvalid = (e: unknown): boolean => BarrierError.is(e, 'INVALID_UNSEAL_KEY');
    await assert.rejects(seal.combine([a[1] as Uint8Array, b]), isInvalid);
    await assert.rejects(seal.combine([a[0] as Uint8Array, (a[1] as Uint8Array).subarray(1)]), isInvalid);
  });

  void it('validates configurations by Vault rules', async () => {
    for (const [n, t] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [2, 1],
      [5, 1],
      [3, 4],
      [256, 2],
      [255, 256],
      [1.5, 1],
      [3, 2.5],
    ] as const) {
      await assert.rejects(
        seal.split(randomBytes(32), config(n, t)),
        (e: unknown) => BarrierError.is(e, 'INVALID_SEAL_CONFIG'),
        `${n}/${t}`,
      );
    }
    for (const [n, t] of [
      [1, 1],
      [2, 2],
      [5, 3],
      [255, 255],
      [255, 2],
    ] as const) {
      assert.doesNotThrow(() => seal.validateConfig(config(n, t)), `${n}/${t}`);
    }
    assert.throws(
      () => seal.validateConfig({ type: 'transit', secretShares: 1, secretThreshold: 1 }),
      (e: unknown) => BarrierError.is(e, 'INVALID_SEAL_CONFIG'),
    );
  });

  void it('recognises well-formed shares by length', () => {
    assert.ok(seal.isWellFormedShare(new Uint8Array(33).fill(1), config(5, 3), 32));
    assert.ok(!seal.isWellFormedShare(new Uint8Array(32), config(5, 3), 32));
    assert.ok(!seal.isWellFormedShare(new Uint8Array(33), config(5, 3), 32), 'x-coordinate 0');
    assert.ok(seal.isWellFormedShare(new Uint8Array(32), config(1, 1), 32));
    assert.ok(!seal.isWellFormedShare(new Uint8Array(33), config(1, 1), 32));
  });
});

void describe('share encoding', () => {
  void it('prints hex and base64 and parses either back', async () => {
    for (const share of await seal.split(randomBytes(32), config(3, 2))) {
      const hex = shareToHex(share);
      const b64 = shareToBase64(share);
      assert.match(hex, /^[0-9a-f]{66}$/);
      assert.equal(b64.length, 44);
      assert.deepEqual(parseShare(hex), share);
      assert.deepEqual(parseShare(hex.toUpperCase()), share);
      assert.deepEqual(parseShare(` ${b64}\n`), share);
    }
  });

  void it('parses a Vault-printed base64 unseal key', () => {
    const share = parseShare('AkbLwOGYPGVn36KtvOL9/HN75G6ZPRBbq1nVNJwMy+it');
    assert.equal(share.byteLength, 33);
    assert.equal(shareToBase64(share), 'AkbLwOGYPGVn36KtvOL9/HN75G6ZPRBbq1nVNJwMy+it');
  });

  void it('refuses text that is neither hex nor base64, without echoing it', () => {
    for (const bad of ['', 'zz', 'abc', 'not base64!', 'AAA', 'A===']) {
      assert.throws(
        () => parseShare(bad),
        (e: unknown) => BarrierError.is(e, 'INVALID_UNSEAL_KEY') && (bad === '' || !e.message.includes(bad)),
        JSON.stringify(bad),
      );
    }
  });
});
