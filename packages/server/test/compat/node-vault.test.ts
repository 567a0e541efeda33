import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nodeVault from 'node-vault';
import { removeDir, startServer, type ServerProcess } from '../e2e/harness.js';

/** node-vault rejects non-2xx answers with an error carrying `response.statusCode`. */
async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (err) {
    const status = (err as { response?: { statusCode?: number } }).response?.statusCode;
    if (status === undefined) throw err;
    return status;
  }
}

let server: ServerProcess;
let vault: nodeVault.client;

before(async () => {
  server = await startServer();
  // Default settings: node-vault sends the LIST verb for list().
  vault = nodeVault({ apiVersion: 'v1', endpoint: server.url });
});
after(async () => {
  if (process.env.COFFER_TEST_LOG_LEVEL) console.log(server.logs());
  await server.stop();
  await removeDir(server.dir);
});

void describe('compat: node-vault (default settings, LIST verb)', () => {
  let keys: string[] = [];

  void it('initializes and unseals', async () => {
    assert.deepEqual(await vault.initialized(), { initialized: false });
    const init = (await vault.init({ secret_shares: 3, secret_threshold: 2 })) as {
      keys: string[];
      root_token: string;
    };
    keys = init.keys;
    assert.equal(keys.length, 3);
    vault.token = init.root_token;
    const sealed = (await vault.status()) as { sealed: boolean; t: number; n: number };
    assert.equal(sealed.sealed, true);
    assert.equal(sealed.t, 2);
    await vault.unseal({ secret_shares: 1, key: keys[0] });
    const done = (await vault.unseal({ secret_shares: 1, key: keys[2] })) as { sealed: boolean };
    assert.equal(done.sealed, false);
    assert.equal(((await vault.status()) as { sealed: boolean }).sealed, false);
  });

  void it('reads health and leader', async () => {
    const health = (await vault.health()) as { initialized: boolean; sealed: boolean; standby: boolean };
    assert.equal(health.initialized, true);
    assert.equal(health.sealed, false);
    assert.equal(health.standby, false);
    const leader = (await vault.leader()) as { ha_enabled: boolean };
    assert.equal(leader.ha_enabled, false);
  });

  void it('manages mounts', async () => {
    await vault.mount({ mount_point: 'kv1', type: 'kv', description: 'v1' });
    await vault.mount({ mount_point: 'kv2', type: 'kv', options: { version: '2' } });
    const mounts = (await vault.mounts()) as Record<string, unknown> & {
      data: Record<string, { type: string; options: unknown }>;
    };
    assert.equal(mounts.data['kv1/']?.type, 'kv');
    assert.deepEqual(mounts.data['kv2/']?.options, { version: '2' });
    assert.ok(Object.hasOwn(mounts, 'kv1/'), 'legacy top-level keys');
    await vault.mount({ mount_point: 'tmp', type: 'kv' });
    await vault.unmount({ mount_point: 'tmp' });
    assert.ok(!Object.hasOwn(((await vault.mounts()) as { data: object }).data, 'tmp/'));
    assert.equal(await statusOf(vault.mount({ mount_point: 'bad', type: 'nope' })), 400);
  });

  void it('manages policies (sys/policy)', async () => {
    await vault.addPolicy({ name: 'reader', rules: 'path "kv1/*" { capabilities = ["read", "list"] }' });
    const policy = (await vault.getPolicy({ name: 'reader' })) as { rules: string; name: string };
    assert.equal(policy.name, 'reader');
    assert.match(policy.rules, /kv1/);
    const list = (await vault.policies()) as { policies: string[] };
    assert.deepEqual(list.policies, ['default', 'reader', 'root']);
    await vault.addPolicy({ name: 'temp', rules: 'path "x" { capabilities = ["read"] }' });
    await vault.removePolicy({ name: 'temp' });
    assert.equal(await statusOf(vault.getPolicy({ name: 'temp' })), 404);
  });

  void it('creates, looks up and revokes tokens', async () => {
    const rootToken = vault.token;
    const created = (await vault.tokenCreate({ policies: ['reader'], ttl: '1h' })) as {
      auth: { client_token: string; accessor: string; policies: string[] };
    };
    const token = created.auth.client_token;
    // node-vault adopts the token of a token-create response (tokenSource): switch back to root.
    assert.equal(vault.token, token);
    vault.token = rootToken;
    assert.deepEqual(created.auth.policies, ['default', 'reader']);
    const lookup = (await vault.tokenLookup({ token })) as {
      data: { policies: string[]; accessor: string; ttl: number };
    };
    assert.equal(lookup.data.accessor, created.auth.accessor);
    assert.ok(lookup.data.ttl > 3500 && lookup.data.ttl <= 3600);
    const self = (await vault.tokenLookupSelf()) as { data: { policies: string[] } };
    assert.deepEqual(self.data.policies, ['root']);
    const other = nodeVault({ apiVersion: 'v1', endpoint: server.url, token });
    await vault.write('kv1/visible', { v: 1 });
    assert.deepEqual(((await other.read('kv1/visible')) as { data: unknown }).data, { v: 1 });
    assert.equal(await statusOf(other.write('kv1/visible', { v: 2 })), 403);
    await vault.tokenRevoke({ token });
    assert.equal(await statusOf(other.read('kv1/visible')), 403);
  });

  void it('reads, writes, lists (LIST verb) and deletes KV v1', async () => {
    await vault.write('kv1/app/a', { user: 'u', pass: 'p' });
    await vault.write('kv1/app/sub/b', { x: 1 });
    assert.deepEqual(((await vault.read('kv1/app/a')) as { data: unknown }).data, { user: 'u', pass: 'p' });
    assert.deepEqual(((await vault.list('kv1/app')) as { data: { keys: string[] } }).data.keys, [
      'a',
      'sub/',
    ]);
    await vault.delete('kv1/app/a');
    assert.equal(await statusOf(vault.read('kv1/app/a')), 404);
    assert.equal(await statusOf(vault.list('kv1/none')), 404);
  });

  void it('reads, writes, lists and deletes KV v2 with metadata', async () => {
    const written = (await vault.write('kv2/data/app/cfg', { data: { a: 1 } })) as {
      data: { version: number };
    };
    assert.equal(written.data.version, 1);
    await vault.write('kv2/data/app/cfg', { data: { a: 2 }, options: { cas: 1 } });
    const read = (await vault.read('kv2/data/app/cfg')) as {
      data: { data: unknown; metadata: { version: number } };
    };
    assert.deepEqual(read.data.data, { a: 2 });
    assert.equal(read.data.metadata.version, 2);
    const v1 = (await vault.read('kv2/data/app/cfg?version=1')) as { data: { data: unknown } };
    assert.deepEqual(v1.data.data, { a: 1 });
    assert.deepEqual(((await vault.list('kv2/metadata/app')) as { data: { keys: string[] } }).data.keys, [
      'cfg',
    ]);
    const meta = (await vault.read('kv2/metadata/app/cfg')) as {
      data: { current_version: number; versions: Record<string, unknown> };
    };
    assert.equal(meta.data.current_version, 2);
    assert.deepEqual(Object.keys(meta.data.versions).sort(), ['1', '2']);
    assert.equal(
      await statusOf(vault.write('kv2/data/app/cfg', { data: { a: 3 }, options: { cas: 1 } })),
      400,
    );
    await vault.delete('kv2/data/app/cfg');
    assert.equal(await statusOf(vault.read('kv2/data/app/cfg')), 404);
    await vault.delete('kv2/metadata/app/cfg');
    assert.equal(await statusOf(vault.read('kv2/metadata/app/cfg')), 404);
  });

  void it('rotates and seals', async () => {
    await vault.rotate();
    await vault.seal();
    assert.equal(((await vault.status()) as { sealed: boolean }).sealed, true);
    const health = (await vault.health()) as { sealed: boolean };
    assert.equal(health.sealed, true, 'node-vault returns the body of sys/health for any status');
    assert.equal(await statusOf(vault.read('kv1/app/sub/b')), 503);
  });
});
