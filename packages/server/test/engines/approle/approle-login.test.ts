import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approleEngineFactory } from '../../../src/engines/approle/index.js';
import { CofferError } from '../../../src/errors/coffer-error.js';
import { ErrorCode } from '../../../src/errors/error-code.js';
import { expectError } from '../engine-harness.js';
import { AuthHarness } from '../userpass/auth-harness.js';

async function approle(): Promise<AuthHarness> {
  const h = new AuthHarness('auth/approle/');
  return h.mount(approleEngineFactory({ tokens: h.tokens }));
}

async function setup(
  h: AuthHarness,
  role: Record<string, unknown> = {},
  secret: Record<string, unknown> = {},
): Promise<{ roleId: string; secretId: string; accessor: string }> {
  await h.write('role/app', role);
  const roleId = String((await h.read('role/app/role-id'))?.data?.['role_id']);
  if (role['bind_secret_id'] === false) return { roleId, secretId: '', accessor: '' };
  const data = (await h.write('role/app/secret-id', secret))?.data ?? {};
  return { roleId, secretId: String(data['secret_id']), accessor: String(data['secret_id_accessor']) };
}

const INVALID = 'invalid role or secret ID';

void describe('approle: login', () => {
  void it('returns Vault’s auth block with an orphan token (metadata role_name, display name approle)', async () => {
    const h = await approle();
    const { roleId, secretId } = await setup(h, {
      token_policies: 'web',
      token_ttl: '20m',
      token_max_ttl: '30m',
    });
    const resp = await h.write('login', { role_id: roleId, secret_id: secretId });
    const auth = resp?.auth;
    assert.ok(auth);
    assert.deepEqual(
      { ...auth, client_token: '', accessor: '' },
      {
        client_token: '',
        accessor: '',
        policies: ['default', 'web'],
        token_policies: ['default', 'web'],
        metadata: { role_name: 'app' },
        lease_duration: 1200,
        renewable: true,
        entity_id: '',
        token_type: 'service',
        orphan: true,
        mfa_requirement: null,
        num_uses: 0,
      },
    );
    const entry = await h.tokens.lookup(auth.client_token);
    assert.equal(entry?.displayName, 'approle');
    assert.equal(entry?.path, 'auth/approle/login');
    assert.equal(entry?.meta['role_name'], 'app');
  });

  void it('is the only unauthenticated path, and trims role_id and secret_id as Vault does', async () => {
    const h = await approle();
    assert.deepEqual(
      h.engine.paths.filter((p) => p.unauthenticated === true).map((p) => p.pattern),
      ['login'],
    );
    const { roleId, secretId } = await setup(h);
    assert.ok((await h.write('login', { role_id: ` ${roleId} `, secret_id: `${secretId}\n` }))?.auth);
  });

  void it('fails with 400 and Vault’s messages', async () => {
    const h = await approle();
    const { roleId, secretId } = await setup(h);
    await h.write('role/other', {});
    const otherSecret = String((await h.write('role/other/secret-id', {}))?.data?.['secret_id']);
    await expectError(h.write('login', {}), ErrorCode.BadRequest, 'missing role_id');
    await expectError(h.write('login', { role_id: roleId }), ErrorCode.BadRequest, 'missing secret_id');
    await expectError(
      h.write('login', { role_id: 'unknown', secret_id: secretId }),
      ErrorCode.InvalidCredentials,
      INVALID,
    );
    await expectError(
      h.write('login', { role_id: roleId, secret_id: 'unknown' }),
      ErrorCode.InvalidCredentials,
      INVALID,
    );
    await expectError(
      h.write('login', { role_id: roleId, secret_id: otherSecret }),
      ErrorCode.InvalidCredentials,
      INVALID,
    );
    await expectError(
      h.write('login', { role_id: roleId, secret_id: 'x'.repeat(5000) }),
      ErrorCode.InvalidCredentials,
      INVALID,
    );
    await expectError(
      h.write('login', { role_id: 'x'.repeat(5000), secret_id: secretId }),
      ErrorCode.InvalidCredentials,
      INVALID,
    );
    // Error messages never echo a presented secret ID.
    const errors = h.transcript.filter((l) => l.startsWith('CofferError'));
    assert.ok(errors.length >= 7);
    assert.ok(
      errors.every((l) => !l.includes(otherSecret) && !l.includes(secretId) && !l.includes('unknown')),
    );
    assert.ok(
      (await h.write('login', { role_id: roleId, secret_id: secretId }))?.auth,
      'failures spent nothing',
    );
  });

  void it('role without bind_secret_id logs in with role_id alone (within its CIDRs)', async () => {
    const h = await approle();
    const { roleId } = await setup(h, { bind_secret_id: false, secret_id_bound_cidrs: '127.0.0.0/8' });
    assert.ok((await h.write('login', { role_id: roleId }))?.auth);
    await expectError(
      h.write('login', { role_id: roleId }, '10.0.0.1'),
      ErrorCode.BadRequest,
      'source address "10.0.0.1" unauthorized by CIDR restrictions on the role',
    );
  });

  void it('secret_id_num_uses: 20 concurrent logins, exactly N succeed, then the secret ID is gone', async () => {
    const h = await approle();
    const N = 5;
    const { roleId, secretId, accessor } = await setup(h, { secret_id_num_uses: N });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => h.write('login', { role_id: roleId, secret_id: secretId })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(ok.length, N);
    assert.equal(failed.length, 20 - N);
    for (const f of failed) {
      assert.ok(f.reason instanceof CofferError);
      assert.equal(f.reason.code, ErrorCode.InvalidCredentials);
      assert.equal(f.reason.message, INVALID);
    }
    assert.equal(
      new Set(ok.map((r) => (r.status === 'fulfilled' ? r.value?.auth?.client_token : ''))).size,
      N,
    );
    assert.deepEqual(await h.storage.list('secret-id/app/'), []);
    assert.deepEqual(await h.storage.list('secret-id-accessor/'), []);
    await expectError(
      h.write('role/app/secret-id-accessor/lookup', { secret_id_accessor: accessor }),
      ErrorCode.NotFound,
    );
  });

  void it('decrements remaining uses as seen by lookup', async () => {
    const h = await approle();
    const { roleId, secretId } = await setup(h, { secret_id_num_uses: 3 });
    await h.write('login', { role_id: roleId, secret_id: secretId });
    h.advance(5);
    const data = (await h.write('role/app/secret-id/lookup', { secret_id: secretId }))?.data;
    assert.equal(data?.['secret_id_num_uses'], 2);
    assert.equal(data?.['last_updated_time'], '2024-05-01T10:00:00Z');
    h.advance(5);
    await h.write('login', { role_id: roleId, secret_id: secretId });
    const later = (await h.write('role/app/secret-id/lookup', { secret_id: secretId }))?.data;
    assert.equal(later?.['secret_id_num_uses'], 1);
    assert.equal(later?.['last_updated_time'], '2024-05-01T10:00:10Z');
  });

  void it('secret_id_ttl expiry follows the injected clock; expired secret IDs are deleted on use', async () => {
    const h = await approle();
    const { roleId, secretId } = await setup(h, { secret_id_ttl: 60 });
    h.advance(59);
    assert.ok((await h.write('login', { role_id: roleId, secret_id: secretId }))?.auth);
    h.advance(1);
    await expectError(
      h.write('login', { role_id: roleId, secret_id: secretId }),
      ErrorCode.InvalidCredentials,
      INVALID,
    );
    assert.deepEqual(await h.storage.list('secret-id/app/'), []);
    assert.deepEqual(await h.storage.list('secret-id-accessor/'), []);
  });

  void it('an explicit clock dependency overrides the token store’s', async () => {
    const h = new AuthHarness('auth/approle/');
    let now = Date.UTC(2030, 0, 1);
    await h.mount(approleEngineFactory({ tokens: () => h.tokens, now: () => now }));
    const { roleId, secretId } = await setup(h, { secret_id_ttl: 10 });
    now += 11_000;
    await expectError(
      h.write('login', { role_id: roleId, secret_id: secretId }),
      ErrorCode.InvalidCredentials,
    );
  });

  void it('token TTLs follow the role and expire with the clock', async () => {
    const h = await approle();
    const { roleId, secretId } = await setup(h, {
      token_ttl: 30,
      token_num_uses: 2,
      token_no_default_policy: true,
      token_policies: 'p',
    });
    const auth = (await h.write('login', { role_id: roleId, secret_id: secretId }))?.auth;
    assert.deepEqual(auth?.policies, ['p']);
    assert.equal(auth?.num_uses, 2);
    h.advance(31);
    assert.equal(await h.tokens.lookup(auth?.client_token ?? ''), undefined);
  });
});

void describe('approle: CIDR bindings', () => {
  void it('secret_id_bound_cidrs on the role: IPv4, IPv6 and IPv4-mapped IPv6', async () => {
    const h = await approle();
    const { roleId, secretId } = await setup(h, { secret_id_bound_cidrs: '127.0.0.0/8,2001:db8::/32' });
    for (const addr of ['127.0.0.1', '::ffff:127.0.0.1', '::ffff:7f00:2', '2001:db8::1']) {
      assert.ok((await h.write('login', { role_id: roleId, secret_id: secretId }, addr))?.auth, addr);
    }
    for (const addr of ['10.0.0.1', '::1', '::ffff:10.0.0.1', '2001:db9::1', '']) {
      await expectError(
        h.write('login', { role_id: roleId, secret_id: secretId }, addr),
        ErrorCode.BadRequest,
        `source address ${JSON.stringify(addr)} unauthorized by CIDR restrictions on the role`,
      );
    }
  });

  void it('cidr_list on the secret ID, checked before a use is taken', async () => {
    const h = await approle();
    const { roleId, secretId } = await setup(
      h,
      { secret_id_num_uses: 1 },
      { cidr_list: '::1/128,192.168.0.0/16' },
    );
    for (const addr of ['127.0.0.1', '::ffff:10.0.0.1', '2001:db8::1']) {
      await expectError(
        h.write('login', { role_id: roleId, secret_id: secretId }, addr),
        ErrorCode.BadRequest,
        `source address ${JSON.stringify(addr)} unauthorized through CIDR restrictions on the secret ID`,
      );
    }
    assert.equal(
      (await h.write('role/app/secret-id/lookup', { secret_id: secretId }))?.data?.['secret_id_num_uses'],
      1,
    );
    assert.ok((await h.write('login', { role_id: roleId, secret_id: secretId }, '::ffff:192.168.7.7'))?.auth);
    await expectError(
      h.write('login', { role_id: roleId, secret_id: secretId }, '::1'),
      ErrorCode.InvalidCredentials,
    );
  });

  void it('token_bound_cidrs (role, or overridden by the secret ID) deny logins from elsewhere with 403', async () => {
    const h = await approle();
    const { roleId, secretId } = await setup(h, { token_bound_cidrs: '10.0.0.0/8', secret_id_num_uses: 2 });
    await expectError(
      h.write('login', { role_id: roleId, secret_id: secretId }, '11.0.0.1'),
      ErrorCode.PermissionDenied,
      'permission denied',
    );
    assert.equal(
      (await h.write('role/app/secret-id/lookup', { secret_id: secretId }))?.data?.['secret_id_num_uses'],
      2,
    );
    assert.ok((await h.write('login', { role_id: roleId, secret_id: secretId }, '::ffff:10.1.1.1'))?.auth);

    const narrow = String(
      (await h.write('role/app/secret-id', { token_bound_cidrs: '10.1.0.0/16' }))?.data?.['secret_id'],
    );
    await expectError(
      h.write('login', { role_id: roleId, secret_id: narrow }, '10.2.0.1'),
      ErrorCode.PermissionDenied,
    );
    assert.ok((await h.write('login', { role_id: roleId, secret_id: narrow }, '10.1.0.1'))?.auth);
  });
});
