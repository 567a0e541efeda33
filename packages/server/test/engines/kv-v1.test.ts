import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../src/errors/error-code.js';
import { DEFAULT_KV_LEASE_SECONDS } from '../../src/engines/kv/kv-v1-engine.js';
import { kvEngineFactory } from '../../src/engines/kv/kv-engine-factory.js';
import type { MountInfo } from '../../src/logical/engine.js';
import { memoryStorage } from '../logical/memory-storage.js';
import { EngineHarness, expectError } from './engine-harness.js';

function mount(options: Record<string, string> = {}): MountInfo {
  return { path: 'secret/', type: 'kv', accessor: 'kv_1', uuid: 'u-1', options };
}

async function v1(options: Record<string, string> = {}): Promise<EngineHarness> {
  const storage = memoryStorage();
  return new EngineHarness(await kvEngineFactory.create(mount(options), storage), storage);
}

void describe('KV v1', () => {
  void it('is selected with no options, version "" and version "1"', async () => {
    const variants: Record<string, string>[] = [{}, { version: '' }, { version: '1' }];
    for (const options of variants) {
      const kv = await v1(options);
      await kv.write('a', { x: 1 });
      assert.deepEqual((await kv.read('a'))?.data, { x: 1 });
    }
  });

  void it('stores arbitrary JSON values verbatim and reads them back', async () => {
    const kv = await v1();
    const value = {
      s: 'str',
      n: 1.5,
      b: false,
      nul: null,
      arr: [1, 'two', { three: 3 }],
      obj: { deep: { x: 'y' } },
    };
    assert.equal(await kv.write('app/config', value), undefined);
    const resp = await kv.read('app/config');
    assert.deepEqual(resp?.data, value);
    assert.equal(resp?.warnings, undefined, 'arbitrary input is not reported as unrecognized');
  });

  void it('write is create when absent and update when present (existence check)', async () => {
    const kv = await v1();
    await kv.write('k', { v: 1 });
    assert.equal(kv.lastOperation, 'create');
    await kv.write('k', { v: 2 });
    assert.equal(kv.lastOperation, 'update');
    assert.deepEqual((await kv.read('k'))?.data, { v: 2 }, 'a write replaces the whole value');
  });

  void it('reports an advisory lease_duration: stored ttl, else the default, never a lease', async () => {
    const kv = await v1();
    await kv.write('plain', { a: 'b' });
    assert.deepEqual((await kv.read('plain'))?.secret, {
      leaseId: '',
      leaseDuration: DEFAULT_KV_LEASE_SECONDS,
      renewable: false,
    });
    await kv.write('ttl', { a: 'b', ttl: '1h' });
    assert.equal((await kv.read('ttl'))?.secret?.leaseDuration, 3600);
    await kv.write('secs', { a: 'b', ttl: 90 });
    assert.equal((await kv.read('secs'))?.secret?.leaseDuration, 90);
    await kv.write('lease', { a: 'b', lease: '2m' });
    assert.equal((await kv.read('lease'))?.secret?.leaseDuration, 120);
    await kv.write('junk', { a: 'b', ttl: 'soon' });
    assert.equal((await kv.read('junk'))?.secret?.leaseDuration, DEFAULT_KV_LEASE_SECONDS);
  });

  void it('read of a missing key is 404 with no message', async () => {
    const kv = await v1();
    await expectError(kv.read('nope'), ErrorCode.NotFound, '');
    await expectError(kv.read(''), ErrorCode.NotFound, '');
  });

  void it('write refuses an empty body and an empty path (400)', async () => {
    const kv = await v1();
    await expectError(kv.write('k', {}), ErrorCode.BadRequest, 'missing data fields');
    await expectError(kv.write('', { a: 1 }), ErrorCode.BadRequest, 'missing path');
  });

  void it('delete removes the key and is idempotent (204)', async () => {
    const kv = await v1();
    await kv.write('k', { a: 1 });
    assert.equal(await kv.delete('k'), undefined);
    await expectError(kv.read('k'), ErrorCode.NotFound, '');
    assert.equal(await kv.delete('k'), undefined);
    assert.equal(await kv.delete(''), undefined);
  });

  void it('list returns direct children, folders ending in /, sorted', async () => {
    const kv = await v1();
    await kv.write('a', { v: 1 });
    await kv.write('dir/b', { v: 1 });
    await kv.write('dir/sub/c', { v: 1 });
    await kv.write('dir/sub/d', { v: 1 });
    assert.deepEqual((await kv.list(''))?.data, { keys: ['a', 'dir/'] });
    assert.deepEqual((await kv.list('dir/'))?.data, { keys: ['b', 'sub/'] });
    assert.deepEqual(
      (await kv.list('dir'))?.data,
      { keys: ['b', 'sub/'] },
      'a missing trailing slash is added',
    );
    assert.deepEqual((await kv.list('dir/sub/'))?.data, { keys: ['c', 'd'] });
  });

  void it('list with no keys is 404 with no message', async () => {
    const kv = await v1();
    await expectError(kv.list(''), ErrorCode.NotFound, '');
    await kv.write('x/y', { v: 1 });
    await expectError(kv.list('other/'), ErrorCode.NotFound, '');
  });

  void it('has no patch operation (405)', async () => {
    const kv = await v1();
    await kv.write('k', { a: 1 });
    await expectError(kv.patch('k', { a: 2 }), ErrorCode.UnsupportedOperation, 'unsupported operation');
  });

  void it('refuses unknown versions at mount time', async () => {
    await expectError(kvEngineFactory.create(mount({ version: '3' }), memoryStorage()), ErrorCode.BadRequest);
  });

  void it('keeps mounts apart by their storage views', async () => {
    const root = memoryStorage();
    const a = new EngineHarness(await kvEngineFactory.create(mount(), root.view('a/')), root.view('a/'));
    const b = new EngineHarness(await kvEngineFactory.create(mount(), root.view('b/')), root.view('b/'));
    await a.write('k', { who: 'a' });
    await expectError(b.read('k'), ErrorCode.NotFound);
    assert.deepEqual((await a.read('k'))?.data, { who: 'a' });
  });
});
