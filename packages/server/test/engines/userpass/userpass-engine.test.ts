import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { userpassEngineFactory } from '../../../src/engines/userpass/index.js';
import { getJson } from '../../../src/logical/storage-json.js';
import { DEFAULT_SCRYPT_PARAMS, type ScryptParams } from '../../../src/engines/userpass/password-hash.js';
import { ErrorCode } from '../../../src/errors/error-code.js';
import { expectError } from '../engine-harness.js';
import { AuthHarness, SYSTEM_MAX_TTL } from './auth-harness.js';

/** Cheap scrypt for tests that are not about the hash cost. */
const FAST: ScryptParams = { n: 2 ** 10, r: 8, p: 1 };

async function userpass(scrypt: ScryptParams = FAST): Promise<AuthHarness> {
  const h = new AuthHarness('auth/userpass/');
  return h.mount(userpassEngineFactory({ tokens: h.tokens, scrypt }));
}

const DEFAULT_USER_DATA = {
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

void describe('userpass: users', () => {
  void it('creates a user (existence check: create, then update) and reads back token fields, never the password', async () => {
    const h = await userpass();
    assert.equal(await h.write('users/bob', { password: 'hunter2-secret' }), undefined);
    assert.equal(h.lastOperation, 'create');
    assert.deepEqual((await h.read('users/bob'))?.data, DEFAULT_USER_DATA);
    await h.write('users/bob', { token_policies: 'dev,ops', token_ttl: '1h', token_max_ttl: '2h' });
    assert.equal(h.lastOperation, 'update');
    const data = (await h.read('users/bob'))?.data;
    assert.deepEqual(data, {
      ...DEFAULT_USER_DATA,
      token_policies: ['dev', 'ops'],
      token_ttl: 3600,
      token_max_ttl: 7200,
    });
    assert.ok(!JSON.stringify(data).includes('password'));
  });

  void it('requires a password on create, not on update', async () => {
    const h = await userpass();
    await expectError(h.write('users/bob', { token_ttl: 60 }), ErrorCode.BadRequest, 'missing password');
    await expectError(h.write('users/bob', { password: '' }), ErrorCode.BadRequest, 'missing password');
    await h.write('users/bob', { password: 'pw' });
    await h.write('users/bob', { token_ttl: 60 });
    assert.equal((await h.read('users/bob'))?.data?.['token_ttl'], 60);
  });

  void it('lower-cases user names as Vault does', async () => {
    const h = await userpass();
    await h.write('users/Bob.Smith', { password: 'pw' });
    assert.ok((await h.read('users/BOB.SMITH'))?.data);
    assert.deepEqual((await h.list('users'))?.data, { keys: ['bob.smith'] });
    assert.ok((await h.write('login/BoB.smith', { password: 'pw' }))?.auth);
  });

  void it('lists users (404 when none) and deletes them (read is then 404)', async () => {
    const h = await userpass();
    await expectError(h.list('users'), ErrorCode.NotFound, '');
    await h.write('users/a', { password: 'x' });
    await h.write('users/b', { password: 'y' });
    assert.deepEqual((await h.list('users'))?.data, { keys: ['a', 'b'] });
    assert.equal(await h.delete('users/a'), undefined);
    await expectError(h.read('users/a'), ErrorCode.NotFound, '');
    assert.equal(await h.delete('users/never'), undefined, 'deleting a missing user is a 204');
    assert.deepEqual((await h.list('users'))?.data, { keys: ['b'] });
  });

  void it('validates token fields with Vault messages', async () => {
    const h = await userpass();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ token_type: 'weird' }, `invalid 'token_type' value "weird"`],
      [{ token_type: 'batch' }, 'batch tokens are not supported by this server'],
      [{ token_ttl: '2h', token_max_ttl: '1h' }, "'token_ttl' cannot be greater than 'token_max_ttl'"],
      [{ token_num_uses: -1 }, "'token_num_uses' cannot be negative"],
      [
        { token_bound_cidrs: '10.0.0.0/33' },
        'error parsing token_bound_cidrs: invalid address or CIDR "10.0.0.0/33"',
      ],
      [{ token_bound_cidrs: ['1.2.3'] }, 'error parsing token_bound_cidrs: invalid address or CIDR "1.2.3"'],
      [{ token_ttl: 'soon' }, /Field validation failed: error converting input for field "token_ttl"/],
    ] as Array<[Record<string, unknown>, string]>;
    for (const [data, message] of cases) {
      await expectError(h.write('users/bob', { password: 'pw', ...data }), ErrorCode.BadRequest, message);
    }
    await expectError(h.read('users/bob'), ErrorCode.NotFound, '');
    await h.write('users/bob', {
      password: 'pw',
      token_type: 'service',
      token_bound_cidrs: '10.0.0.0/8, 2001:db8::/32,192.168.1.7',
    });
    const data = (await h.read('users/bob'))?.data;
    assert.equal(data?.['token_type'], 'service');
    assert.deepEqual(data?.['token_bound_cidrs'], ['10.0.0.0/8', '2001:db8::/32', '192.168.1.7']);
  });

  void it('upgrades the deprecated policies/ttl/max_ttl/bound_cidrs like tokenutil.UpgradeValue', async () => {
    const h = await userpass();
    await h.write('users/bob', {
      password: 'pw',
      policies: 'Dev, ops ,dev',
      ttl: 60,
      max_ttl: 120,
      bound_cidrs: '10.0.0.0/8',
    });
    assert.deepEqual((await h.read('users/bob'))?.data, {
      ...DEFAULT_USER_DATA,
      token_policies: ['dev', 'ops'],
      policies: ['dev', 'ops'],
      token_ttl: 60,
      ttl: 60,
      token_max_ttl: 120,
      max_ttl: 120,
      token_bound_cidrs: ['10.0.0.0/8'],
      bound_cidrs: ['10.0.0.0/8'],
    });
    // Only the new names: the deprecated values are cleared.
    await h.write('users/bob', {
      token_policies: 'web',
      token_ttl: 30,
      token_max_ttl: 90,
      token_bound_cidrs: '',
    });
    assert.deepEqual((await h.read('users/bob'))?.data, {
      ...DEFAULT_USER_DATA,
      token_policies: ['web'],
      token_ttl: 30,
      token_max_ttl: 90,
    });
  });

  void it('users/:name/password replaces the hash: the old password stops working', async () => {
    const h = await userpass();
    await h.write('users/bob', { password: 'old-pw' });
    assert.equal(await h.write('users/bob/password', { password: 'new-pw' }), undefined);
    await expectError(h.write('login/bob', { password: 'old-pw' }), ErrorCode.InvalidCredentials);
    assert.ok((await h.write('login/bob', { password: 'new-pw' }))?.auth);
    await expectError(h.write('users/bob/password', {}), ErrorCode.BadRequest, 'missing password');
    await expectError(
      h.write('users/nobody/password', { password: 'x' }),
      ErrorCode.BadRequest,
      'username does not exist',
    );
  });

  void it('users/:name/policies sets token_policies (or the deprecated policies) and nothing else', async () => {
    const h = await userpass();
    await h.write('users/bob', { password: 'pw', token_ttl: 60 });
    assert.equal(
      await h.write('users/bob/policies', { token_policies: ['a', 'b'], token_ttl: 999 }),
      undefined,
    );
    let data = (await h.read('users/bob'))?.data;
    assert.deepEqual(data?.['token_policies'], ['a', 'b']);
    assert.equal(data?.['token_ttl'], 60, 'fields the path does not declare are ignored');
    await h.write('users/bob/policies', { policies: 'Z,y' });
    data = (await h.read('users/bob'))?.data;
    assert.deepEqual(data?.['token_policies'], ['y', 'z']);
    assert.deepEqual(data?.['policies'], ['y', 'z']);
    await expectError(
      h.write('users/nobody/policies', { token_policies: 'a' }),
      ErrorCode.BadRequest,
      'username does not exist',
    );
  });

  void it('reports unknown parameters as a warning, never echoing values', async () => {
    const h = await userpass();
    await h.write('users/bob', { password: 'pw' });
    const resp = await h.write('login/bob', { password: 'pw', colour: 'blue' });
    assert.deepEqual(resp?.warnings, ['Endpoint ignored these unrecognized parameters: [colour]']);
    assert.ok(!JSON.stringify(resp?.warnings).includes('blue'));
  });
});

void describe('userpass: login', () => {
  void it('returns Vault’s auth block with a real orphan token from the token store', async () => {
    const h = await userpass();
    await h.write('users/bob', {
      password: 'pw',
      token_policies: 'dev',
      token_ttl: '1h',
      token_max_ttl: '4h',
    });
    const resp = await h.write('login/bob', { password: 'pw' });
    assert.equal(resp?.data, undefined);
    const auth = resp?.auth;
    assert.ok(auth);
    assert.match(auth.client_token, /^hvs\.[A-Za-z0-9]{24}$/);
    assert.deepEqual(
      { ...auth, client_token: '', accessor: '' },
      {
        client_token: '',
        accessor: '',
        policies: ['default', 'dev'],
        token_policies: ['default', 'dev'],
        metadata: { username: 'bob' },
        lease_duration: 3600,
        renewable: true,
        entity_id: '',
        token_type: 'service',
        orphan: true,
        mfa_requirement: null,
        num_uses: 0,
      },
    );
    const entry = await h.tokens.lookup(auth.client_token);
    assert.ok(entry);
    assert.equal(entry.displayName, 'userpass-bob');
    assert.equal(entry.path, 'auth/userpass/login/bob');
    assert.equal(entry.accessor, auth.accessor);
    assert.equal(entry.orphan, true);
  });

  void it('is declared unauthenticated', async () => {
    const h = await userpass();
    const login = h.engine.paths.find((p) => p.pattern.startsWith('login/'));
    assert.equal(login?.unauthenticated, true);
    assert.equal(h.engine.paths.filter((p) => p.unauthenticated === true).length, 1);
  });

  void it('applies the user’s token settings: num uses, no default policy, period, explicit max', async () => {
    const h = await userpass();
    await h.write('users/svc', {
      password: 'pw',
      token_policies: 'svc',
      token_no_default_policy: true,
      token_num_uses: 3,
      token_period: '30m',
      token_explicit_max_ttl: '2h',
    });
    const auth = (await h.write('login/svc', { password: 'pw' }))?.auth;
    assert.deepEqual(auth?.policies, ['svc']);
    assert.equal(auth?.num_uses, 3);
    assert.equal(auth?.lease_duration, 1800);
    const entry = await h.tokens.lookup(auth?.client_token ?? '');
    assert.equal(entry?.period, 1800);
    assert.equal(entry?.explicitMaxTtl, 7200);
  });

  void it('uses the system default TTL when the user sets none', async () => {
    const h = await userpass();
    await h.write('users/bob', { password: 'pw' });
    assert.equal((await h.write('login/bob', { password: 'pw' }))?.auth?.lease_duration, SYSTEM_MAX_TTL);
  });

  void it('answers a wrong password and an unknown user with the same 400', async () => {
    const h = await userpass();
    await h.write('users/bob', { password: 'right' });
    const a = await expectError(
      h.write('login/bob', { password: 'wrong' }),
      ErrorCode.InvalidCredentials,
      'invalid username or password',
    );
    const b = await expectError(
      h.write('login/nobody', { password: 'wrong' }),
      ErrorCode.InvalidCredentials,
      'invalid username or password',
    );
    assert.equal(a.message, b.message);
    await expectError(h.write('login/bob', {}), ErrorCode.BadRequest, 'missing password');
    await expectError(h.write('login/bob', { password: '' }), ErrorCode.BadRequest, 'missing password');
  });

  void it('tokens expire with the injected clock (token_ttl)', async () => {
    const h = await userpass();
    await h.write('users/bob', { password: 'pw', token_ttl: 60 });
    const auth = (await h.write('login/bob', { password: 'pw' }))?.auth;
    assert.ok(await h.tokens.lookup(auth?.client_token ?? ''));
    h.advance(59);
    assert.ok(await h.tokens.lookup(auth?.client_token ?? ''));
    h.advance(2);
    assert.equal(await h.tokens.lookup(auth?.client_token ?? ''), undefined);
  });

  void it('enforces token_bound_cidrs at login (IPv4, IPv6, IPv4-mapped IPv6), after the password check', async () => {
    const h = await userpass();
    await h.write('users/bob', { password: 'pw', token_bound_cidrs: '10.0.0.0/8,2001:db8::/32,127.0.0.1' });
    for (const addr of [
      '10.1.2.3',
      '::ffff:10.1.2.3',
      '2001:db8::42',
      '127.0.0.1',
      '::ffff:127.0.0.1',
      '[2001:db8::1]',
    ]) {
      assert.ok((await h.write('login/bob', { password: 'pw' }, addr))?.auth, addr);
    }
    for (const addr of ['192.168.1.1', '::1', '2001:db9::1', '::ffff:192.168.1.1', '', 'not-an-ip']) {
      await expectError(
        h.write('login/bob', { password: 'pw' }, addr),
        ErrorCode.PermissionDenied,
        'permission denied',
      );
    }
    // A wrong password from a denied network is still just a bad login (no oracle on the binding).
    await expectError(
      h.write('login/bob', { password: 'nope' }, '192.168.1.1'),
      ErrorCode.InvalidCredentials,
    );
  });

  void it('serves 20 concurrent logins (scrypt runs off the event loop)', async () => {
    const h = await userpass();
    await h.write('users/bob', { password: 'pw' });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => h.write('login/bob', { password: 'pw' })),
    );
    clearInterval(timer);
    assert.equal(new Set(results.map((r) => r?.auth?.client_token)).size, 20);
    assert.ok(ticks > 0, 'the event loop kept turning while hashing');
  });
});

void describe('userpass: secrecy of passwords', () => {
  void it('never stores, returns or reports the password', async () => {
    const h = await userpass();
    const password = 'Plaintext-Pa55word-ⓧ-827461';
    const second = 'Second-Secret-Pa55-99173';
    await h.write('users/alice', { password, token_policies: 'dev' });
    await h.write('login/alice', { password });
    await expectError(h.write('login/alice', { password: `${password}x` }), ErrorCode.InvalidCredentials);
    await expectError(h.write('login/ghost', { password }), ErrorCode.InvalidCredentials);
    await expectError(h.write('users/alice', { password, token_type: 'bogus' }), ErrorCode.BadRequest);
    await h.write('users/alice/password', { password: second });
    await h.write('login/alice', { password: second });
    await h.read('users/alice');

    assert.deepEqual(await h.occurrences(password), []);
    assert.deepEqual(await h.occurrences(second), []);
    for (const line of h.transcript) {
      assert.ok(!line.includes(password) && !line.includes(second), `leaked in: ${line}`);
    }
    const stored = await getJson<{ password: Record<string, unknown> }>(h.storage, 'user/alice');
    assert.deepEqual(Object.keys(stored?.password ?? {}).sort(), ['alg', 'hash', 'n', 'p', 'r', 'salt']);
    assert.equal(stored?.password['alg'], 'scrypt');
  });

  void it('two users with the same password get different salts and hashes', async () => {
    const h = await userpass();
    await h.write('users/a', { password: 'same' });
    await h.write('users/b', { password: 'same' });
    const a = await getJson<{ password: { salt: string; hash: string } }>(h.storage, 'user/a');
    const b = await getJson<{ password: { salt: string; hash: string } }>(h.storage, 'user/b');
    assert.notEqual(a?.password.salt, b?.password.salt);
    assert.notEqual(a?.password.hash, b?.password.hash);
  });

  void it('raises the stored scrypt parameters on the next good login', async () => {
    const h = await userpass({ n: 2 ** 8, r: 8, p: 1 });
    await h.write('users/bob', { password: 'pw' });
    assert.equal((await getJson<{ password: { n: number } }>(h.storage, 'user/bob'))?.password.n, 256);
    await h.mount(userpassEngineFactory({ tokens: h.tokens, scrypt: FAST }));
    await expectError(h.write('login/bob', { password: 'bad' }), ErrorCode.InvalidCredentials);
    assert.equal(
      (await getJson<{ password: { n: number } }>(h.storage, 'user/bob'))?.password.n,
      256,
      'not on a failed login',
    );
    assert.ok((await h.write('login/bob', { password: 'pw' }))?.auth);
    assert.equal((await getJson<{ password: { n: number } }>(h.storage, 'user/bob'))?.password.n, FAST.n);
    assert.ok((await h.write('login/bob', { password: 'pw' }))?.auth, 'the upgraded hash verifies');
  });

  void it('spends the same scrypt work for an unknown user as for a wrong password (default parameters)', async () => {
    const h = await userpass(DEFAULT_SCRYPT_PARAMS);
    await h.write('users/bob', { password: 'right' });
    const time = async (path: string): Promise<number> => {
      const start = process.hrtime.bigint();
      await expectError(h.write(path, { password: 'wrong' }), ErrorCode.InvalidCredentials);
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 4; i++) {
      known.push(await time('login/bob'));
      unknown.push(await time('login/nobody'));
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    // Both run one N=2^15 scrypt (tens of ms); skipping it would take well under a millisecond.
    assert.ok(median(known) > 15, `known-user login took ${median(known)} ms`);
    assert.ok(
      median(unknown) > median(known) * 0.5,
      `unknown ${median(unknown)} ms vs known ${median(known)} ms`,
    );
    assert.ok(
      median(unknown) < median(known) * 2,
      `unknown ${median(unknown)} ms vs known ${median(known)} ms`,
    );
  });
});
