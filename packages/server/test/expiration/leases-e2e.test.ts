/**
 * Leases on a real server process (file storage, real sockets): token expiry within the bound,
 * parent revocation, revoke-prefix (also through node-vault), mount TTL tuning, the sys/leases
 * endpoints' wire shapes, and the lease/token gauges.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodeVault from 'node-vault';
import { removeDir, startServer, type ServerProcess } from '../e2e/harness.js';

let server: ServerProcess;
let root: string;

before(async () => {
  server = await startServer();
  root = (await server.initAndUnseal()).rootToken;
});

after(async () => {
  await server.stop();
  await removeDir(server.dir);
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(50);
  }
}

async function createToken(
  body: Record<string, unknown>,
  token = root,
): Promise<{ token: string; accessor: string }> {
  const res = await server.request('POST', 'auth/token/create', { token, body });
  assert.equal(res.status, 200, res.text);
  const auth = res.body?.['auth'] as { client_token: string; accessor: string };
  return { token: auth.client_token, accessor: auth.accessor };
}

async function tokenWorks(token: string): Promise<boolean> {
  const res = await server.request('GET', 'auth/token/lookup-self', { token });
  return res.status === 200;
}

async function lookupLease(
  leaseId: string,
): Promise<{ status: number; data: Record<string, unknown> | undefined; text: string }> {
  const res = await server.request('PUT', 'sys/leases/lookup', { token: root, body: { lease_id: leaseId } });
  return {
    status: res.status,
    data: res.body?.['data'] as Record<string, unknown> | undefined,
    text: res.text,
  };
}

async function listLeases(prefix: string): Promise<string[]> {
  const res = await server.request('LIST', `sys/leases/lookup/${prefix}`, { token: root });
  if (res.status === 404) return [];
  assert.equal(res.status, 200, res.text);
  return (res.body?.['data'] as { keys: string[] }).keys;
}

/** The lease ID of a token created at `path` (found by listing: lease IDs end in the salted hash). */
async function newLeaseIds(path: string, before: readonly string[]): Promise<string[]> {
  return (await listLeases(`${path}/`)).filter((k) => !before.includes(k)).map((k) => `${path}/${k}`);
}

void describe('token leases on a single server', () => {
  void it('a 2 s token works, then stops within the bound and its lease is gone by TTL + 2 s', async () => {
    const beforeIds = await listLeases('auth/token/create/');
    const created = Date.now();
    const t = await createToken({ ttl: '2s', policies: ['default'] });
    const [leaseId] = await newLeaseIds('auth/token/create', beforeIds);
    assert.ok(leaseId !== undefined && /^auth\/token\/create\/h[0-9a-f]{64}$/.test(leaseId), String(leaseId));
    assert.ok(await tokenWorks(t.token));
    const look = await lookupLease(leaseId);
    assert.equal(look.status, 200, look.text);
    assert.deepEqual(Object.keys(look.data ?? {}).sort(), [
      'expire_time',
      'id',
      'issue_time',
      'last_renewal',
      'renewable',
      'ttl',
    ]);
    assert.equal(look.data?.['id'], leaseId);
    assert.ok((look.data?.['ttl'] as number) <= 2);

    await until('token stops working', 4000, async () => !(await tokenWorks(t.token)));
    const stoppedAfter = Date.now() - created;
    assert.ok(stoppedAfter >= 1900, `token died early (${stoppedAfter} ms)`);
    assert.ok(stoppedAfter <= 3500, `token worked ${stoppedAfter} ms`);
    await until(
      'lease gone',
      4000 - (Date.now() - created),
      async () => (await lookupLease(leaseId)).status === 400,
    );
    assert.ok(Date.now() - created <= 4000 + 200);
    const gone = await lookupLease(leaseId);
    assert.equal(gone.status, 400);
    assert.deepEqual(gone.text === '' ? undefined : JSON.parse(gone.text), { errors: ['invalid lease'] });
  });

  void it('revoking a parent token revokes its children and their leases', async () => {
    const beforeIds = await listLeases('auth/token/create/');
    const parent = await createToken({ ttl: '1h' }); // root's policies: may create children
    const [parentLease] = await newLeaseIds('auth/token/create', beforeIds);
    const mid = await listLeases('auth/token/create/');
    const child = await createToken({ ttl: '1h' }, parent.token);
    const [childLease] = await newLeaseIds('auth/token/create', [...beforeIds, ...mid]);
    assert.ok(parentLease !== undefined && childLease !== undefined);
    assert.equal((await lookupLease(childLease)).status, 200);
    const res = await server.request('POST', 'auth/token/revoke', {
      token: root,
      body: { token: parent.token },
    });
    assert.equal(res.status, 204, res.text);
    assert.equal(await tokenWorks(child.token), false);
    assert.equal((await lookupLease(parentLease)).status, 400);
    assert.equal((await lookupLease(childLease)).status, 400);
    await until('lease records deleted', 5000, async () => {
      const left = await listLeases('auth/token/create/');
      return !left.some((k) => parentLease.endsWith(k) || childLease.endsWith(k));
    });
  });

  void it('sys/leases endpoints: errors, async revoke, tidy, counts, legacy paths, sudo', async () => {
    const missing = await server.request('PUT', 'sys/leases/lookup', { token: root, body: {} });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, { errors: ['lease_id must be specified'] });
    assert.equal((await server.request('PUT', 'sys/leases/revoke', { token: root, body: {} })).status, 400);
    // Unknown leases: sync revoke is a no-op (204), as in Vault.
    assert.equal(
      (await server.request('PUT', 'sys/leases/revoke/auth/token/create/hnope', { token: root })).status,
      204,
    );
    assert.equal(
      (await server.request('PUT', 'sys/revoke/auth/token/create/hnope', { token: root })).status,
      204,
    );

    const beforeIds = await listLeases('auth/token/create/');
    const t = await createToken({ ttl: '1h', policies: ['default'] });
    const [leaseId] = await newLeaseIds('auth/token/create', beforeIds);
    assert.ok(leaseId !== undefined);
    const renew = await server.request('PUT', 'sys/leases/renew', {
      token: root,
      body: { lease_id: leaseId },
    });
    assert.equal(renew.status, 400);
    assert.match(JSON.stringify(renew.body), /tokens cannot be renewed through this endpoint/);
    // Token renewal goes through auth/token/renew and the lease follows it.
    assert.equal(
      (
        await server.request('POST', 'auth/token/renew', {
          token: root,
          body: { token: t.token, increment: '2h' },
        })
      ).status,
      200,
    );
    const look = await lookupLease(leaseId);
    assert.ok((look.data?.['ttl'] as number) > 3600, look.text);
    assert.notEqual(look.data?.['last_renewal'], null);

    const async = await server.request('PUT', `sys/leases/revoke/${leaseId}`, {
      token: root,
      body: { sync: false },
    });
    assert.equal(async.status, 202, async.text);
    await until('async revoke', 5000, async () => !(await tokenWorks(t.token)));

    const tidy = await server.request('PUT', 'sys/leases/tidy', { token: root });
    assert.equal(tidy.status, 202);
    assert.equal((tidy.body?.['warnings'] as string[]).length, 1);

    const count = await server.request('GET', 'sys/leases/count?type=irrevocable', { token: root });
    assert.equal(count.status, 200, count.text);
    assert.deepEqual(count.body?.['data'], { counts: {}, lease_count: 0 });
    const list = await server.request('GET', 'sys/leases?type=irrevocable', { token: root });
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.body?.['data'], { lease_count: 0, leases: [] });

    // sudo: a default-policy token may look up a lease by ID but not list or revoke-prefix.
    const plain = await createToken({ ttl: '1h', policies: ['default'] });
    assert.equal(
      (await server.request('PUT', 'sys/leases/lookup', { token: plain.token, body: { lease_id: 'x/y' } }))
        .status,
      400,
    );
    assert.equal(
      (await server.request('LIST', 'sys/leases/lookup/auth/', { token: plain.token })).status,
      403,
    );
    assert.equal(
      (await server.request('PUT', 'sys/leases/revoke-prefix/auth/token/', { token: plain.token })).status,
      403,
    );
    assert.equal(
      (await server.request('PUT', 'sys/revoke-force/auth/token/', { token: plain.token })).status,
      403,
    );
  });
});

void describe('userpass login leases and mount TTLs', () => {
  before(async () => {
    assert.equal(
      (await server.request('POST', 'sys/auth/userpass', { token: root, body: { type: 'userpass' } })).status,
      204,
    );
    for (const user of ['bob', 'carol']) {
      const res = await server.request('POST', `auth/userpass/users/${user}`, {
        token: root,
        body: {
          password: 'pw-123456',
          token_policies: 'default',
          ...(user === 'carol' ? { token_ttl: '2h' } : {}),
        },
      });
      assert.equal(res.status, 204, res.text);
    }
  });

  async function login(user: string): Promise<{ token: string; leaseDuration: number }> {
    const res = await server.request('POST', `auth/userpass/login/${user}`, {
      body: { password: 'pw-123456' },
    });
    assert.equal(res.status, 200, res.text);
    const auth = res.body?.['auth'] as { client_token: string; lease_duration: number };
    return { token: auth.client_token, leaseDuration: auth.lease_duration };
  }

  void it('a login on a mount tuned to default_lease_ttl=30s gets a 30 s token and lease; max is a hard cap', async () => {
    const tune = await server.request('POST', 'sys/auth/userpass/tune', {
      token: root,
      body: { default_lease_ttl: '30s', max_lease_ttl: '60s' },
    });
    assert.equal(tune.status, 204, tune.text);
    const bob = await login('bob');
    assert.equal(bob.leaseDuration, 30);
    const self = await server.request('GET', 'auth/token/lookup-self', { token: bob.token });
    assert.ok((self.body?.['data'] as { ttl: number }).ttl <= 30);
    const keys = await listLeases('auth/userpass/login/bob/');
    assert.equal(keys.length, 1);
    const look = await lookupLease(`auth/userpass/login/bob/${keys[0] ?? ''}`);
    assert.equal(look.status, 200, look.text);
    assert.ok((look.data?.['ttl'] as number) <= 30 && (look.data?.['ttl'] as number) >= 28);
    // carol asks for 2h: capped at the mount's 60 s, also on renewal.
    const carol = await login('carol');
    assert.equal(carol.leaseDuration, 60);
    const renewed = await server.request('POST', 'auth/token/renew-self', {
      token: carol.token,
      body: { increment: '1h' },
    });
    assert.equal(renewed.status, 200, renewed.text);
    assert.ok((renewed.body?.['auth'] as { lease_duration: number }).lease_duration <= 60);
  });

  void it('revoke-prefix auth/userpass/ (node-vault revokePrefix → sys/revoke-prefix) revokes login tokens', async () => {
    const a = await login('bob');
    const b = await login('carol');
    assert.ok(await tokenWorks(a.token));
    const vault = nodeVault({ endpoint: server.url, token: root, apiVersion: 'v1' });
    await vault.revokePrefix({ path_prefix: 'auth/userpass/login/bob' });
    assert.equal(await tokenWorks(a.token), false);
    assert.ok(await tokenWorks(b.token));
    const res = await server.request('PUT', 'sys/leases/revoke-prefix/auth/userpass/', { token: root });
    assert.equal(res.status, 204, res.text);
    assert.equal(await tokenWorks(b.token), false);
  });

  void it('disabling the auth mount revokes its login tokens first', async () => {
    const a = await login('bob');
    assert.ok(await tokenWorks(a.token));
    assert.equal((await server.request('DELETE', 'sys/auth/userpass', { token: root })).status, 204);
    assert.equal(await tokenWorks(a.token), false);
    assert.deepEqual(await listLeases('auth/userpass/'), []);
  });

  void it('exports lease and token gauges', async () => {
    const res = await server.request('GET', 'sys/metrics?format=prometheus', { token: root });
    assert.equal(res.status, 200, res.text);
    const leases = /^coffer_expire_num_leases (\d+)$/m.exec(res.text);
    const tokens = /^coffer_token_count (\d+)$/m.exec(res.text);
    assert.ok(leases !== null && tokens !== null, res.text.slice(0, 2000));
    assert.ok(Number(tokens[1]) >= 1);
    assert.ok(Number(leases[1]) >= 1);
  });
});
