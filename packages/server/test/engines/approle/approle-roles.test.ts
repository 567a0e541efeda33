import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approleEngineFactory } from '../../../src/engines/approle/index.js';
import { ErrorCode } from '../../../src/errors/error-code.js';
import { expectError } from '../engine-harness.js';
import { AuthHarness } from '../userpass/auth-harness.js';

async function approle(): Promise<AuthHarness> {
  const h = new AuthHarness('auth/approle/');
  return h.mount(approleEngineFactory({ tokens: h.tokens }));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const DEFAULT_ROLE_DATA = {
  bind_secret_id: true,
  local_secret_ids: false,
  secret_id_bound_cidrs: [],
  secret_id_num_uses: 0,
  secret_id_ttl: 0,
  token_bound_cidrs: [],
  token_explicit_max_ttl: 0,
  token_max_ttl: 0,
  token_no_default_policy: false,
  token_num_uses: 0,
  token_period: 0,
  token_policies: [],
  token_ttl: 0,
  token_type: 'default',
};

void describe('approle: roles', () => {
  void it('creates a role with Vault’s defaults (existence check: create, then update)', async () => {
    const h = await approle();
    assert.equal(await h.write('role/web', {}), undefined);
    assert.equal(h.lastOperation, 'create');
    assert.deepEqual((await h.read('role/web'))?.data, DEFAULT_ROLE_DATA);
    assert.match(String((await h.read('role/web/role-id'))?.data?.['role_id']), UUID);
    await h.write('role/web', {
      token_policies: 'dev,ops',
      token_ttl: '10m',
      token_max_ttl: '15m',
      secret_id_ttl: '1h',
      secret_id_num_uses: 40,
      secret_id_bound_cidrs: '10.0.0.0/8',
    });
    assert.equal(h.lastOperation, 'update');
    assert.deepEqual((await h.read('role/web'))?.data, {
      ...DEFAULT_ROLE_DATA,
      token_policies: ['dev', 'ops'],
      token_ttl: 600,
      token_max_ttl: 900,
      secret_id_ttl: 3600,
      secret_id_num_uses: 40,
      secret_id_bound_cidrs: ['10.0.0.0/8'],
    });
  });

  void it('lower-cases role names, lists roles (404 when none) and deletes them', async () => {
    const h = await approle();
    await expectError(h.list('role'), ErrorCode.NotFound, '');
    await h.write('role/Web.App', {});
    await h.write('role/db', {});
    assert.deepEqual((await h.list('role'))?.data, { keys: ['db', 'web.app'] });
    assert.ok((await h.read('role/WEB.APP'))?.data);
    assert.equal(await h.delete('role/web.app'), undefined);
    await expectError(h.read('role/web.app'), ErrorCode.NotFound, '');
    assert.equal(await h.delete('role/web.app'), undefined, 'deleting a missing role is a 204');
  });

  void it('requires at least one constraint (bind_secret_id or a CIDR binding)', async () => {
    const h = await approle();
    await expectError(
      h.write('role/open', { bind_secret_id: false }),
      ErrorCode.BadRequest,
      'at least one constraint should be enabled on the role',
    );
    await h.write('role/cidr', { bind_secret_id: false, secret_id_bound_cidrs: ['10.0.0.0/8'] });
    await h.write('role/tok', { bind_secret_id: false, token_bound_cidrs: '127.0.0.1' });
    await expectError(
      h.delete('role/cidr/secret-id-bound-cidrs'),
      ErrorCode.BadRequest,
      'at least one constraint should be enabled on the role',
    );
  });

  void it('validates with Vault’s messages', async () => {
    const h = await approle();
    await h.write('role/r', {});
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ local_secret_ids: true }, 'local_secret_ids can only be modified during role creation'],
      [{ secret_id_num_uses: -1 }, 'secret_id_num_uses cannot be negative'],
      [{ secret_id_bound_cidrs: '10.0.0.0/40' }, 'invalid CIDR blocks'],
      [{ token_bound_cidrs: 'x' }, 'error parsing token_bound_cidrs: invalid address or CIDR "x"'],
      [{ token_type: 'batch' }, 'batch tokens are not supported by this server'],
      [{ token_ttl: 100, token_max_ttl: 50 }, "'token_ttl' cannot be greater than 'token_max_ttl'"],
      [
        { period: '800h' },
        'period of "800h0m0s" is greater than the backend\'s maximum lease TTL of "768h0m0s"',
      ],
      [{ role_id: '' }, 'invalid role_id supplied, or failed to generate a role_id'],
    ];
    for (const [data, message] of cases)
      await expectError(h.write('role/r', data), ErrorCode.BadRequest, message);
    await expectError(
      h.write(`role/${'x'.repeat(4097)}`, {}),
      ErrorCode.BadRequest,
      'role_name is longer than maximum of 4096 bytes',
    );
  });

  void it('warns on token_max_ttl above the system max and adjusts default-service', async () => {
    const h = await approle();
    assert.deepEqual(
      (await h.write('role/r', { token_max_ttl: '1000h', token_type: 'default-service' }))?.warnings,
      [
        'default-service has no useful meaning; adjusting to service',
        "token_max_ttl is greater than the backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
      ],
    );
    assert.equal((await h.read('role/r'))?.data?.['token_type'], 'service');
  });

  void it('accepts local_secret_ids at creation and reports it', async () => {
    const h = await approle();
    await h.write('role/r', { local_secret_ids: true });
    assert.equal((await h.read('role/r'))?.data?.['local_secret_ids'], true);
    assert.deepEqual((await h.read('role/r/local-secret-ids'))?.data, { local_secret_ids: true });
  });

  void it('upgrades the deprecated policies and period', async () => {
    const h = await approle();
    await h.write('role/r', { policies: 'B,a', period: '1h' });
    let data = (await h.read('role/r'))?.data;
    assert.deepEqual(data?.['token_policies'], ['a', 'b']);
    assert.deepEqual(data?.['policies'], ['a', 'b']);
    assert.equal(data?.['token_period'], 3600);
    assert.equal(data?.['period'], 3600);
    await h.write('role/r', { token_policies: 'c', token_period: 60 });
    data = (await h.read('role/r'))?.data;
    assert.deepEqual(data?.['token_policies'], ['c']);
    assert.equal(data?.['policies'], undefined);
    assert.equal(data?.['token_period'], 60);
    assert.equal(data?.['period'], undefined);
  });

  void it('role-id: custom values, uniqueness across roles, and the old one stops logging in', async () => {
    const h = await approle();
    await h.write('role/a', { bind_secret_id: false, secret_id_bound_cidrs: '127.0.0.0/8' });
    await h.write('role/b', {
      role_id: 'custom-b',
      bind_secret_id: false,
      secret_id_bound_cidrs: '127.0.0.0/8',
    });
    assert.deepEqual((await h.read('role/b/role-id'))?.data, { role_id: 'custom-b' });
    const oldId = String((await h.read('role/a/role-id'))?.data?.['role_id']);
    assert.ok((await h.write('login', { role_id: oldId }))?.auth);

    await expectError(
      h.write('role/a/role-id', { role_id: 'custom-b' }),
      ErrorCode.BadRequest,
      'role_id already in use',
    );
    await expectError(
      h.write('role/a', { role_id: 'custom-b' }),
      ErrorCode.BadRequest,
      'role_id already in use',
    );
    await expectError(h.write('role/a/role-id', {}), ErrorCode.BadRequest, 'missing role_id');
    await expectError(
      h.write('role/none/role-id', { role_id: 'z' }),
      ErrorCode.NotFound,
      'role "none" does not exist',
    );
    await expectError(h.read('role/none/role-id'), ErrorCode.NotFound, '');

    assert.equal(await h.write('role/a/role-id', { role_id: 'custom-a' }), undefined);
    assert.ok((await h.write('login', { role_id: 'custom-a' }))?.auth);
    await expectError(
      h.write('login', { role_id: oldId }),
      ErrorCode.InvalidCredentials,
      'invalid role or secret ID',
    );
    // The freed role ID can be taken by another role.
    await h.write('role/b/role-id', { role_id: oldId });
    assert.equal((await h.write('login', { role_id: oldId }))?.auth?.metadata?.['role_name'], 'b');
  });

  void it('repairs a missing role-id index on read, with Vault’s warning', async () => {
    const h = await approle();
    await h.write('role/r', { role_id: 'rid' });
    const index = (await h.storage.list('role-id/'))[0] ?? '';
    await h.storage.delete(`role-id/${index}`);
    await expectError(h.write('login', { role_id: 'rid', secret_id: 'x' }), ErrorCode.InvalidCredentials);
    assert.deepEqual((await h.read('role/r'))?.warnings, [
      'Role identifier was missing an index back to role name. A new index has been added. Please report this observation.',
    ]);
    assert.equal((await h.read('role/r'))?.warnings, undefined);
  });

  void it('deleting a role removes its secret IDs, accessors and role-id index', async () => {
    const h = await approle();
    await h.write('role/r', {});
    await h.write('role/keep', {});
    await h.write('role/r/secret-id', {});
    await h.write('role/r/custom-secret-id', { secret_id: 'my-custom-secret' });
    await h.write('role/keep/secret-id', {});
    await h.delete('role/r');
    const keys = (await h.dump()).map((e) => e.key).filter((k) => k.startsWith('auth/approle/'));
    assert.equal(keys.filter((k) => k.includes('/role/')).length, 1);
    assert.equal(keys.filter((k) => k.includes('/role-id/')).length, 1);
    assert.equal(keys.filter((k) => k.includes('/secret-id/')).length, 1);
    assert.equal(keys.filter((k) => k.includes('/secret-id-accessor/')).length, 1);
    await h.write('role/r', {});
    await expectError(h.list('role/r/secret-id'), ErrorCode.NotFound, '');
  });
});

void describe('approle: single-property endpoints', () => {
  const table: Array<{
    suffix: string;
    set: Record<string, unknown>;
    read: Record<string, unknown>;
    reset: Record<string, unknown>;
  }> = [
    {
      suffix: 'policies',
      set: { token_policies: 'a,b' },
      read: { token_policies: ['a', 'b'] },
      reset: { token_policies: [] },
    },
    {
      suffix: 'secret-id-num-uses',
      set: { secret_id_num_uses: 5 },
      read: { secret_id_num_uses: 5 },
      reset: { secret_id_num_uses: 0 },
    },
    {
      suffix: 'secret-id-ttl',
      set: { secret_id_ttl: '5m' },
      read: { secret_id_ttl: 300 },
      reset: { secret_id_ttl: 0 },
    },
    { suffix: 'token-ttl', set: { token_ttl: '5m' }, read: { token_ttl: 300 }, reset: { token_ttl: 0 } },
    {
      suffix: 'token-max-ttl',
      set: { token_max_ttl: '1h' },
      read: { token_max_ttl: 3600 },
      reset: { token_max_ttl: 0 },
    },
    {
      suffix: 'token-num-uses',
      set: { token_num_uses: 2 },
      read: { token_num_uses: 2 },
      reset: { token_num_uses: 0 },
    },
    {
      suffix: 'bind-secret-id',
      set: { bind_secret_id: false },
      read: { bind_secret_id: false },
      reset: { bind_secret_id: true },
    },
    {
      suffix: 'secret-id-bound-cidrs',
      set: { secret_id_bound_cidrs: '10.0.0.0/8' },
      read: { secret_id_bound_cidrs: ['10.0.0.0/8'] },
      reset: { secret_id_bound_cidrs: [] },
    },
    {
      suffix: 'token-bound-cidrs',
      set: { token_bound_cidrs: '::1' },
      read: { token_bound_cidrs: ['::1'] },
      reset: { token_bound_cidrs: [] },
    },
    { suffix: 'period', set: { token_period: '1m' }, read: { token_period: 60 }, reset: { token_period: 0 } },
  ];

  for (const row of table) {
    void it(`role/:name/${row.suffix}: read, update, delete`, async () => {
      const h = await approle();
      // A CIDR binding keeps the role valid whichever property is reset.
      await h.write('role/r', { token_bound_cidrs: '0.0.0.0/0', secret_id_bound_cidrs: '0.0.0.0/0' });
      if (row.suffix === 'token-bound-cidrs') await h.write('role/r', { token_bound_cidrs: '' });
      if (row.suffix === 'secret-id-bound-cidrs') await h.write('role/r', { secret_id_bound_cidrs: '' });
      assert.equal(await h.write(`role/r/${row.suffix}`, row.set), undefined);
      assert.deepEqual((await h.read(`role/r/${row.suffix}`))?.data, row.read);
      for (const [k, v] of Object.entries(row.read))
        assert.deepEqual((await h.read('role/r'))?.data?.[k], v, k);
      assert.equal(await h.delete(`role/r/${row.suffix}`), undefined);
      assert.deepEqual((await h.read(`role/r/${row.suffix}`))?.data, row.reset);
      await expectError(h.read(`role/none/${row.suffix}`), ErrorCode.NotFound, '');
      await expectError(
        h.write(`role/none/${row.suffix}`, row.set),
        ErrorCode.NotFound,
        'role "none" does not exist',
      );
    });
  }

  void it('answers "missing <field>" when the property is not sent', async () => {
    const h = await approle();
    await h.write('role/r', {});
    await expectError(h.write('role/r/token-ttl', {}), ErrorCode.BadRequest, 'missing token_ttl');
    await expectError(
      h.write('role/r/policies', { token_ttl: 5 }),
      ErrorCode.BadRequest,
      'missing token_policies',
    );
    await expectError(h.write('role/r/period', {}), ErrorCode.BadRequest, 'missing period');
  });

  void it('keeps the deprecated spellings: policies, period, bound-cidr-list (with a warning)', async () => {
    const h = await approle();
    await h.write('role/r', {});
    await h.write('role/r/policies', { policies: 'x' });
    assert.deepEqual((await h.read('role/r/policies'))?.data, { token_policies: ['x'], policies: ['x'] });
    await h.write('role/r/period', { period: 90 });
    assert.deepEqual((await h.read('role/r/period'))?.data, { token_period: 90, period: 90 });
    await h.write('role/r/bound-cidr-list', { bound_cidr_list: '10.0.0.0/8' });
    const resp = await h.read('role/r/bound-cidr-list');
    assert.deepEqual(resp?.data, { bound_cidr_list: ['10.0.0.0/8'] });
    assert.equal(resp?.warnings?.length, 1);
    assert.deepEqual((await h.read('role/r'))?.data?.['secret_id_bound_cidrs'], ['10.0.0.0/8']);
  });

  void it('token-ttl cannot exceed token-max-ttl', async () => {
    const h = await approle();
    await h.write('role/r', { token_max_ttl: 60 });
    await expectError(
      h.write('role/r/token-ttl', { token_ttl: 61 }),
      ErrorCode.BadRequest,
      "'token_ttl' cannot be greater than 'token_max_ttl'",
    );
  });
});
