import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { removeDir, startServer, type ServerProcess } from './harness.js';

const SEAL_STATUS_KEYS = [
  'build_date',
  'initialized',
  'migration',
  'n',
  'nonce',
  'progress',
  'recovery_seal',
  'removed_from_cluster',
  'sealed',
  'storage_type',
  't',
  'type',
  'version',
];

void describe('e2e: init 5/3, unseal, seal, restart', () => {
  let server: ServerProcess;
  let dir: string;
  let keys: string[] = [];
  let keysBase64: string[] = [];
  let rootToken = '';

  before(async () => {
    // info: access logs are on, so the "no secrets in logs" checks below see every request.
    server = await startServer({ logLevel: 'info' });
    dir = server.dir;
  });
  after(async () => {
    await server.stop();
    await removeDir(dir);
  });

  void it('reports an uninitialized node everywhere', async () => {
    assert.deepEqual((await server.request('GET', 'sys/init')).body, { initialized: false });
    const status = await server.request('GET', 'sys/seal-status');
    assert.equal(status.status, 200);
    assert.deepEqual(Object.keys(status.body ?? {}).sort(), SEAL_STATUS_KEYS);
    assert.equal(status.body?.['initialized'], false);
    assert.equal(status.body?.['sealed'], true);
    assert.equal(status.body?.['storage_type'], 'file');
    assert.equal(status.body?.['type'], 'shamir');
    const health = await server.request('GET', 'sys/health');
    assert.equal(health.status, 501);
    assert.equal(health.body?.['initialized'], false);
    const health299 = await server.request('GET', 'sys/health?uninitcode=299&sealedcode=299&standbycode=299');
    assert.equal(health299.status, 299);
    // Everything else is "sealed".
    const kv = await server.request('GET', 'secret/foo');
    assert.equal(kv.status, 503);
    assert.deepEqual(kv.body, { errors: ['Vault is sealed'] });
    const unseal = await server.request('PUT', 'sys/unseal', { body: { key: 'aa' } });
    assert.equal(unseal.status, 400);
    assert.deepEqual(unseal.body, { errors: ['Vault is not initialized'] });
    assert.equal((await server.request('PUT', 'sys/seal')).status, 503);
  });

  void it('rejects bad init parameters', async () => {
    for (const body of [
      { secret_shares: 3, secret_threshold: 5 },
      { secret_shares: 0, secret_threshold: 0 },
      { secret_shares: 5, secret_threshold: 1 },
      { secret_shares: 'five', secret_threshold: 3 },
      {},
    ]) {
      const res = await server.request('PUT', 'sys/init', { body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.ok(Array.isArray(res.body?.['errors']));
    }
    const pgp = await server.request('PUT', 'sys/init', {
      body: { secret_shares: 1, secret_threshold: 1, pgp_keys: ['abc'] },
    });
    assert.equal(pgp.status, 400);
    assert.deepEqual((await server.request('GET', 'sys/init')).body, { initialized: false });
  });

  void it('initializes with 5 shares / threshold 3 and stays sealed', async () => {
    const res = await server.request('PUT', 'sys/init', { body: { secret_shares: 5, secret_threshold: 3 } });
    assert.equal(res.status, 200);
    keys = res.body?.['keys'] as string[];
    keysBase64 = res.body?.['keys_base64'] as string[];
    rootToken = res.body?.['root_token'] as string;
    assert.equal(keys.length, 5);
    assert.equal(keysBase64.length, 5);
    for (let i = 0; i < 5; i++) {
      assert.match(keys[i] ?? '', /^[0-9a-f]+$/);
      assert.equal(Buffer.from(keysBase64[i] ?? '', 'base64').toString('hex'), keys[i]);
    }
    assert.equal(typeof rootToken, 'string');
    assert.ok(rootToken.length > 10);
    assert.deepEqual((await server.request('GET', 'sys/init')).body, { initialized: true });
    const again = await server.request('PUT', 'sys/init', {
      body: { secret_shares: 1, secret_threshold: 1 },
    });
    assert.equal(again.status, 400);
    assert.deepEqual(again.body, { errors: ['Vault is already initialized'] });
    const status = (await server.request('GET', 'sys/seal-status')).body ?? {};
    assert.equal(status['sealed'], true);
    assert.equal(status['t'], 3);
    assert.equal(status['n'], 5);
    assert.equal(status['progress'], 0);
    assert.equal(typeof status['nonce'], 'string');
    assert.equal((await server.request('GET', 'sys/health')).status, 503);
    assert.equal((await server.request('GET', 'sys/health?sealedcode=299')).status, 299);
    const leader = await server.request('GET', 'sys/leader');
    assert.equal(leader.status, 503);
    assert.deepEqual(leader.body, { errors: ['Vault is sealed'] });
  });

  void it('validates unseal requests', async () => {
    const missing = await server.request('PUT', 'sys/unseal', { body: {} });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, {
      errors: ["'key' must be specified in request body as JSON, or 'reset' set to true"],
    });
    const garbage = await server.request('PUT', 'sys/unseal', { body: { key: 'not hex!' } });
    assert.equal(garbage.status, 400);
    const short = await server.request('PUT', 'sys/unseal', { body: { key: 'abcd' } });
    assert.equal(short.status, 400);
    assert.equal((await server.request('GET', 'sys/seal-status')).body?.['progress'], 0);
  });

  void it('counts progress, resets, and unseals with 3 shares (hex and base64 mixed)', async () => {
    const first = await server.request('PUT', 'sys/unseal', { body: { key: keys[0] } });
    assert.equal(first.status, 200);
    assert.equal(first.body?.['progress'], 1);
    assert.equal(first.body?.['sealed'], true);
    const nonce = first.body?.['nonce'];
    const reset = await server.request('PUT', 'sys/unseal', { body: { reset: true } });
    assert.equal(reset.body?.['progress'], 0);
    assert.notEqual(reset.body?.['nonce'], nonce);
    await server.request('PUT', 'sys/unseal', { body: { key: keys[1] } });
    const second = await server.request('PUT', 'sys/unseal', { body: { Key: keysBase64[2] } });
    assert.equal(second.body?.['progress'], 2);
    const third = await server.request('PUT', 'sys/unseal', { body: { key: keys[4] } });
    assert.equal(third.status, 200);
    assert.equal(third.body?.['sealed'], false);
    assert.equal(third.body?.['progress'], 0);
    assert.match(String(third.body?.['cluster_name']), /^vault-cluster-/);
    assert.match(String(third.body?.['cluster_id']), /^[0-9a-f-]{36}$/);
    const resetUnsealed = await server.request('PUT', 'sys/unseal', { body: { reset: true } });
    assert.equal(resetUnsealed.status, 400);
    assert.deepEqual(resetUnsealed.body, { errors: ['vault is unsealed'] });
  });

  void it('answers health and leader when active', async () => {
    const health = await server.request('GET', 'sys/health');
    assert.equal(health.status, 200);
    assert.equal(health.headers['cache-control'], 'no-store');
    const h = health.body ?? {};
    assert.equal(h['initialized'], true);
    assert.equal(h['sealed'], false);
    assert.equal(h['standby'], false);
    assert.equal(h['replication_dr_mode'], 'disabled');
    assert.equal(h['replication_performance_mode'], 'disabled');
    assert.equal(typeof h['server_time_utc'], 'number');
    assert.equal(typeof h['version'], 'string');
    assert.match(String(h['cluster_id']), /^[0-9a-f-]{36}$/);
    assert.equal((await server.request('GET', 'sys/health?activecode=299')).status, 299);
    assert.equal((await server.request('GET', 'sys/health?activecode=abc')).status, 400);
    const head = await server.request('HEAD', 'sys/health?activecode=204');
    assert.equal(head.status, 204);
    assert.equal(head.text, '');
    const headActive = await server.request('HEAD', 'sys/health');
    assert.equal(headActive.status, 200);
    assert.equal(headActive.text, '');
    const leader = await server.request('GET', 'sys/leader');
    assert.equal(leader.status, 200);
    const l = leader.body ?? {};
    assert.equal(l['ha_enabled'], false);
    assert.equal(l['is_self'], false);
    assert.ok(!Number.isNaN(Date.parse(String(l['active_time']))), 'active_time is a valid RFC3339 time');
    assert.equal(l['leader_address'], '');
    assert.equal(l['raft_committed_index'], 0);
  });

  void it('stores data, seals (sudo only), and keeps it across a restart', async () => {
    assert.equal(
      (await server.request('POST', 'sys/mounts/kv', { token: rootToken, body: { type: 'kv-v2' } })).status,
      204,
    );
    const write = await server.request('POST', 'kv/data/app', {
      token: rootToken,
      body: { data: { password: 's3cr3t' } },
    });
    assert.equal(write.status, 200);
    const child = await server.request('POST', 'auth/token/create', {
      token: rootToken,
      body: { policies: ['default'] },
    });
    const childToken = (child.body?.['auth'] as Record<string, unknown>)['client_token'] as string;
    const denied = await server.request('PUT', 'sys/seal', { token: childToken });
    assert.equal(denied.status, 403);
    assert.equal((await server.request('PUT', 'sys/seal')).status, 403);
    const sealed = await server.request('PUT', 'sys/seal', { token: rootToken });
    assert.equal(sealed.status, 204);
    assert.equal((await server.request('GET', 'sys/seal-status')).body?.['sealed'], true);
    assert.equal((await server.request('GET', 'kv/data/app', { token: rootToken })).status, 503);

    const code = await server.stop();
    assert.equal(code, 0, server.logs());
    assert.match(server.logs(), /"path":"\/v1\/kv\/data\/app"/, 'access logs were on');
    assert.ok(!server.logs().includes('s3cr3t'), 'secret values never reach the logs');
    assert.ok(!server.logs().includes(rootToken), 'tokens never reach the logs');

    server = await startServer({ dir, logLevel: 'info' });
    const status = (await server.request('GET', 'sys/seal-status')).body ?? {};
    assert.equal(status['initialized'], true);
    assert.equal(status['sealed'], true);
    assert.equal((await server.request('GET', 'kv/data/app', { token: rootToken })).status, 503);
    await server.unsealWith([keys[3] as string, keys[1] as string, keys[0] as string]);
    const read = await server.request('GET', 'kv/data/app', { token: rootToken });
    assert.equal(read.status, 200);
    assert.deepEqual((read.body?.['data'] as Record<string, unknown>)['data'], { password: 's3cr3t' });
    const mounts = await server.request('GET', 'sys/mounts', { token: rootToken });
    assert.ok(Object.hasOwn(mounts.body ?? {}, 'kv/'));
    const lookup = await server.request('GET', 'auth/token/lookup-self', { token: childToken });
    assert.equal(lookup.status, 200, 'tokens survive a restart');
  });

  void it('refuses a wrong share combination and stays sealed', async () => {
    assert.equal((await server.request('PUT', 'sys/seal', { token: rootToken })).status, 204);
    const bogus = Buffer.from(keys[0] ?? '', 'hex');
    bogus[0] = (bogus[0] ?? 0) ^ 0xff;
    await server.request('PUT', 'sys/unseal', { body: { key: bogus.toString('hex') } });
    await server.request('PUT', 'sys/unseal', { body: { key: keys[1] } });
    const third = await server.request('PUT', 'sys/unseal', { body: { key: keys[2] } });
    assert.equal(third.status, 400);
    const status = (await server.request('GET', 'sys/seal-status')).body ?? {};
    assert.equal(status['sealed'], true);
    assert.equal(status['progress'], 0);
    await server.unsealWith(keys.slice(2, 5));
    assert.equal((await server.request('GET', 'sys/seal-status')).body?.['sealed'], false);
  });
});

void describe('e2e: dev mode', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServer({ dev: { rootTokenId: 'dev-root' } });
  });
  after(async () => {
    await server.stop();
    await removeDir(server.dir);
  });

  void it('starts unsealed with kv v2 at secret/ and prints the unseal key and root token', async () => {
    const status = (await server.request('GET', 'sys/seal-status')).body ?? {};
    assert.equal(status['sealed'], false);
    assert.equal(status['t'], 1);
    assert.equal(status['n'], 1);
    assert.equal(status['storage_type'], 'inmem');
    const logs = server.logs();
    assert.match(logs, /WARNING! dev mode is enabled!/);
    assert.match(logs, /Unseal Key: [A-Za-z0-9+/=]{40,}/);
    assert.match(logs, /Root Token: dev-root/);
    assert.match(logs, new RegExp(`VAULT_ADDR='http://127\\.0\\.0\\.1:${server.port}'`));
    const preflight = await server.request('GET', 'sys/internal/ui/mounts/secret/foo', { token: 'dev-root' });
    assert.equal(preflight.status, 200);
    const data = preflight.body?.['data'] as Record<string, unknown>;
    assert.equal(data['path'], 'secret/');
    assert.deepEqual(data['options'], { version: '2' });
    assert.equal(data['type'], 'kv');
  });
});
