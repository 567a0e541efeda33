import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CofferError } from '../../src/errors/coffer-error.js';
import { HOUR, TokenHarness, authOf } from './token-harness.js';

async function setup() {
  const h = new TokenHarness();
  const root = await h.root();
  const web = await h.store.create(root, { policies: ['web'] });
  return { h, root, web: authOf(web.clientToken, web.entry) };
}

void describe('auth/token roles', () => {
  void it('writes, reads (Vault’s shape), lists and deletes roles', async () => {
    const { h, root } = await setup();
    assert.equal(
      (
        await h.status(
          'update',
          'roles/deploy',
          { allowed_policies: 'DB, ops', orphan: true, path_suffix: 'v1.0' },
          root,
        )
      ).status,
      204,
    );
    const res = await h.call('read', 'roles/deploy', {}, root);
    assert.deepEqual(res?.data, {
      allowed_entity_aliases: null,
      allowed_policies: ['db', 'ops'],
      allowed_policies_glob: [],
      disallowed_policies: [],
      disallowed_policies_glob: [],
      explicit_max_ttl: 0,
      name: 'deploy',
      orphan: true,
      path_suffix: 'v1.0',
      period: 0,
      renewable: true,
      token_explicit_max_ttl: 0,
      token_no_default_policy: false,
      token_period: 0,
      token_type: 'default-service',
    });
    await h.call('update', 'roles/other', {}, root);
    assert.deepEqual((await h.call('list', 'roles/', {}, root))?.data, { keys: ['deploy', 'other'] });
    assert.equal((await h.status('delete', 'roles/other', {}, root)).status, 204);
    assert.equal((await h.status('read', 'roles/other', {}, root)).status, 404);
    await h.call('delete', 'roles/deploy', {}, root);
    assert.equal((await h.status('list', 'roles/', {}, root)).status, 404, 'empty list is a 404');
  });

  void it('updates keep fields that are not sent; deprecated spellings fill the token_ ones', async () => {
    const { h, root } = await setup();
    await h.call(
      'update',
      'roles/r',
      { allowed_policies: ['web'], period: '1h', explicit_max_ttl: 7200, token_num_uses: 4 },
      root,
    );
    await h.call('update', 'roles/r', { orphan: true }, root);
    const data = (await h.call('read', 'roles/r', {}, root))?.data ?? {};
    assert.deepEqual(data['allowed_policies'], ['web']);
    assert.equal(data['orphan'], true);
    assert.equal(data['period'], HOUR);
    assert.equal(data['token_period'], HOUR);
    assert.equal(data['explicit_max_ttl'], 7200);
    assert.equal(data['token_explicit_max_ttl'], 7200);
    assert.equal(data['token_num_uses'], 4);
    const both = await h.call('update', 'roles/r', { period: 60, token_period: 120 }, root);
    assert.deepEqual(both?.warnings, [
      "Both 'token_period' and deprecated 'period' value supplied, ignoring the deprecated value",
    ]);
    const after = (await h.call('read', 'roles/r', {}, root))?.data ?? {};
    assert.equal(after['token_period'], 120);
    assert.equal(after['period'], 0);
  });

  void it('validates role fields', async () => {
    const { h, root } = await setup();
    assert.equal(
      (await h.status('update', 'roles/r', { token_type: 'nope' }, root)).message,
      `invalid 'token_type' value "nope"`,
    );
    assert.equal((await h.status('update', 'roles/r', { path_suffix: 'a/../b' }, root)).status, 400);
    assert.equal(
      (await h.status('update', 'roles/r', { token_bound_cidrs: '10.0.0.0/33' }, root)).status,
      400,
    );
    assert.equal(
      (await h.status('update', 'roles/r', { token_type: 'batch' }, root)).status,
      400,
      'batch needs orphan',
    );
    const ok = await h.status(
      'update',
      'roles/r',
      { token_bound_cidrs: '10.0.0.0/8,::1', token_explicit_max_ttl: '10000h' },
      root,
    );
    assert.equal(ok.status, 200);
    assert.match(
      ok.response?.warnings?.[0] ?? '',
      /^Given explicit max TTL of 36000000 is greater than system\/mount allowed value/,
    );
    assert.deepEqual((await h.call('read', 'roles/r', {}, root))?.data?.['token_bound_cidrs'], [
      '10.0.0.0/8',
      '::1',
    ]);
  });

  void it('create/:role lets a non-sudo caller escape the subset rule within allowed_policies', async () => {
    const { h, root, web } = await setup();
    await h.call('update', 'roles/deploy', { allowed_policies: ['db', 'ops'] }, root);
    const def = await h.call('update', 'create/deploy', {}, web);
    assert.deepEqual(def?.auth?.policies, ['db', 'default', 'ops'], 'the allowed set by default');
    const some = await h.call('update', 'create/deploy', { policies: ['db'] }, web);
    assert.deepEqual(some?.auth?.policies, ['db', 'default']);
    const entry = await h.store.lookup(some?.auth?.client_token ?? '');
    assert.equal(entry?.path, 'auth/token/create/deploy');
    const lookup = await h.call('update', 'lookup', { token: some?.auth?.client_token }, root);
    assert.equal(lookup?.data?.['role'], 'deploy');
    const denied = await h.status('update', 'create/deploy', { policies: ['web'] }, web);
    assert.equal(denied.status, 400);
    assert.match(denied.message, /must be subset of the role's allowed policies/);
  });

  void it('glob and disallowed policies, default policy handling', async () => {
    const { h, root, web } = await setup();
    await h.call(
      'update',
      'roles/g',
      { allowed_policies_glob: 'team-*', disallowed_policies: 'team-secret' },
      root,
    );
    const ok = await h.call('update', 'create/g', { policies: ['team-a'] }, web);
    assert.deepEqual(ok?.auth?.policies, ['default', 'team-a']);
    assert.equal(
      (await h.status('update', 'create/g', { policies: ['team-secret'] }, web)).message,
      'token policy "team-secret" is disallowed by this role',
    );
    await h.call('update', 'roles/nodef', { disallowed_policies: 'default' }, root);
    // As in Vault: inheriting a parent that holds "default" trips the role's disallow list...
    assert.equal(
      (await h.status('update', 'create/nodef', {}, web)).message,
      'token policy "default" is disallowed by this role',
    );
    // ...while naming policies leaves "default" out.
    const nodef = await h.call('update', 'create/nodef', { policies: ['web'] }, web);
    assert.deepEqual(nodef?.auth?.policies, ['web']);
    assert.equal(
      (await h.status('update', 'roles/r2', { path_suffix: 'v1' }, root)).status,
      400,
      "Vault's suffix pattern needs 3+ chars",
    );
  });

  void it('applies orphan, renewable, num_uses, period, explicit max TTL and path suffix from the role', async () => {
    const { h, root, web } = await setup();
    await h.call(
      'update',
      'roles/svc',
      {
        orphan: true,
        renewable: false,
        token_num_uses: 3,
        path_suffix: 'rev2',
        token_explicit_max_ttl: '2h',
      },
      root,
    );
    const res = await h.call(
      'update',
      'create/svc',
      { num_uses: 10, ttl: '5h', explicit_max_ttl: '3h' },
      web,
    );
    assert.equal(res?.auth?.orphan, true);
    assert.equal(res?.auth?.renewable, false);
    assert.equal(res?.auth?.num_uses, 3);
    assert.equal(res?.auth?.lease_duration, 2 * HOUR);
    assert.ok(
      res?.warnings?.includes(
        'Explicit max TTL specified both during creation call and in role; using the lesser value of 7200 seconds',
      ),
    );
    const entry = await h.store.lookup(res?.auth?.client_token ?? '');
    assert.equal(entry?.path, 'auth/token/create/svc/rev2');

    await h.call('update', 'roles/periodic', { token_period: '30m' }, root);
    const p = await h.call('update', 'create/periodic', {}, web);
    assert.equal(p?.auth?.lease_duration, 1800, 'role period needs no sudo');
  });

  void it('roles that issue batch tokens or name entity aliases are refused at create time', async () => {
    const { h, root, web } = await setup();
    await h.call('update', 'roles/b', { token_type: 'batch', orphan: true, renewable: false }, root);
    const err = await h.status('update', 'create/b', {}, web);
    assert.equal(err.status, 400);
    await h.call('update', 'roles/e', { allowed_entity_aliases: 'x' }, root);
    assert.equal((await h.status('update', 'create/e', { entity_alias: 'x' }, web)).status, 400);
  });

  void it('role names follow Vault’s name pattern', async () => {
    const { h, root } = await setup();
    await assert.rejects(h.call('update', 'roles/-bad', {}, root), /no route/);
    assert.equal(await h.store.readRole('a/b'), undefined);
    await assert.rejects(
      h.store.writeRole({ ...(await import('../../src/tokens/token-role.js')).defaultTokenRole('') }),
      CofferError,
    );
  });
});
