import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { BarrierError, InmemBackend } from '@coffer/barrier';
import { pino } from 'pino';
import { Core } from '../../src/core/core.js';
import type { CoreRequest } from '../../src/core/core-request.js';
import { CofferError } from '../../src/errors/coffer-error.js';
import { EngineRegistry } from '../../src/router/engine-registry.js';
import { DEFAULT_MOUNT_CONFIG } from '../../src/router/mount-entry.js';
import type { Operation } from '../../src/logical/operation.js';

const logger = pino({ level: 'silent' });

function request(
  operation: Operation,
  path: string,
  token?: string,
  data: Record<string, unknown> = {},
): CoreRequest {
  return {
    id: randomUUID(),
    operation,
    path,
    data,
    token,
    headers: {},
    clientAddress: '127.0.0.1',
    head: false,
  };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof CofferError) return `${err.code}:${err.message}`;
    if (err instanceof BarrierError) return `barrier:${err.code}`;
    throw err;
  }
}

const kvMount = (path: string, version = '2') => ({
  table: 'secret' as const,
  path,
  type: 'kv',
  description: '',
  config: DEFAULT_MOUNT_CONFIG,
  options: { version },
  local: false,
  sealWrap: false,
  externalEntropyAccess: false,
});

async function unsealedCore(
  backend = new InmemBackend(),
  registry?: EngineRegistry,
): Promise<{ core: Core; root: string; shares: readonly Uint8Array[] }> {
  const core = await Core.open({
    backend,
    logger,
    storageType: 'inmem',
    ...(registry === undefined ? {} : { registry }),
  });
  const { shares, rootToken } = await core.initialize({ secretShares: 3, secretThreshold: 2 });
  await core.unseal(shares[0] as Uint8Array);
  await core.unseal(shares[1] as Uint8Array);
  return { core, root: rootToken, shares };
}

void describe('Core lifecycle', () => {
  void it('starts uninitialized and answers only the lifecycle sys paths', async () => {
    const core = await Core.open({ backend: new InmemBackend(), logger, storageType: 'inmem' });
    assert.equal(core.state, 'uninitialized');
    assert.equal(await code(core.handleRequest(request('read', 'secret/x'))), 'SEALED:Vault is sealed');
    assert.equal(await code(core.handleRequest(request('read', 'sys/mounts'))), 'SEALED:Vault is sealed');
    const status = await core.handleRequest(request('read', 'sys/seal-status'));
    assert.equal(status.response?.raw?.status, 200);
    assert.equal(status.mountType, 'system');
  });

  void it('initializes once, leaves the node sealed, and refuses a second init', async () => {
    const core = await Core.open({ backend: new InmemBackend(), logger, storageType: 'inmem' });
    const results = await Promise.allSettled([
      core.initialize({ secretShares: 1, secretThreshold: 1 }),
      core.initialize({ secretShares: 1, secretThreshold: 1 }),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.ok(BarrierError.is(rejected.reason, 'ALREADY_INITIALIZED'));
    assert.equal(core.state, 'sealed');
    assert.equal(core.status().initialized, true);
  });

  void it('serialises concurrent unseal submissions and unseals exactly once', async () => {
    const core = await Core.open({ backend: new InmemBackend(), logger, storageType: 'inmem' });
    const { shares, rootToken } = await core.initialize({ secretShares: 5, secretThreshold: 3 });
    await Promise.all(shares.map((s) => core.unseal(s)));
    assert.equal(core.state, 'unsealed');
    const lookup = await core.handleRequest(request('read', 'auth/token/lookup-self', rootToken));
    assert.deepEqual((lookup.response?.data as Record<string, unknown>)['policies'], ['root']);
  });

  void it('keeps mounts, policies and tokens across a reopen of the same storage', async () => {
    const backend = new InmemBackend();
    const { core, root, shares } = await unsealedCore(backend);
    await core.mount(kvMount('app/'));
    await core.handleRequest(request('update', 'app/data/k', root, { data: { v: 1 } }));
    await core.handleRequest(
      request('update', 'sys/policies/acl/p', root, { policy: 'path "app/*" { capabilities = ["read"] }' }),
    );
    await core.seal();
    assert.equal(
      await code(core.handleRequest(request('read', 'app/data/k', root))),
      'SEALED:Vault is sealed',
    );

    const reopened = await Core.open({ backend, logger, storageType: 'inmem' });
    assert.equal(reopened.state, 'sealed');
    await reopened.unseal(shares[2] as Uint8Array);
    await reopened.unseal(shares[0] as Uint8Array);
    const read = await reopened.handleRequest(request('read', 'app/data/k', root));
    assert.deepEqual((read.response?.data as Record<string, unknown>)['data'], { v: 1 });
    assert.ok(reopened.mounts('secret').some((m) => m.path === 'app/'));
    assert.ok((await reopened.policies.list()).includes('p'));
  });

  void it('seals: state first, then the barrier; requests in flight afterwards get 503', async () => {
    const { core, root } = await unsealedCore();
    await core.seal();
    assert.equal(core.state, 'sealed');
    assert.equal(
      await code(core.handleRequest(request('read', 'sys/mounts', root))),
      'SEALED:Vault is sealed',
    );
    await core.seal(); // sealing a sealed node is a no-op
  });

  void it('fails an unseal whose post-unseal setup fails, and stays sealed', async () => {
    const backend = new InmemBackend();
    const { core, shares } = await unsealedCore(backend);
    await core.seal();
    // Corrupt the stored mount table: post-unseal setup cannot parse it.
    const reopened = await Core.open({ backend, logger, storageType: 'inmem' });
    const tmp = await Core.open({ backend, logger, storageType: 'inmem' });
    await tmp.unseal(shares[0] as Uint8Array);
    await tmp.unseal(shares[1] as Uint8Array);
    await tmp.barrier.put('core/mounts', new TextEncoder().encode('{not json'));
    await tmp.seal();
    await reopened.unseal(shares[0] as Uint8Array);
    await assert.rejects(reopened.unseal(shares[1] as Uint8Array));
    assert.equal(reopened.state, 'sealed');
    assert.equal(reopened.barrier.state().kind, 'sealed');
  });
});

void describe('Core request pipeline', () => {
  void it('needs a valid token outside unauthenticated paths', async () => {
    const { core } = await unsealedCore();
    assert.equal(
      await code(core.handleRequest(request('read', 'sys/mounts'))),
      'PERMISSION_DENIED:permission denied',
    );
    assert.equal(
      await code(core.handleRequest(request('read', 'sys/mounts', 'hvs.bogus'))),
      'PERMISSION_DENIED:permission denied\ninvalid token',
    );
    assert.equal(await code(core.handleRequest(request('read', 'sys/health', 'hvs.bogus'))), 'ok');
  });

  void it('answers unknown routes and unsupported paths in Vault words', async () => {
    const { core, root } = await unsealedCore();
    assert.equal(
      await code(core.handleRequest(request('read', 'nowhere/x', root))),
      'NO_ROUTE:no handler for route "nowhere/x". route entry not found.',
    );
    assert.equal(
      await code(core.handleRequest(request('read', 'sys/not-a-path', root))),
      'NOT_FOUND:unsupported path',
    );
    assert.equal(
      await code(core.handleRequest(request('delete', 'sys/health', root))),
      'UNSUPPORTED_OPERATION:unsupported operation',
    );
  });

  void it('routes `mount` without a trailing slash to `mount/`, and refuses nested mounts', async () => {
    const { core, root } = await unsealedCore();
    await core.mount(kvMount('a/', '1'));
    assert.equal(await code(core.mount(kvMount('a/b/', '1'))), 'BAD_REQUEST:path is already in use at a/');
    await core.handleRequest(request('update', 'a/c', root, { which: 'c' }));
    const listed = await core.handleRequest(request('list', 'a/', root));
    assert.deepEqual(listed.response?.data, { keys: ['c'] });
    // Routed to the kv mount (its 404), not "no handler for route".
    assert.equal(await code(core.handleRequest(request('read', 'a', root))), 'NOT_FOUND:');
  });

  void it('serialises concurrent mounts at the same path: one wins', async () => {
    const { core } = await unsealedCore();
    const results = await Promise.allSettled([core.mount(kvMount('same/')), core.mount(kvMount('same/'))]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.equal(core.mounts('secret').filter((m) => m.path === 'same/').length, 1);
  });

  void it('unmount removes the route and deletes the mount storage', async () => {
    const { core, root } = await unsealedCore();
    await core.mount(kvMount('gone/', '1'));
    const entry = core.mounts('secret').find((m) => m.path === 'gone/');
    assert.ok(entry);
    await core.handleRequest(request('update', 'gone/a/b', root, { v: 1 }));
    assert.deepEqual(await core.barrier.list(`logical/${entry.uuid}/`), ['a/']);
    await core.unmount('secret', 'gone/');
    assert.deepEqual(await core.barrier.list(`logical/${entry.uuid}/`), []);
    assert.equal(
      await code(core.handleRequest(request('read', 'gone/a/b', root))),
      'NO_ROUTE:no handler for route "gone/a/b". route entry not found.',
    );
  });

  void it('skips a mount whose engine cannot start at unseal, keeping the rest', async () => {
    let broken = false;
    const registry = new EngineRegistry().register('secret', {
      type: 'flaky',
      create: async () => {
        if (broken) throw new Error('cannot start');
        return {
          paths: [
            { pattern: 'ping', fields: {}, operations: { read: async () => ({ data: { pong: true } }) } },
          ],
        };
      },
    });
    const backend = new InmemBackend();
    const { core, root, shares } = await unsealedCore(backend, registry);
    await core.mount({ ...kvMount('flaky/'), type: 'flaky', options: null });
    assert.deepEqual((await core.handleRequest(request('read', 'flaky/ping', root))).response?.data, {
      pong: true,
    });
    await core.seal();
    broken = true;
    await core.unseal(shares[0] as Uint8Array);
    await core.unseal(shares[1] as Uint8Array);
    assert.equal(core.state, 'unsealed');
    assert.match(await code(core.handleRequest(request('read', 'flaky/ping', root))), /^NO_ROUTE/);
    assert.equal(await code(core.handleRequest(request('read', 'sys/mounts', root))), 'ok');
  });

  void it("destroys a token's cubbyhole when the token is revoked", async () => {
    const { core, root } = await unsealedCore();
    const created = await core.handleRequest(
      request('update', 'auth/token/create', root, { policies: ['default'] }),
    );
    const token = created.response?.auth?.client_token as string;
    await core.handleRequest(request('update', 'cubbyhole/note', token, { v: 'mine' }));
    assert.deepEqual((await core.handleRequest(request('read', 'cubbyhole/note', token))).response?.data, {
      v: 'mine',
    });
    const cubby = core.mounts('secret').find((m) => m.type === 'cubbyhole');
    assert.ok(cubby);
    assert.equal((await core.barrier.list(`logical/${cubby.uuid}/`)).length, 1);
    await core.handleRequest(request('update', 'auth/token/revoke-self', token));
    assert.deepEqual(await core.barrier.list(`logical/${cubby.uuid}/`), []);
  });
});
