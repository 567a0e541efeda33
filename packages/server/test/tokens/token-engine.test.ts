import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestAuth } from '../../src/logical/logical-request.js';
import type { AuthResponse } from '../../src/logical/logical-response.js';
import { tokenEngineFactory } from '../../src/tokens/token-engine-factory.js';
import { HOUR, T0, TokenHarness, authOf } from './token-harness.js';
import { wireOf } from '../wire-of.js';

const AUTH_KEYS = [
  'accessor',
  'client_token',
  'entity_id',
  'lease_duration',
  'metadata',
  'mfa_requirement',
  'num_uses',
  'orphan',
  'policies',
  'renewable',
  'token_policies',
  'token_type',
];

async function setup(): Promise<{ h: TokenHarness; root: RequestAuth }> {
  const h = new TokenHarness();
  const root = await h.root();
  return { h, root };
}

/** Creates a token through the endpoint and returns its auth block and RequestAuth. */
async function createVia(
  h: TokenHarness,
  caller: RequestAuth,
  data: Record<string, unknown>,
  path = 'create',
) {
  const res = await h.call('update', path, data, caller);
  assert.ok(res?.auth !== undefined);
  const entry = await h.store.lookup(res.auth.client_token);
  assert.ok(entry !== undefined);
  return { auth: res.auth, res, as: authOf(res.auth.client_token, entry) };
}

void describe('auth/token engine: create', () => {
  void it('answers create with Vault’s auth block and no data', async () => {
    const { h, root } = await setup();
    const res = await h.call(
      'update',
      'create',
      { policies: ['web'], ttl: '1h', meta: { user: 'armon' }, num_uses: 3 },
      root,
    );
    assert.ok(res !== undefined);
    assert.equal(res.data, undefined);
    assert.equal(res.warnings, undefined);
    const auth = res.auth as AuthResponse;
    assert.deepEqual(Object.keys(auth).sort(), AUTH_KEYS);
    assert.match(auth.client_token, /^hvs\./);
    assert.match(auth.accessor, /^[A-Za-z0-9]{24}$/);
    assert.deepEqual(auth.policies, ['default', 'web']);
    assert.deepEqual(auth.token_policies, ['default', 'web']);
    assert.deepEqual(auth.metadata, { user: 'armon' });
    assert.equal(auth.lease_duration, HOUR);
    assert.equal(auth.renewable, true);
    assert.equal(auth.entity_id, '');
    assert.equal(auth.token_type, 'service');
    assert.equal(auth.orphan, false);
    assert.equal(auth.mfa_requirement, null);
    assert.equal(auth.num_uses, 3);
  });

  void it('reports metadata null when empty, comma-string policies, warnings for unknown policies', async () => {
    const { h, root } = await setup();
    const res = await h.call('update', 'create', { policies: 'web,ghost', display_name: 'ci' }, root);
    assert.equal(res?.auth?.metadata, null);
    assert.deepEqual(res?.auth?.policies, ['default', 'ghost', 'web']);
    assert.deepEqual(res?.warnings, ['Policy "ghost" does not exist']);
    const entry = await h.store.lookup(res?.auth?.client_token ?? '');
    assert.equal(entry?.displayName, 'token-ci');
  });

  void it('root creating without policies gets a non-expiring, non-renewable root token', async () => {
    const { h, root } = await setup();
    const { auth } = await createVia(h, root, {});
    assert.deepEqual(auth.policies, ['root']);
    assert.equal(auth.lease_duration, 0);
    assert.equal(auth.renewable, false);
  });

  void it('400 for a policy outside the parent; 400 for sudo-only parameters', async () => {
    const { h, root } = await setup();
    const { as: web } = await createVia(h, root, { policies: ['web'] });
    assert.deepEqual(await h.status('update', 'create', { policies: ['db'] }, web), {
      status: 400,
      message: 'child policies must be subset of parent',
      response: undefined,
    });
    assert.equal(
      (await h.status('update', 'create', { id: 'x' }, web)).message,
      'root or sudo privileges required to specify token id',
    );
    assert.equal((await h.status('update', 'create', { no_parent: true }, web)).status, 400);
    assert.equal((await h.status('update', 'create', { period: '1h' }, web)).status, 400);
    assert.equal((await h.status('update', 'create', { ttl: 'banana' }, web)).status, 400);
    assert.equal((await h.status('update', 'create', { ttl: '-1h' }, web)).message, 'ttl must be positive');
  });

  void it('create-orphan makes orphans without sudo; create/:role_name needs a known role', async () => {
    const { h, root } = await setup();
    const { as: web } = await createVia(h, root, { policies: ['web'] });
    const { auth } = await createVia(h, web, {}, 'create-orphan');
    assert.equal(auth.orphan, true);
    const entry = await h.store.lookup(auth.client_token);
    assert.equal(entry?.path, 'auth/token/create-orphan');
    const unknown = await h.status('update', 'create/nope', {}, root);
    assert.deepEqual([unknown.status, unknown.message], [400, 'unknown role nope']);
  });

  void it('denies unauthenticated calls', async () => {
    const { h } = await setup();
    assert.equal((await h.status('update', 'create', {})).status, 403);
    assert.equal((await h.status('read', 'lookup-self', {})).status, 403);
  });
});

void describe('auth/token engine: lookup', () => {
  void it('lookup-self (GET and POST) returns every field Vault returns', async () => {
    const { h, root } = await setup();
    const { as: t } = await createVia(h, root, {
      policies: ['web'],
      ttl: '2h',
      meta: { a: 'b' },
      explicit_max_ttl: '10h',
    });
    h.advance(600);
    for (const op of ['read', 'update'] as const) {
      const res = await h.call(op, 'lookup-self', {}, t);
      assert.deepEqual(res?.data, {
        accessor: t.entry.accessor,
        creation_time: T0 / 1000,
        creation_ttl: 2 * HOUR,
        display_name: 'token',
        entity_id: '',
        expire_time: new Date(T0 + 2 * HOUR * 1000).toISOString(),
        explicit_max_ttl: 10 * HOUR,
        id: t.clientToken,
        issue_time: new Date(T0).toISOString(),
        meta: { a: 'b' },
        num_uses: 0,
        orphan: false,
        path: 'auth/token/create',
        policies: ['default', 'web'],
        renewable: true,
        ttl: 2 * HOUR - 600,
        type: 'service',
      });
    }
  });

  void it('the init root token has no lease: expire_time null, ttl 0, no issue_time/renewable', async () => {
    const { h, root } = await setup();
    const res = await h.call('read', 'lookup-self', {}, root);
    const data = res?.data ?? {};
    assert.equal(data['expire_time'], null);
    assert.equal(data['ttl'], 0);
    assert.equal(data['meta'], null);
    assert.equal(data['orphan'], true);
    assert.equal(data['path'], 'auth/token/root');
    assert.equal(data['display_name'], 'root');
    assert.deepEqual(data['policies'], ['root']);
    assert.equal('issue_time' in data, false);
    assert.equal('renewable' in data, false);
    assert.equal('period' in data, false);
  });

  void it('shows period, role and last renewal when set', async () => {
    const { h, root } = await setup();
    const { as: p } = await createVia(h, root, { period: '10m' });
    h.advance(60);
    await h.call('update', 'renew-self', {}, p);
    const data = (await h.call('read', 'lookup-self', {}, p))?.data ?? {};
    assert.equal(data['period'], 600);
    assert.equal(data['ttl'], 600);
    assert.equal(data['last_renewal_time'], T0 / 1000 + 60);
    assert.equal(data['last_renewal'], new Date(T0 + 60_000).toISOString());
  });

  void it('lookup takes the token from the body or query, else the caller; bad token → 403', async () => {
    const { h, root } = await setup();
    const { as: t } = await createVia(h, root, { policies: ['web'] });
    assert.equal(
      (await h.call('update', 'lookup', { token: t.clientToken }, root))?.data?.['accessor'],
      t.entry.accessor,
    );
    assert.equal(
      (await h.call('read', 'lookup', { token: t.clientToken }, root))?.data?.['id'],
      t.clientToken,
    );
    assert.equal((await h.call('update', 'lookup', {}, t))?.data?.['id'], t.clientToken);
    assert.deepEqual(await h.status('update', 'lookup', { token: 'hvs.bogus' }, root), {
      status: 403,
      message: 'bad token',
      response: undefined,
    });
    h.advance(800 * HOUR);
    assert.equal((await h.status('update', 'lookup', { token: t.clientToken }, root)).status, 403, 'expired');
  });

  void it('lookup-accessor hides the token ID; 400 for missing or unknown accessors', async () => {
    const { h, root } = await setup();
    const { as: t } = await createVia(h, root, { policies: ['web'] });
    const data =
      (await h.call('update', 'lookup-accessor', { accessor: t.entry.accessor }, root))?.data ?? {};
    assert.equal(data['id'], '');
    assert.equal(data['accessor'], t.entry.accessor);
    assert.deepEqual(data['policies'], ['default', 'web']);
    assert.deepEqual(await h.status('update', 'lookup-accessor', {}, root), {
      status: 400,
      message: 'missing accessor',
      response: undefined,
    });
    assert.equal(
      (await h.status('update', 'lookup-accessor', { accessor: 'zzz' }, root)).message,
      'invalid accessor',
    );
  });
});

void describe('auth/token engine: renew', () => {
  void it('renew, renew-self and renew-accessor answer an auth block with the new lease', async () => {
    const { h, root } = await setup();
    const { as: t } = await createVia(h, root, { policies: ['web'], ttl: '1h' });
    h.advance(1800);
    const r1 = await h.call('update', 'renew', { token: t.clientToken, increment: '2h' }, root);
    assert.deepEqual(Object.keys(r1?.auth ?? {}).sort(), AUTH_KEYS);
    assert.equal(r1?.auth?.client_token, t.clientToken);
    assert.equal(r1?.auth?.lease_duration, 2 * HOUR);
    assert.equal(r1?.auth?.renewable, true);
    assert.equal(r1?.data, undefined);
    const r2 = await h.call('update', 'renew-self', { increment: 600 }, t);
    assert.equal(r2?.auth?.lease_duration, 600);
    assert.equal(r2?.auth?.client_token, t.clientToken);
    const r3 = await h.call('update', 'renew-accessor', { accessor: t.entry.accessor }, root);
    assert.equal(r3?.auth?.client_token, '');
    assert.equal(r3?.auth?.lease_duration, 600, 'no increment: the last granted TTL');
    assert.equal(r3?.auth?.accessor, t.entry.accessor);
  });

  void it('renew errors are 400s with Vault’s messages', async () => {
    const { h, root } = await setup();
    const { as: nr } = await createVia(h, root, { policies: ['web'], renewable: false });
    assert.equal((await h.status('update', 'renew', {}, root)).message, 'missing token ID');
    assert.deepEqual(await h.status('update', 'renew', { token: 'hvs.nope' }, root), {
      status: 400,
      message: 'token not found',
      response: undefined,
    });
    assert.deepEqual(await h.status('update', 'renew', { token: nr.clientToken }, root), {
      status: 400,
      message: 'lease is not renewable',
      response: undefined,
    });
    assert.equal((await h.status('update', 'renew-accessor', {}, root)).message, 'missing accessor');
    assert.equal(
      (await h.status('update', 'renew-accessor', { accessor: 'nope' }, root)).message,
      'invalid accessor',
    );
    assert.equal((await h.status('update', 'renew-self', {}, root)).message, 'invalid lease ID');
  });

  void it('renew warns when capped', async () => {
    const { h, root } = await setup();
    const { as: t } = await createVia(h, root, { policies: ['web'], ttl: '1h', explicit_max_ttl: '90m' });
    const res = await h.call('update', 'renew-self', { increment: '3h' }, t);
    assert.equal(res?.auth?.lease_duration, 90 * 60);
    assert.deepEqual(res?.warnings, [
      'TTL of "3h" exceeded the effective max_ttl of "1h30m"; TTL value is capped accordingly',
    ]);
  });
});

void describe('auth/token engine: revoke', () => {
  void it('revoke kills the subtree (204); unknown tokens are 204 too; missing token is 400', async () => {
    const { h, root } = await setup();
    const { as: parent } = await createVia(h, root, { policies: ['web'] });
    const { as: child } = await createVia(h, parent, {});
    assert.equal((await h.status('update', 'revoke', { token: parent.clientToken }, root)).status, 204);
    assert.equal(await h.store.lookup(child.clientToken), undefined);
    assert.equal((await h.status('update', 'revoke', { token: 'hvs.nope' }, root)).status, 204);
    assert.deepEqual(await h.status('update', 'revoke', {}, root), {
      status: 400,
      message: 'missing token ID',
      response: undefined,
    });
  });

  void it('revoke-self revokes the caller', async () => {
    const { h, root } = await setup();
    const { as: t } = await createVia(h, root, { policies: ['web'] });
    assert.equal((await h.status('update', 'revoke-self', {}, t)).status, 204);
    assert.equal(await h.store.lookup(t.clientToken), undefined);
  });

  void it('revoke-accessor: 204, warning for unknown accessors, 400 when missing', async () => {
    const { h, root } = await setup();
    const { as: t } = await createVia(h, root, { policies: ['web'] });
    assert.equal(
      (await h.status('update', 'revoke-accessor', { accessor: t.entry.accessor }, root)).status,
      204,
    );
    assert.equal(await h.store.lookup(t.clientToken), undefined);
    const again = await h.status('update', 'revoke-accessor', { accessor: t.entry.accessor }, root);
    assert.equal(again.status, 200);
    assert.deepEqual(again.response?.warnings, ['No token found with this accessor']);
    assert.equal((await h.status('update', 'revoke-accessor', {}, root)).message, 'missing accessor');
  });

  void it('revoke-orphan needs sudo (400 otherwise) and leaves the children as orphans', async () => {
    const { h, root } = await setup();
    const { as: parent } = await createVia(h, root, { policies: ['web'] });
    const { as: child } = await createVia(h, parent, {});
    const denied = await h.status('update', 'revoke-orphan', { token: parent.clientToken }, parent);
    assert.deepEqual(
      [denied.status, denied.message],
      [400, 'root or sudo privileges required to revoke and orphan'],
    );
    assert.equal((await h.status('update', 'revoke-orphan', {}, root)).message, 'missing token ID');
    assert.equal(
      (await h.status('update', 'revoke-orphan', { token: 'hvs.nope' }, root)).message,
      'token to revoke not found',
    );
    assert.equal(
      (await h.status('update', 'revoke-orphan', { token: parent.clientToken }, root)).status,
      204,
    );
    assert.equal(await h.store.lookup(parent.clientToken), undefined);
    assert.equal((await h.store.lookup(child.clientToken))?.orphan, true);
    const sudoNonRoot = authOf(child.clientToken, child.entry, { sudo: true });
    const { as: grand } = await createVia(h, child, {});
    assert.equal(
      (await h.status('update', 'revoke-orphan', { token: grand.clientToken }, sudoNonRoot)).status,
      204,
    );
  });
});

void describe('auth/token engine: accessors and tidy', () => {
  void it('accessors is a root-protected LIST of every accessor', async () => {
    const { h, root } = await setup();
    const { as: t } = await createVia(h, root, { policies: ['web'] });
    const res = await h.call('list', 'accessors/', {}, root);
    assert.deepEqual(
      ((res?.data?.['keys'] as string[]) ?? []).sort(),
      [root.entry.accessor, t.entry.accessor].sort(),
    );
    const engine = await tokenEngineFactory(h.store).create(
      { path: 'auth/token/', type: 'token', accessor: 'a', uuid: 'u', options: {} },
      undefined as never,
    );
    const accessorsSpec = engine.paths.find((p) => new RegExp(`^(?:${p.pattern})$`).test('accessors/'));
    assert.equal(accessorsSpec?.rootProtected, true);
    const others = engine.paths.filter((p) => p !== accessorsSpec && p.rootProtected === true);
    assert.deepEqual(
      others,
      [],
      'only accessors is root-protected (revoke-orphan checks sudo itself, as Vault)',
    );
    assert.equal(tokenEngineFactory(h.store).type, 'token');
  });

  void it('tidy answers 202 with a warning in a full envelope, and reports a run in progress', async () => {
    const { h, root } = await setup();
    await createVia(h, root, { policies: ['web'], ttl: 60 });
    h.advance(120);
    const res = wireOf(await h.call('update', 'tidy', {}, root), 'token');
    assert.equal(res.status, 202);
    assert.equal(res.contentType, 'application/json');
    const body = res.body ?? {};
    assert.deepEqual(Object.keys(body).sort(), [
      'auth',
      'data',
      'lease_duration',
      'lease_id',
      'mount_type',
      'renewable',
      'request_id',
      'warnings',
      'wrap_info',
    ]);
    assert.equal(body['data'], null);
    assert.equal(body['mount_type'], 'token');
    assert.equal((body['warnings'] as string[]).length, 1);
    assert.equal(h.store.tidyRunning, true);
    const second = await h.call('update', 'tidy', {}, root);
    assert.deepEqual(second?.warnings, ['Tidy operation already in progress.']);
    const report = await h.store.tidy();
    assert.equal(report.revokedExpired, 1);
    assert.equal(h.store.tidyRunning, false);
  });
});
