import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Barrier } from '../src/barrier.js';
import { BarrierError } from '../src/barrier-error.js';
import { InmemBackend } from '../src/inmem-backend.js';
import { SealAccess } from '../src/seal-access.js';
import { ShamirSeal } from '../src/shamir-seal.js';
import { ShareCollector } from '../src/share-collector.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const isCode = (code: string) => (e: unknown) => BarrierError.is(e) && e.code === code;

async function unsealedBarrier(n: number, t: number) {
  const backend = new InmemBackend();
  const barrier = await Barrier.open(backend);
  const { shares } = await barrier.initialize({ secretShares: n, secretThreshold: t });
  for (const s of shares.slice(0, t)) await barrier.unseal(s);
  return { backend, barrier, shares };
}

void describe('SealAccess', () => {
  void it('round-trips under the same unseal key and purpose', () => {
    const key = randomBytes(32);
    const a = SealAccess.fromUnsealKey(key);
    const b = SealAccess.fromUnsealKey(key);
    const ct = a.encrypt('raft-challenge/node2', text('hello'));
    assert.deepEqual(b.decrypt('raft-challenge/node2', ct), text('hello'));
  });

  void it('fails with DECRYPTION_FAILED under another key or another purpose', () => {
    const a = SealAccess.fromUnsealKey(randomBytes(32));
    const ct = a.encrypt('p1', text('x'));
    assert.throws(
      () => SealAccess.fromUnsealKey(randomBytes(32)).decrypt('p1', ct),
      isCode('DECRYPTION_FAILED'),
    );
    assert.throws(() => a.decrypt('p2', ct), isCode('DECRYPTION_FAILED'));
  });

  void it('derives a key different from the unseal key itself', async () => {
    const { backend, barrier } = await unsealedBarrier(1, 1);
    const access = barrier.sealAccess();
    // The root key blob is encrypted under the raw unseal key: the derived key must not open it.
    const rootBlob = await backend.get('core/root-key');
    assert.ok(rootBlob !== undefined);
    assert.throws(() => access.decrypt('core/root-key', rootBlob), isCode('DECRYPTION_FAILED'));
  });

  void it('refuses a key of the wrong length and works no more after wipe', () => {
    assert.throws(() => SealAccess.fromUnsealKey(randomBytes(16)), isCode('INVALID_UNSEAL_KEY'));
    const a = SealAccess.fromUnsealKey(randomBytes(32));
    const ct = a.encrypt('p', text('x'));
    a.wipe();
    assert.throws(() => a.decrypt('p', ct), isCode('DECRYPTION_FAILED'));
  });

  void it('is only available while unsealed', async () => {
    const { barrier } = await unsealedBarrier(3, 2);
    assert.ok(barrier.sealAccess() instanceof SealAccess);
    await barrier.seal();
    assert.throws(() => barrier.sealAccess(), isCode('BARRIER_SEALED'));
  });
});

void describe('ShareCollector', () => {
  void it('combines the threshold of shares into the key the barrier was initialized with', async () => {
    const { barrier, shares } = await unsealedBarrier(5, 3);
    const ct = barrier.sealAccess().encrypt('challenge', text('proof'));
    const collector = new ShareCollector({ type: 'shamir', secretShares: 5, secretThreshold: 3 });
    assert.equal(await collector.submit(shares[4]!), undefined);
    assert.equal(collector.progress, 1);
    assert.equal(await collector.submit(shares[4]!), undefined, 'a repeated share is ignored');
    assert.equal(collector.progress, 1);
    assert.equal(await collector.submit(shares[1]!), undefined);
    const nonce = collector.nonce;
    const key = await collector.submit(shares[2]!);
    assert.ok(key !== undefined);
    assert.equal(collector.progress, 0, 'the attempt resets once combined');
    assert.notEqual(collector.nonce, nonce);
    assert.deepEqual(SealAccess.fromUnsealKey(key).decrypt('challenge', ct), text('proof'));
  });

  void it('refuses malformed shares without touching progress; wrong shares give a key that fails the AEAD check', async () => {
    const { barrier } = await unsealedBarrier(3, 2);
    const ct = barrier.sealAccess().encrypt('challenge', text('proof'));
    const other = await unsealedBarrier(3, 2);
    const collector = new ShareCollector({ type: 'shamir', secretShares: 3, secretThreshold: 2 });
    await collector.submit(other.shares[0]!);
    await assert.rejects(collector.submit(randomBytes(7)), isCode('INVALID_UNSEAL_KEY'));
    assert.equal(collector.progress, 1);
    const wrong = await collector.submit(other.shares[1]!);
    assert.ok(wrong !== undefined);
    assert.throws(
      () => SealAccess.fromUnsealKey(wrong).decrypt('challenge', ct),
      isCode('DECRYPTION_FAILED'),
    );
  });

  void it('validates the seal configuration it is given', () => {
    assert.throws(
      () => new ShareCollector({ type: 'shamir', secretShares: 2, secretThreshold: 3 }),
      isCode('INVALID_SEAL_CONFIG'),
    );
    assert.throws(
      () => new ShareCollector({ type: 'transit', secretShares: 1, secretThreshold: 1 }, new ShamirSeal()),
      isCode('INVALID_SEAL_CONFIG'),
    );
  });
});

void describe('Barrier.unsealWithKey / refresh', () => {
  void it('opens a barrier whose data arrived after open, with a key combined elsewhere', async () => {
    const source = await unsealedBarrier(3, 2);
    await source.barrier.put('secret/a', text('v1'));
    const collector = new ShareCollector({ type: 'shamir', secretShares: 3, secretThreshold: 2 });
    await collector.submit(source.shares[0]!);
    const key = (await collector.submit(source.shares[2]!))!;

    // A "joining node": its backend is empty when the barrier opens, filled by replication later.
    const replica = new InmemBackend();
    const joiner = await Barrier.open(replica);
    assert.equal(joiner.state().kind, 'uninitialized');
    assert.equal((await joiner.refresh()).kind, 'uninitialized');
    await assert.rejects(joiner.unsealWithKey(key), isCode('NOT_INITIALIZED'));
    for (const k of ['core/seal-config', 'core/root-key', 'core/keyring', 'secret/a']) {
      await replica.put(k, (await source.backend.get(k))!);
    }
    const status = await joiner.unsealWithKey(key);
    assert.equal(status.sealed, false);
    assert.deepEqual(await joiner.get('secret/a'), text('v1'));
    // The joiner can now issue challenges that the source's key holders can answer.
    const ct = joiner.sealAccess().encrypt('c', text('z'));
    assert.deepEqual(source.barrier.sealAccess().decrypt('c', ct), text('z'));
  });

  void it('refuses a wrong key and stays sealed; refresh turns uninitialized into sealed', async () => {
    const source = await unsealedBarrier(1, 1);
    const replica = new InmemBackend();
    const joiner = await Barrier.open(replica);
    for (const k of ['core/seal-config', 'core/root-key', 'core/keyring'])
      await replica.put(k, (await source.backend.get(k))!);
    const state = await joiner.refresh();
    assert.equal(state.kind, 'sealed');
    await assert.rejects(joiner.unsealWithKey(randomBytes(32)), isCode('INVALID_UNSEAL_KEY'));
    assert.equal(joiner.state().kind, 'sealed');
    await joiner.unseal(source.shares[0]!);
    assert.equal(joiner.state().kind, 'unsealed');
  });

  void it('a sealed barrier adopts a replaced seal configuration (another cluster restored), not mid-attempt', async () => {
    const a = await unsealedBarrier(5, 3);
    const b = await unsealedBarrier(3, 2);
    await a.barrier.seal();
    assert.deepEqual([a.barrier.sealStatus().n, a.barrier.sealStatus().t], [5, 3]);
    // B's state replaces A's underneath (what a force restore of B's snapshot does).
    for (const k of ['core/seal-config', 'core/root-key', 'core/keyring'])
      await a.backend.put(k, (await b.backend.get(k))!);
    await a.barrier.unseal(a.shares[0]!);
    assert.equal((await a.barrier.refresh()).kind, 'sealed');
    assert.deepEqual(
      [a.barrier.sealStatus().n, a.barrier.sealStatus().t],
      [5, 3],
      'an attempt under way keeps its config',
    );
    a.barrier.resetUnseal();
    await a.barrier.refresh();
    assert.deepEqual([a.barrier.sealStatus().n, a.barrier.sealStatus().t], [3, 2]);
    await a.barrier.unseal(b.shares[0]!);
    const status = await a.barrier.unseal(b.shares[1]!);
    assert.equal(status.sealed, false, "two of B's shares unseal the restored state");
  });
});
