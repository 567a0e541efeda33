import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../src/errors/error-code.js';
import { cubbyholeEngineFactory } from '../../src/engines/cubbyhole/cubbyhole-engine-factory.js';
import { destroyCubbyhole } from '../../src/engines/cubbyhole/destroy-cubbyhole.js';
import { makeAuth } from '../logical/make-request.js';
import { memoryStorage } from '../logical/memory-storage.js';
import { EngineHarness, expectError } from './engine-harness.js';

async function cubbyhole(): Promise<EngineHarness> {
  const storage = memoryStorage().view('logical/cubby-uuid/');
  const engine = await cubbyholeEngineFactory.create(
    { path: 'cubbyhole/', type: 'cubbyhole', accessor: 'cubbyhole_1', uuid: 'cubby-uuid', options: {} },
    storage,
  );
  return new EngineHarness(engine, storage, 'cubbyhole/');
}

const alice = makeAuth('cubby-alice');
const bob = makeAuth('cubby-bob');

void describe('cubbyhole', () => {
  void it('reads back what the same token wrote (arbitrary JSON), 404 for missing', async () => {
    const c = await cubbyhole();
    assert.equal(await c.write('app/secret', { a: 1, b: { c: [true] } }, alice), undefined);
    assert.equal(c.lastOperation, 'create');
    assert.deepEqual((await c.read('app/secret', undefined, alice))?.data, { a: 1, b: { c: [true] } });
    await c.write('app/secret', { a: 2 }, alice);
    assert.equal(c.lastOperation, 'update');
    assert.deepEqual((await c.read('app/secret', undefined, alice))?.data, { a: 2 });
    await expectError(c.read('nope', undefined, alice), ErrorCode.NotFound, '');
  });

  void it('is private to each token', async () => {
    const c = await cubbyhole();
    await c.write('k', { owner: 'alice' }, alice);
    await expectError(c.read('k', undefined, bob), ErrorCode.NotFound, '');
    await expectError(c.list('', bob), ErrorCode.NotFound, '');
    await c.write('k', { owner: 'bob' }, bob);
    assert.equal(c.lastOperation, 'create', "bob's existence check does not see alice's entry");
    assert.deepEqual((await c.read('k', undefined, alice))?.data, { owner: 'alice' });
    await c.delete('k', undefined, bob);
    assert.deepEqual((await c.read('k', undefined, alice))?.data, { owner: 'alice' });
  });

  void it('stores entries under the token’s cubbyhole ID in the mount view', async () => {
    const c = await cubbyhole();
    await c.write('x/y', { v: 1 }, alice);
    assert.deepEqual(await c.storage.list(''), ['cubby-alice/']);
    assert.ok(await c.storage.get('cubby-alice/x/y'));
  });

  void it('lists keys and folders; empty → 404', async () => {
    const c = await cubbyhole();
    await expectError(c.list('', alice), ErrorCode.NotFound, '');
    await c.write('a', { v: 1 }, alice);
    await c.write('dir/b', { v: 1 }, alice);
    assert.deepEqual((await c.list('', alice))?.data, { keys: ['a', 'dir/'] });
    assert.deepEqual((await c.list('dir', alice))?.data, { keys: ['b'] });
  });

  void it('delete removes one entry (204)', async () => {
    const c = await cubbyhole();
    await c.write('k', { v: 1 }, alice);
    assert.equal(await c.delete('k', undefined, alice), undefined);
    await expectError(c.read('k', undefined, alice), ErrorCode.NotFound);
  });

  void it('400 for empty bodies and empty paths', async () => {
    const c = await cubbyhole();
    await expectError(c.write('k', {}, alice), ErrorCode.BadRequest, 'missing data fields');
    await expectError(c.write('', { a: 1 }, alice), ErrorCode.BadRequest, 'missing path');
    await expectError(c.read('', undefined, alice), ErrorCode.BadRequest, 'missing path');
  });

  void it('403 without a token; 400 for batch tokens', async () => {
    const c = await cubbyhole();
    await expectError(c.read('k'), ErrorCode.PermissionDenied, 'permission denied');
    await expectError(c.write('k', { a: 1 }), ErrorCode.PermissionDenied);
    await expectError(c.list(''), ErrorCode.PermissionDenied);
    const batch = makeAuth('', { type: 'batch' });
    await expectError(
      c.write('k', { a: 1 }, batch),
      ErrorCode.BadRequest,
      'cubbyhole operations are only supported by "service" type tokens',
    );
  });

  void it('destroyCubbyhole removes one token’s entries, nested ones included, and nothing else', async () => {
    const c = await cubbyhole();
    await c.write('a', { v: 1 }, alice);
    await c.write('dir/b', { v: 1 }, alice);
    await c.write('dir/sub/c', { v: 1 }, alice);
    await c.write('a', { v: 1 }, bob);
    await destroyCubbyhole(c.storage, 'cubby-alice');
    await expectError(c.list('', alice), ErrorCode.NotFound);
    await expectError(c.read('dir/sub/c', undefined, alice), ErrorCode.NotFound);
    assert.deepEqual(await c.storage.list(''), ['cubby-bob/']);
    assert.deepEqual((await c.read('a', undefined, bob))?.data, { v: 1 });
    await destroyCubbyhole(c.storage, 'cubby-alice');
    await destroyCubbyhole(c.storage, '');
    assert.deepEqual(await c.storage.list(''), ['cubby-bob/']);
  });
});
