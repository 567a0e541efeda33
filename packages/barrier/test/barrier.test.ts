import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AEAD_OVERHEAD_BYTES, AEAD_VERSION, aeadDecrypt, aeadTerm } from '../src/aead.js';
import { Barrier } from '../src/barrier.js';
import { BarrierError, type BarrierErrorCode } from '../src/barrier-error.js';
import { FileBackend } from '../src/file-backend.js';
import { InmemBackend } from '../src/inmem-backend.js';
import type { PhysicalBackend } from '../src/physical-backend.js';
import { CORE_KEYRING, CORE_ROOT_KEY, CORE_SEAL_CONFIG } from '../src/reserved-keys.js';
import { ShamirSeal } from '../src/shamir-seal.js';
import { shareToBase64, shareToHex } from '../src/share-encoding.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array | undefined): string | undefined =>
  b === undefined ? undefined : new TextDecoder().decode(b);
const code = (c: BarrierErrorCode) => (e: unknown) => {
  assert.ok(e instanceof BarrierError, `expected BarrierError ${c}, got ${String(e)}`);
  assert.equal(e.code, c);
  return true;
};

async function initialized(n = 3, t = 2, backend: PhysicalBackend = new InmemBackend()) {
  const barrier = await Barrier.open(backend);
  const { shares } = await barrier.initialize({ secretShares: n, secretThreshold: t });
  return { backend, barrier, shares };
}

async function unsealed(n = 3, t = 2, backend: PhysicalBackend = new InmemBackend()) {
  const r = await initialized(n, t, backend);
  for (const s of r.shares.slice(0, t)) await r.barrier.unseal(s);
  assert.equal(r.barrier.state().kind, 'unsealed');
  return r;
}

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-barrier-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every logical data call must fail with BARRIER_SEALED. */
async function assertRefusesData(b: Barrier): Promise<void> {
  await assert.rejects(b.get('secret/a'), code('BARRIER_SEALED'));
  await assert.rejects(b.put('secret/a', text('x')), code('BARRIER_SEALED'));
  await assert.rejects(b.delete('secret/a'), code('BARRIER_SEALED'));
  await assert.rejects(b.list(''), code('BARRIER_SEALED'));
  await assert.rejects(b.list('secret/'), code('BARRIER_SEALED'));
  const v = b.view('secret/');
  await assert.rejects(v.get('a'), code('BARRIER_SEALED'));
  await assert.rejects(v.put('a', text('x')), code('BARRIER_SEALED'));
  await assert.rejects(v.delete('a'), code('BARRIER_SEALED'));
  await assert.rejects(v.list(''), code('BARRIER_SEALED'));
  assert.throws(() => b.keyStatus(), code('BARRIER_SEALED'));
  assert.throws(() => b.keyringFingerprint(), code('BARRIER_SEALED'));
  await assert.rejects(b.rotate(), code('BARRIER_SEALED'));
  await assert.rejects(b.reloadKeyring(), code('BARRIER_SEALED'));
}

void describe('Barrier lifecycle', () => {
  void it('opens uninitialized on an empty backend and refuses everything but initialize', async () => {
    const backend = new InmemBackend();
    const b = await Barrier.open(backend);
    assert.deepEqual(b.state(), { kind: 'uninitialized' });
    assert.deepEqual(b.sealStatus(), {
      type: 'shamir',
      initialized: false,
      sealed: true,
      t: 0,
      n: 0,
      progress: 0,
      nonce: '',
    });
    await assertRefusesData(b);
    await assert.rejects(b.unseal(new Uint8Array(33)), code('NOT_INITIALIZED'));
    await assert.rejects(b.seal(), code('NOT_INITIALIZED'));
    assert.throws(() => b.resetUnseal(), code('NOT_INITIALIZED'));
    assert.deepEqual(await backend.list(''), []);
  });

  void it('initialize stores the reserved keys and leaves the barrier sealed', async () => {
    const { backend, barrier, shares } = await initialized(5, 3);
    assert.equal(shares.length, 5);
    for (const s of shares) assert.equal(s.byteLength, 33);
    const state = barrier.state();
    assert.equal(state.kind, 'sealed');
    assert.ok(state.kind === 'sealed' && state.progress === 0 && state.nonce.length > 0);
    assert.deepEqual(state.kind === 'sealed' && state.config, {
      type: 'shamir',
      secretShares: 5,
      secretThreshold: 3,
    });
    const status = barrier.sealStatus();
    assert.deepEqual(
      { ...status, nonce: '' },
      { type: 'shamir', initialized: true, sealed: true, t: 3, n: 5, progress: 0, nonce: '' },
    );
    assert.deepEqual(await backend.list('core/'), ['keyring', 'root-key', 'seal-config']);
    assert.deepEqual(JSON.parse(str(await backend.get(CORE_SEAL_CONFIG)) ?? ''), {
      type: 'shamir',
      secret_shares: 5,
      secret_threshold: 3,
    });
    await assertRefusesData(barrier);
  });

  void it('refuses a second initialize, also from a barrier opened before the first', async () => {
    const backend = new InmemBackend();
    const early = await Barrier.open(backend);
    const { barrier } = await initialized(1, 1, backend);
    await assert.rejects(
      barrier.initialize({ secretShares: 1, secretThreshold: 1 }),
      code('ALREADY_INITIALIZED'),
    );
    await assert.rejects(
      early.initialize({ secretShares: 1, secretThreshold: 1 }),
      code('ALREADY_INITIALIZED'),
    );
  });

  void it('refuses invalid seal configurations and writes nothing', async () => {
    const backend = new InmemBackend();
    const b = await Barrier.open(backend);
    for (const [n, t] of [
      [0, 0],
      [1, 0],
      [2, 1],
      [3, 4],
      [256, 3],
      [3, 256],
      [2.5, 2],
      [-1, -1],
    ] as const) {
      await assert.rejects(
        b.initialize({ secretShares: n, secretThreshold: t }),
        code('INVALID_SEAL_CONFIG'),
        `${n}/${t}`,
      );
    }
    assert.equal(b.state().kind, 'uninitialized');
    assert.deepEqual(await backend.list(''), []);
  });

  void it('1-of-1: the single share is 32 bytes and unseals', async () => {
    const { barrier, shares } = await initialized(1, 1);
    assert.equal(shares.length, 1);
    assert.equal(shares[0]?.byteLength, 32);
    const status = await barrier.unseal(shares[0] as Uint8Array);
    assert.equal(status.sealed, false);
    assert.deepEqual(barrier.state(), {
      kind: 'unsealed',
      config: { type: 'shamir', secretShares: 1, secretThreshold: 1 },
    });
  });

  void it('5/3: any 3 of the 5 shares unseal, in any order', async () => {
    const backend = new InmemBackend();
    const { shares } = await initialized(5, 3, backend);
    const idx = [0, 1, 2, 3, 4];
    let tried = 0;
    for (const a of idx)
      for (const b of idx)
        for (const c of idx) {
          if (!(a < b && b < c)) continue;
          const barrier = await Barrier.open(backend);
          const order = tried % 2 === 0 ? [a, b, c] : [c, a, b];
          const p1 = await barrier.unseal(shares[order[0] as number] as Uint8Array);
          const p2 = await barrier.unseal(shares[order[1] as number] as Uint8Array);
          assert.deepEqual([p1.progress, p2.progress, p1.nonce === p2.nonce, p2.sealed], [1, 2, true, true]);
          const done = await barrier.unseal(shares[order[2] as number] as Uint8Array);
          assert.deepEqual([done.sealed, done.progress], [false, 0], `shares ${order.join(',')}`);
          tried++;
        }
    assert.equal(tried, 10);
  });

  void it('a duplicate share is ignored (as in Vault) and does not count towards the threshold', async () => {
    const { barrier, shares } = await initialized(3, 2);
    const s0 = shares[0] as Uint8Array;
    assert.equal((await barrier.unseal(s0)).progress, 1);
    assert.equal((await barrier.unseal(Uint8Array.from(s0))).progress, 1);
    assert.equal(barrier.state().kind, 'sealed');
    assert.equal((await barrier.unseal(shares[2] as Uint8Array)).sealed, false);
  });

  void it('a malformed share is refused without changing progress', async () => {
    const { barrier, shares } = await initialized(3, 2);
    await barrier.unseal(shares[0] as Uint8Array);
    const { nonce } = barrier.sealStatus();
    await assert.rejects(barrier.unseal(new Uint8Array(32).fill(7)), code('INVALID_UNSEAL_KEY'));
    await assert.rejects(barrier.unseal(new Uint8Array(34).fill(7)), code('INVALID_UNSEAL_KEY'));
    assert.deepEqual([barrier.sealStatus().progress, barrier.sealStatus().nonce], [1, nonce]);
  });

  void it('wrong shares fail with INVALID_UNSEAL_KEY, reset progress, and never unseal', async () => {
    const { barrier, shares } = await initialized(3, 2);
    const forged = Uint8Array.from(shares[1] as Uint8Array);
    forged[0] = (forged[0] as number) ^ 0xff;
    await barrier.unseal(shares[0] as Uint8Array);
    const nonce = barrier.sealStatus().nonce;
    await assert.rejects(barrier.unseal(forged), (e: unknown) => {
      code('INVALID_UNSEAL_KEY')(e);
      const msg = (e as Error).message;
      assert.ok(
        !msg.includes(shareToHex(forged)) && !msg.includes(shareToBase64(forged)),
        'share in message',
      );
      return true;
    });
    const after = barrier.sealStatus();
    assert.deepEqual([after.sealed, after.progress], [true, 0]);
    assert.notEqual(after.nonce, nonce);
    await assertRefusesData(barrier);
    // A fresh attempt with good shares still works.
    await barrier.unseal(shares[2] as Uint8Array);
    assert.equal((await barrier.unseal(shares[1] as Uint8Array)).sealed, false);
  });

  void it('shares from two different initializations never unseal, mixed or whole', async () => {
    const a = await initialized(5, 3);
    const other = await initialized(5, 3);
    const attempts = [
      other.shares.slice(0, 3), // a complete set for the wrong barrier
      [a.shares[0], a.shares[1], other.shares[0]],
      [other.shares[4], a.shares[2], a.shares[3]],
    ] as Uint8Array[][];
    for (const attempt of attempts) {
      await a.barrier.unseal(attempt[0] as Uint8Array);
      await a.barrier.unseal(attempt[1] as Uint8Array);
      await assert.rejects(a.barrier.unseal(attempt[2] as Uint8Array), code('INVALID_UNSEAL_KEY'));
      assert.deepEqual([a.barrier.state().kind, a.barrier.sealStatus().progress], ['sealed', 0]);
    }
    for (const s of a.shares.slice(2)) await a.barrier.unseal(s);
    assert.equal(a.barrier.state().kind, 'unsealed');
  });

  void it('resetUnseal clears progress with a new nonce; refused when unsealed', async () => {
    const { barrier, shares } = await initialized(3, 2);
    const before = barrier.sealStatus().nonce;
    await barrier.unseal(shares[0] as Uint8Array);
    barrier.resetUnseal();
    const after = barrier.sealStatus();
    assert.equal(after.progress, 0);
    assert.notEqual(after.nonce, before);
    // The share submitted before the reset no longer counts.
    await barrier.unseal(shares[1] as Uint8Array);
    assert.equal(barrier.state().kind, 'sealed');
    await barrier.unseal(shares[2] as Uint8Array);
    assert.equal(barrier.state().kind, 'unsealed');
    assert.throws(() => barrier.resetUnseal(), code('ALREADY_UNSEALED'));
  });

  void it('concurrent unseal calls are serialized and unseal exactly once', async () => {
    const { barrier, shares } = await initialized(5, 3);
    const statuses = await Promise.all(shares.map((s) => barrier.unseal(s)));
    assert.deepEqual(
      statuses.map((s) => [s.sealed, s.progress]),
      [
        [true, 1],
        [true, 2],
        [false, 0],
        [false, 0],
        [false, 0],
      ],
    );
  });

  void it('unseal on an unsealed barrier just reports the status', async () => {
    const { barrier, shares } = await unsealed(3, 2);
    assert.equal((await barrier.unseal(shares[2] as Uint8Array)).sealed, false);
  });

  void it('seal forgets the keys: every read and write is refused until unsealed again', async () => {
    const { backend, barrier, shares } = await unsealed(3, 2);
    await barrier.put('secret/a', text('A'));
    const physicalBefore = await backend.get('secret/a');
    await barrier.seal();
    assert.equal(barrier.state().kind, 'sealed');
    assert.equal(barrier.sealStatus().progress, 0);
    await assertRefusesData(barrier);
    assert.deepEqual(await backend.get('secret/a'), physicalBefore, 'a refused put must not write');
    await barrier.seal(); // sealing a sealed barrier is a no-op
    await barrier.unseal(shares[1] as Uint8Array);
    await barrier.unseal(shares[2] as Uint8Array);
    assert.equal(str(await barrier.get('secret/a')), 'A');
  });

  void it('opening with a seal of another type, or over a corrupt seal config, is refused', async () => {
    const { backend } = await initialized(1, 1);
    const other = Object.assign(Object.create(ShamirSeal.prototype) as ShamirSeal, { type: 'transit' });
    await assert.rejects(Barrier.open(backend, { seal: other }), code('INVALID_SEAL_CONFIG'));
    await backend.put(CORE_SEAL_CONFIG, text('{"type":"shamir","secret_shares":2,"secret_threshold":1}'));
    await assert.rejects(Barrier.open(backend), code('INVALID_SEAL_CONFIG'));
    await backend.put(CORE_SEAL_CONFIG, text('garbage'));
    await assert.rejects(Barrier.open(backend), code('INVALID_SEAL_CONFIG'));
  });

  void it('works over a backend without transactions', async () => {
    const inner = new InmemBackend();
    const plain: PhysicalBackend = {
      supports: { transactions: false },
      get: (k) => inner.get(k),
      put: (k, v) => inner.put(k, v),
      delete: (k) => inner.delete(k),
      list: (p) => inner.list(p),
      close: () => inner.close(),
    };
    const { barrier } = await unsealed(2, 2, plain);
    await barrier.put('x', text('y'));
    assert.equal(str(await barrier.get('x')), 'y');
  });
});

void describe('Barrier data path', () => {
  void it('round-trips values; the backend holds only AEAD ciphertext', async () => {
    const { backend, barrier } = await unsealed();
    await barrier.put('secret/foo', text('bar'));
    await barrier.put('secret/empty', new Uint8Array(0));
    assert.equal(str(await barrier.get('secret/foo')), 'bar');
    assert.deepEqual(await barrier.get('secret/empty'), new Uint8Array(0));
    assert.equal(await barrier.get('secret/missing'), undefined);
    const raw = await backend.get('secret/foo');
    assert.ok(raw);
    assert.equal(raw.byteLength, 3 + AEAD_OVERHEAD_BYTES);
    assert.equal(aeadTerm(raw), 1);
    assert.equal(raw[4], AEAD_VERSION);
    assert.deepEqual(await barrier.list('secret/'), ['empty', 'foo']);
    await barrier.delete('secret/foo');
    assert.equal(await barrier.get('secret/foo'), undefined);
    assert.deepEqual(await barrier.list('secret/'), ['empty']);
  });

  void it('a value moved to another path fails to decrypt', async () => {
    const { backend, barrier } = await unsealed();
    await barrier.put('secret/a', text('value of a'));
    await backend.put('secret/b', (await backend.get('secret/a')) as Uint8Array);
    await assert.rejects(barrier.get('secret/b'), (e: unknown) => {
      code('DECRYPTION_FAILED')(e);
      assert.ok(!(e as Error).message.includes('value of a'));
      return true;
    });
  });

  void it('one flipped byte anywhere fails to decrypt', async () => {
    const { backend, barrier } = await unsealed();
    await barrier.put('secret/a', text('abc'));
    const raw = (await backend.get('secret/a')) as Uint8Array;
    for (let i = 0; i < raw.byteLength; i++) {
      const bad = Uint8Array.from(raw);
      bad[i] = (bad[i] as number) ^ 0x01;
      await backend.put('secret/a', bad);
      await assert.rejects(barrier.get('secret/a'), code('DECRYPTION_FAILED'), `byte ${i}`);
    }
  });

  void it('views prefix keys and nest', async () => {
    const { backend, barrier } = await unsealed();
    const kv = barrier.view('logical/abc/');
    await kv.put('foo', text('1'));
    await kv.view('sub/').put('bar', text('2'));
    assert.equal(kv.prefix, 'logical/abc/');
    assert.equal(kv.view('sub/').prefix, 'logical/abc/sub/');
    assert.deepEqual(await kv.list(''), ['foo', 'sub/']);
    assert.equal(str(await barrier.get('logical/abc/sub/bar')), '2');
    assert.deepEqual(await backend.list('logical/abc/'), ['foo', 'sub/']);
    await kv.delete('foo');
    assert.equal(await kv.get('foo'), undefined);
  });

  void it('refuses logical access to the reserved keys and hides them from listings', async () => {
    const { barrier } = await unsealed();
    for (const k of [CORE_SEAL_CONFIG, CORE_ROOT_KEY, CORE_KEYRING]) {
      await assert.rejects(barrier.get(k), code('RESERVED_PATH'));
      await assert.rejects(barrier.put(k, text('x')), code('RESERVED_PATH'));
      await assert.rejects(barrier.delete(k), code('RESERVED_PATH'));
    }
    await assert.rejects(barrier.view('core/').get('keyring'), code('RESERVED_PATH'));
    await barrier.put('core/mounts', text('m'));
    assert.equal(str(await barrier.get('core/mounts')), 'm');
    assert.deepEqual(await barrier.list('core/'), ['mounts']);
    assert.deepEqual(await barrier.list(''), ['core/']);
  });

  void it('rotate installs a new term; old values still decrypt; the keyring is persisted', async () => {
    let clock = new Date('2024-05-06T07:08:09.000Z');
    const backend = new InmemBackend();
    const b0 = await Barrier.open(backend, { now: () => clock });
    const { shares } = await b0.initialize({ secretShares: 1, secretThreshold: 1 });
    await b0.unseal(shares[0] as Uint8Array);
    assert.deepEqual(b0.keyStatus(), { term: 1, installTime: '2024-05-06T07:08:09.000Z', encryptions: 0 });
    await b0.put('old', text('term one'));
    await b0.put('old2', text('term one'));
    assert.equal(b0.keyStatus().encryptions, 2);
    clock = new Date('2024-06-01T00:00:00.000Z');
    const status = await b0.rotate();
    assert.deepEqual(status, { term: 2, installTime: '2024-06-01T00:00:00.000Z', encryptions: 0 });
    await b0.put('new', text('term two'));
    assert.equal(b0.keyStatus().encryptions, 1);
    assert.equal(aeadTerm((await backend.get('old')) as Uint8Array), 1);
    assert.equal(aeadTerm((await backend.get('new')) as Uint8Array), 2);
    assert.equal(str(await b0.get('old')), 'term one');
    // A fresh barrier on the same storage sees term 2 and both values.
    const b1 = await Barrier.open(backend);
    await b1.unseal(shares[0] as Uint8Array);
    assert.equal(b1.keyStatus().term, 2);
    assert.equal(str(await b1.get('old')), 'term one');
    assert.equal(str(await b1.get('new')), 'term two');
  });

  void it('concurrent puts during a rotation all stay readable', async () => {
    const { barrier } = await unsealed();
    const writes = Array.from({ length: 200 }, (_, i) => barrier.put(`c/${i}`, text(`v${i}`)));
    const rotation = barrier.rotate();
    const more = Array.from({ length: 200 }, (_, i) => barrier.put(`d/${i}`, text(`w${i}`)));
    await Promise.all([...writes, rotation, ...more]);
    for (let i = 0; i < 200; i++) {
      assert.equal(str(await barrier.get(`c/${i}`)), `v${i}`);
      assert.equal(str(await barrier.get(`d/${i}`)), `w${i}`);
    }
  });

  void it('reloadKeyring lets a second barrier (a standby) read values of a rotated term', async () => {
    const { backend, barrier: active, shares } = await unsealed(3, 2);
    const standby = await Barrier.open(backend);
    await standby.unseal(shares[0] as Uint8Array);
    await standby.unseal(shares[1] as Uint8Array);
    await active.rotate();
    await active.put('after', text('rotated'));
    await assert.rejects(standby.get('after'), code('DECRYPTION_FAILED'));
    await standby.reloadKeyring();
    assert.equal(str(await standby.get('after')), 'rotated');
    assert.equal(standby.keyringFingerprint(), active.keyringFingerprint());
  });

  void it('the stored layout decodes as documented: unseal key → root key → keyring', async () => {
    const seal = new ShamirSeal();
    const { backend, shares, barrier } = await unsealed(3, 2);
    await barrier.put('x', text('secret value'));
    const unsealKey = await seal.combine(shares.slice(1, 3));
    const rootSealed = (await backend.get(CORE_ROOT_KEY)) as Uint8Array;
    assert.equal(aeadTerm(rootSealed), 0);
    const rootKey = aeadDecrypt(unsealKey, CORE_ROOT_KEY, rootSealed);
    assert.equal(rootKey.byteLength, 32);
    const keyringSealed = (await backend.get(CORE_KEYRING)) as Uint8Array;
    assert.equal(aeadTerm(keyringSealed), 0);
    const keyring = JSON.parse(str(aeadDecrypt(rootKey, CORE_KEYRING, keyringSealed)) ?? '') as {
      version: number;
      active_term: number;
      keys: { term: number; key: string }[];
    };
    assert.deepEqual([keyring.version, keyring.active_term, keyring.keys.map((k) => k.term)], [1, 1, [1]]);
    const dataKey = Buffer.from(keyring.keys[0]?.key ?? '', 'base64');
    assert.equal(str(aeadDecrypt(dataKey, 'x', (await backend.get('x')) as Uint8Array)), 'secret value');
  });

  void it('restart on the file backend: sealed after reopen, unseal, data intact, fingerprint stable', () =>
    withTempDir(async (dir) => {
      let backend = await FileBackend.open({ path: dir });
      let fingerprint: string;
      let shares: Uint8Array[];
      try {
        const r = await unsealed(5, 3, backend);
        shares = r.shares;
        await r.barrier.put('secret/a', text('persisted'));
        await r.barrier.put('secret/日本/b', text('unicode'));
        fingerprint = r.barrier.keyringFingerprint();
      } finally {
        await backend.close();
      }
      backend = await FileBackend.open({ path: dir });
      try {
        const b = await Barrier.open(backend);
        assert.equal(b.state().kind, 'sealed');
        assert.deepEqual([b.sealStatus().t, b.sealStatus().n], [3, 5]);
        await assertRefusesData(b);
        for (const s of [shares[4], shares[0], shares[2]]) await b.unseal(s as Uint8Array);
        assert.equal(str(await b.get('secret/a')), 'persisted');
        assert.equal(str(await b.get('secret/日本/b')), 'unicode');
        assert.deepEqual(await b.list('secret/'), ['a', '日本/']);
        assert.equal(b.keyringFingerprint(), fingerprint);
        await b.rotate();
        const rotated = b.keyringFingerprint();
        assert.notEqual(rotated, fingerprint);
        await b.seal();
        await b.unseal(shares[1] as Uint8Array);
        await b.unseal(shares[3] as Uint8Array);
        await b.unseal(shares[0] as Uint8Array);
        assert.equal(b.keyringFingerprint(), rotated);
      } finally {
        await backend.close();
      }
    }));
});
