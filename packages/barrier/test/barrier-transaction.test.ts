import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Barrier } from '../src/barrier.js';
import { BarrierError } from '../src/barrier-error.js';
import { InmemBackend } from '../src/inmem-backend.js';
import type { BackendSupports, PhysicalBackend, TxnOp } from '../src/physical-backend.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array | undefined): string | undefined =>
  b === undefined ? undefined : new TextDecoder().decode(b);

/** InmemBackend plus a recording `transaction` (or none, with `transactions: false`). */
class RecordingBackend extends InmemBackend {
  override readonly supports: BackendSupports;
  readonly transactions: TxnOp[][] = [];
  readonly puts: string[] = [];

  constructor(transactions: boolean) {
    super();
    this.supports = Object.freeze({ transactions });
  }

  override async put(key: string, value: Uint8Array): Promise<void> {
    this.puts.push(key);
    await super.put(key, value);
  }

  override async transaction(ops: readonly TxnOp[]): Promise<void> {
    this.transactions.push([...ops]);
    for (const op of ops) {
      if (op.kind === 'put') await super.put(op.key, op.value);
      else await super.delete(op.key);
    }
  }
}

async function unsealedOn(backend: PhysicalBackend): Promise<Barrier> {
  const barrier = await Barrier.open(backend);
  const { shares } = await barrier.initialize({ secretShares: 1, secretThreshold: 1 });
  await barrier.unseal(shares[0] as Uint8Array);
  return barrier;
}

void describe('Barrier.transaction', () => {
  void it('encrypts every put and hands the whole batch, prefixed by the view, to one backend transaction', async () => {
    const backend = new RecordingBackend(true);
    const barrier = await unsealedOn(backend);
    await barrier.put('kv/gone', text('old'));
    const view = barrier.view('kv/');
    assert.ok(view.transaction !== undefined);
    await view.transaction([
      { kind: 'put', key: 'a', value: text('secret-a') },
      { kind: 'put', key: 'b', value: text('secret-b') },
      { kind: 'delete', key: 'gone' },
    ]);
    const last = backend.transactions.at(-1);
    assert.deepEqual(
      last?.map((op) => `${op.kind} ${op.key}`),
      ['put kv/a', 'put kv/b', 'delete kv/gone'],
    );
    for (const op of last ?? []) {
      if (op.kind !== 'put') continue;
      assert.ok(!Buffer.from(op.value).toString('latin1').includes('secret-'), 'stored in plaintext');
    }
    assert.equal(str(await view.get('a')), 'secret-a');
    assert.equal(str(await view.get('b')), 'secret-b');
    assert.equal(await view.get('gone'), undefined);
  });

  void it('refuses a batch touching a reserved key before writing any of it', async () => {
    const backend = new RecordingBackend(true);
    const barrier = await unsealedOn(backend);
    const before = backend.transactions.length;
    await assert.rejects(
      barrier.transaction([
        { kind: 'put', key: 'ok', value: text('x') },
        { kind: 'put', key: 'core/keyring', value: text('x') },
      ]),
      (e: unknown) => e instanceof BarrierError && e.code === 'RESERVED_PATH',
    );
    assert.equal(backend.transactions.length, before);
    assert.equal(await barrier.get('ok'), undefined);
  });

  void it('applies the operations in order on a backend without transactions', async () => {
    const backend = new RecordingBackend(false);
    const barrier = await unsealedOn(backend);
    const puts = backend.puts.length;
    await barrier.view('m/').transaction?.([
      { kind: 'put', key: 'one', value: text('1') },
      { kind: 'put', key: 'two', value: text('2') },
    ]);
    assert.equal(backend.transactions.length, 0);
    assert.deepEqual(backend.puts.slice(puts), ['m/one', 'm/two']);
    assert.equal(str(await barrier.get('m/two')), '2');
  });

  void it('fails on a sealed barrier', async () => {
    const barrier = await Barrier.open(new InmemBackend());
    await barrier.initialize({ secretShares: 1, secretThreshold: 1 });
    await assert.rejects(
      barrier.transaction([{ kind: 'put', key: 'k', value: text('v') }]),
      (e: unknown) => e instanceof BarrierError && e.code === 'BARRIER_SEALED',
    );
  });
});
