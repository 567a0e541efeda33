import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StorageView, TxnOp } from '@coffer/barrier';
import { createKvEngineFactory } from '../../src/engines/kv/kv-engine-factory.js';
import { memoryStorage } from '../logical/memory-storage.js';
import { EngineHarness, TestClock } from './engine-harness.js';

/** A storage view with `transaction`, recording single writes and transactions. */
function transactional(inner: StorageView, log: { single: string[]; txns: string[][] }): StorageView {
  return {
    prefix: inner.prefix,
    get: (key) => inner.get(key),
    list: (prefix) => inner.list(prefix),
    put: async (key, value) => {
      log.single.push(`put ${inner.prefix}${key}`);
      await inner.put(key, value);
    },
    delete: async (key) => {
      log.single.push(`delete ${inner.prefix}${key}`);
      await inner.delete(key);
    },
    view: (prefix) => transactional(inner.view(prefix), log),
    transaction: async (ops: readonly TxnOp[]) => {
      log.txns.push(ops.map((op) => `${op.kind} ${inner.prefix}${op.key}`));
      for (const op of ops) {
        if (op.kind === 'put') await inner.put(op.key, op.value);
        else await inner.delete(op.key);
      }
    },
  };
}

void describe('KV v2 writes on transactional storage', () => {
  void it('store version, metadata and trimmed versions as one transaction per write', async () => {
    const log = { single: [] as string[], txns: [] as string[][] };
    const storage = transactional(memoryStorage(), log);
    const engine = await createKvEngineFactory({ now: new TestClock('2024-05-01T10:00:00.000Z').now }).create(
      { path: 'secret/', type: 'kv', accessor: 'kv_2', uuid: 'u-2', options: { version: '2' } },
      storage,
    );
    const kv = new EngineHarness(engine, storage);
    await kv.write('metadata/app', { max_versions: 2 });
    log.single.length = 0;
    log.txns.length = 0;
    for (let i = 1; i <= 3; i++) await kv.write('data/app', { data: { n: i } });

    assert.deepEqual(log.single, [], 'no write outside a transaction');
    assert.equal(log.txns.length, 3);
    for (const txn of log.txns) {
      assert.match(txn[0] ?? '', /^put versions\/[0-9a-f]{64}\/\d$/);
      assert.equal(txn[1], 'put metadata/app');
    }
    // The third write trims version 1 in the same transaction.
    assert.equal(log.txns[2]?.length, 3);
    assert.match(log.txns[2]?.[2] ?? '', /^delete versions\/[0-9a-f]{64}\/1$/);

    const current = await kv.read('data/app');
    assert.deepEqual((current?.data as { data: unknown }).data, { n: 3 });
    const trimmedKey = (log.txns[2]?.[2] ?? '').slice('delete '.length);
    assert.equal(await storage.get(trimmedKey), undefined, 'version 1 record deleted');
  });
});
