import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { removeDir, startServer, type HttpResult, type ServerProcess } from './harness.js';

let server: ServerProcess;
let root = '';

const data = (res: HttpResult): Record<string, unknown> =>
  (res.body?.['data'] ?? {}) as Record<string, unknown>;
const errors = (res: HttpResult): string[] => (res.body?.['errors'] ?? []) as string[];

async function tokenWith(
  policies: string[],
  extra: Record<string, unknown> = {},
): Promise<{ token: string; accessor: string }> {
  const res = await server.request('POST', 'auth/token/create', {
    token: root,
    body: { policies, ...extra },
  });
  assert.equal(res.status, 200, res.text);
  const auth = res.body?.['auth'] as Record<string, unknown>;
  return { token: auth['client_token'] as string, accessor: auth['accessor'] as string };
}

before(async () => {
  server = await startServer();
  ({ rootToken: root } = await server.initAndUnseal(1, 1));
});
after(async () => {
  await server.stop();
  await removeDir(server.dir);
});

void describe('e2e sys/mounts', () => {
  void it('lists the default mounts with full mount info (data and top level)', async () => {
    const res = await server.request('GET', 'sys/mounts', { token: root });
    assert.equal(res.status, 200);
    for (const path of ['cubbyhole/', 'identity/', 'sys/']) {
      assert.ok(Object.hasOwn(data(res), path), path);
      assert.ok(Object.hasOwn(res.body ?? {}, path), `${path} at top level`);
    }
    const sys = data(res)['sys/'] as Record<string, unknown>;
    assert.equal(sys['type'], 'system');
    assert.match(String(sys['accessor']), /^system_[0-9a-f]{8}$/);
    assert.match(String(sys['uuid']), /^[0-9a-f-]{36}$/);
    assert.deepEqual(sys['config'], { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false });
    for (const key of [
      'description',
      'local',
      'seal_wrap',
      'external_entropy_access',
      'options',
      'plugin_version',
      'running_plugin_version',
      'running_sha256',
    ]) {
      assert.ok(Object.hasOwn(sys, key), key);
    }
    assert.equal((data(res)['cubbyhole/'] as Record<string, unknown>)['local'], true);
    assert.equal(res.body?.['mount_type'], 'system');
  });

  void it('enables kv-v2, kv-v1 and kv with options.version and config, reads one back', async () => {
    assert.equal(
      (
        await server.request('POST', 'sys/mounts/v2', {
          token: root,
          body: { type: 'kv-v2', description: 'two' },
        })
      ).status,
      204,
    );
    assert.equal(
      (await server.request('POST', 'sys/mounts/v1', { token: root, body: { type: 'kv-v1' } })).status,
      204,
    );
    const opts = await server.request('POST', 'sys/mounts/opt/nested', {
      token: root,
      body: {
        type: 'kv',
        options: { version: '2' },
        config: { default_lease_ttl: '1h', max_lease_ttl: '2h', listing_visibility: 'unauth' },
      },
    });
    assert.equal(opts.status, 204, opts.text);
    const mounts = data(await server.request('GET', 'sys/mounts', { token: root }));
    assert.deepEqual((mounts['v2/'] as Record<string, unknown>)['options'], { version: '2' });
    assert.equal((mounts['v2/'] as Record<string, unknown>)['description'], 'two');
    assert.deepEqual((mounts['v1/'] as Record<string, unknown>)['options'], { version: '1' });
    const nested = mounts['opt/nested/'] as Record<string, unknown>;
    assert.equal(nested['type'], 'kv');
    assert.match(String(nested['accessor']), /^kv_[0-9a-f]{8}$/);
    assert.deepEqual(nested['config'], {
      default_lease_ttl: 3600,
      max_lease_ttl: 7200,
      force_no_cache: false,
      listing_visibility: 'unauth',
    });
    const one = await server.request('GET', 'sys/mounts/v2', { token: root });
    assert.equal(one.status, 200);
    assert.equal(data(one)['type'], 'kv');
    assert.equal(one.body?.['type'], 'kv', 'top-level injection for sys/mounts/*');
    // The engines answer on their mounts.
    assert.equal(
      (await server.request('POST', 'v2/data/x', { token: root, body: { data: { a: 1 } } })).status,
      200,
    );
    assert.equal((await server.request('POST', 'v1/x', { token: root, body: { a: 1 } })).status, 204);
    assert.equal(
      (await server.request('POST', 'opt/nested/data/x', { token: root, body: { data: { a: 1 } } })).status,
      200,
    );
  });

  void it('refuses bad mounts with 400', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['sys/mounts/nope', {}, /type must be specified/],
      ['sys/mounts/nope', { type: 'bogus' }, /plugin not found in the catalog: bogus/],
      ['sys/mounts/v2', { type: 'kv' }, /path is already in use at v2\//],
      ['sys/mounts/v2/inner', { type: 'kv' }, /path is already in use at v2\//],
      ['sys/mounts/opt', { type: 'kv' }, /path is already in use at opt\/nested\//],
      ['sys/mounts/sys/x', { type: 'kv' }, /cannot mount/],
      ['sys/mounts/auth/x', { type: 'kv' }, /cannot mount/],
      ['sys/mounts/cubby2', { type: 'cubbyhole' }, /not mountable/],
      [
        'sys/mounts/ttl',
        { type: 'kv', config: { default_lease_ttl: '2h', max_lease_ttl: '1h' } },
        /default lease TTL/,
      ],
      ['sys/mounts/ttl', { type: 'kv', config: { default_lease_ttl: 'soon' } }, /default_lease_ttl/],
      ['sys/mounts/vis', { type: 'kv', config: { listing_visibility: 'public' } }, /listing_visibility/],
      ['sys/mounts/badver', { type: 'kv', options: { version: '3' } }, /version/],
    ];
    for (const [path, body, message] of cases) {
      const res = await server.request('POST', path, { token: root, body });
      assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}: ${res.text}`);
      assert.match(errors(res)[0] ?? '', message, path);
    }
  });

  void it('tunes a mount (GET effective values, POST changes) including via auth/ and kv upgrade', async () => {
    const before = await server.request('GET', 'sys/mounts/v1/tune', { token: root });
    assert.equal(before.status, 200);
    assert.equal(data(before)['default_lease_ttl'], 768 * 3600);
    assert.equal(data(before)['max_lease_ttl'], 768 * 3600);
    assert.equal(data(before)['force_no_cache'], false);
    assert.equal(
      (
        await server.request('POST', 'sys/mounts/v1/tune', {
          token: root,
          body: { default_lease_ttl: '30m', max_lease_ttl: 7200, description: 'tuned' },
        })
      ).status,
      204,
    );
    const after = data(await server.request('GET', 'sys/mounts/v1/tune', { token: root }));
    assert.equal(after['default_lease_ttl'], 1800);
    assert.equal(after['max_lease_ttl'], 7200);
    assert.equal(after['description'], 'tuned');
    const bad = await server.request('POST', 'sys/mounts/v1/tune', {
      token: root,
      body: { default_lease_ttl: '3h' },
    });
    assert.equal(bad.status, 400);
    const missing = await server.request('GET', 'sys/mounts/nothing/tune', { token: root });
    assert.equal(missing.status, 400);
    const authTune = await server.request('GET', 'sys/mounts/auth/token/tune', { token: root });
    assert.equal(authTune.status, 200);
    assert.equal(data(authTune)['token_type'], 'default-service');
    // KV v1 → v2 upgrade by tuning options; downgrade refused.
    assert.equal(
      (
        await server.request('POST', 'sys/mounts/v1/tune', {
          token: root,
          body: { options: { version: '2' } },
        })
      ).status,
      204,
    );
    const upgraded = data(await server.request('GET', 'sys/internal/ui/mounts/v1', { token: root }));
    assert.deepEqual(upgraded['options'], { version: '2' });
    const down = await server.request('POST', 'sys/mounts/v1/tune', {
      token: root,
      body: { options: { version: '1' } },
    });
    assert.equal(down.status, 400);
  });

  void it('disables a mount and its data goes away; protected mounts stay', async () => {
    await server.request('POST', 'sys/mounts/gone', { token: root, body: { type: 'kv' } });
    await server.request('POST', 'gone/k', { token: root, body: { v: 1 } });
    assert.equal((await server.request('DELETE', 'sys/mounts/gone', { token: root })).status, 204);
    const after = await server.request('GET', 'gone/k', { token: root });
    assert.equal(after.status, 404);
    assert.deepEqual(errors(after), ['no handler for route "gone/k". route entry not found.']);
    assert.equal((await server.request('DELETE', 'sys/mounts/never-was', { token: root })).status, 204);
    for (const p of ['sys', 'cubbyhole', 'identity']) {
      assert.equal((await server.request('DELETE', `sys/mounts/${p}`, { token: root })).status, 400, p);
    }
    // Re-mounting the same path starts empty.
    await server.request('POST', 'sys/mounts/gone', { token: root, body: { type: 'kv' } });
    assert.equal((await server.request('GET', 'gone/k', { token: root })).status, 404);
  });
});

void describe('e2e sys/auth', () => {
  void it('lists auth methods with token/ (data and top level)', async () => {
    const res = await server.request('GET', 'sys/auth', { token: root });
    assert.equal(res.status, 200);
    const token = data(res)['token/'] as Record<string, unknown>;
    assert.equal(token['type'], 'token');
    assert.match(String(token['accessor']), /^auth_token_[0-9a-f]{8}$/);
    assert.equal((token['config'] as Record<string, unknown>)['token_type'], 'default-service');
    assert.ok(Object.hasOwn(res.body ?? {}, 'token/'));
  });

  void it('refuses unknown and singleton types, and non-sudo callers', async () => {
    const unknown = await server.request('POST', 'sys/auth/up', {
      token: root,
      body: { type: 'userpass-nope' },
    });
    assert.equal(unknown.status, 400);
    const token = await server.request('POST', 'sys/auth/tok2', { token: root, body: { type: 'token' } });
    assert.equal(token.status, 400);
    const disable = await server.request('DELETE', 'sys/auth/token', { token: root });
    assert.equal(disable.status, 400);
    const { token: plain } = await tokenWith(['default']);
    assert.equal(
      (await server.request('POST', 'sys/auth/x', { token: plain, body: { type: 'token' } })).status,
      403,
    );
    assert.equal((await server.request('GET', 'sys/auth/token/tune', { token: root })).status, 200);
    assert.equal((await server.request('DELETE', 'sys/auth/not-there', { token: root })).status, 204);
  });
});

void describe('e2e sys/policy and sys/policies/acl', () => {
  const policy = 'path "secret/data/app/*" {\n  capabilities = ["read", "list"]\n}\n';

  void it('writes, reads, lists and deletes through both APIs', async () => {
    assert.equal(
      (await server.request('PUT', 'sys/policy/Legacy%20', { token: root, body: { rules: policy } })).status,
      204,
    );
    const read = await server.request('GET', 'sys/policy/legacy', { token: root });
    assert.equal(read.status, 200);
    assert.deepEqual(data(read), { name: 'legacy', rules: policy });
    assert.equal(read.body?.['rules'], policy, 'top-level injection for sys/policy/*');
    assert.equal(
      (await server.request('PUT', 'sys/policies/acl/modern', { token: root, body: { policy } })).status,
      204,
    );
    const modern = await server.request('GET', 'sys/policies/acl/modern', { token: root });
    assert.deepEqual(data(modern), { name: 'modern', policy });
    assert.equal(modern.body?.['policy'], undefined, 'no top-level injection for sys/policies/acl');
    const legacyList = await server.request('GET', 'sys/policy', { token: root });
    assert.deepEqual(legacyList.body?.['policies'], ['default', 'legacy', 'modern', 'root']);
    assert.deepEqual(data(legacyList)['keys'], ['default', 'legacy', 'modern', 'root']);
    const list = await server.request('LIST', 'sys/policies/acl', { token: root });
    assert.equal(list.status, 200);
    assert.deepEqual(data(list)['keys'], ['default', 'legacy', 'modern', 'root']);
    const listQuery = await server.request('GET', 'sys/policies/acl?list=true', { token: root });
    assert.deepEqual(data(listQuery)['keys'], ['default', 'legacy', 'modern', 'root']);
    assert.equal((await server.request('GET', 'sys/policies/acl', { token: root })).status, 405);
    assert.equal((await server.request('DELETE', 'sys/policy/legacy', { token: root })).status, 204);
    assert.equal((await server.request('DELETE', 'sys/policies/acl/modern', { token: root })).status, 204);
    assert.equal(
      (await server.request('DELETE', 'sys/policies/acl/modern', { token: root })).status,
      204,
      'idempotent',
    );
    const gone = await server.request('GET', 'sys/policies/acl/modern', { token: root });
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body, { errors: [] });
  });

  void it('accepts a base64-encoded body and JSON policies', async () => {
    const b64 = Buffer.from(policy).toString('base64');
    assert.equal(
      (await server.request('PUT', 'sys/policies/acl/b64', { token: root, body: { policy: b64 } })).status,
      204,
    );
    assert.equal(
      data(await server.request('GET', 'sys/policies/acl/b64', { token: root }))['policy'],
      policy,
    );
    const json = JSON.stringify({ path: { 'secret/*': { capabilities: ['read'] } } });
    assert.equal(
      (await server.request('PUT', 'sys/policies/acl/json', { token: root, body: { policy: json } })).status,
      204,
    );
  });

  void it('protects root and default, and rejects invalid policies', async () => {
    assert.equal(
      (await server.request('PUT', 'sys/policies/acl/root', { token: root, body: { policy } })).status,
      400,
    );
    assert.equal((await server.request('DELETE', 'sys/policies/acl/root', { token: root })).status, 400);
    assert.equal((await server.request('DELETE', 'sys/policy/default', { token: root })).status, 400);
    const rootRead = await server.request('GET', 'sys/policy/root', { token: root });
    assert.deepEqual(data(rootRead), { name: 'root', rules: '' });
    const def = data(await server.request('GET', 'sys/policies/acl/default', { token: root }));
    assert.match(String(def['policy']), /auth\/token\/lookup-self/);
    assert.equal(
      (
        await server.request('PUT', 'sys/policies/acl/default', {
          token: root,
          body: { policy: String(def['policy']) },
        })
      ).status,
      204,
      'default is editable',
    );
    const invalid = await server.request('PUT', 'sys/policies/acl/bad', {
      token: root,
      body: { policy: 'path "x" { capabilities = ["fly"] }' },
    });
    assert.equal(invalid.status, 400);
    const syntax = await server.request('PUT', 'sys/policies/acl/bad', {
      token: root,
      body: { policy: 'path "x" {' },
    });
    assert.equal(syntax.status, 400);
    const empty = await server.request('PUT', 'sys/policies/acl/bad', { token: root, body: {} });
    assert.equal(empty.status, 400);
    assert.deepEqual(errors(empty), ["'policy' parameter not supplied or empty"]);
  });
});

void describe('e2e sys/capabilities*', () => {
  void it('reports capabilities for self, a token and an accessor', async () => {
    await server.request('PUT', 'sys/policies/acl/caps', {
      token: root,
      body: {
        policy:
          'path "secret/+/foo" { capabilities = ["read", "update"] }\npath "secret/deny" { capabilities = ["deny"] }',
      },
    });
    const { token, accessor } = await tokenWith(['caps']);
    const self = await server.request('POST', 'sys/capabilities-self', {
      token,
      body: { paths: ['secret/data/foo', 'secret/deny', 'other'] },
    });
    assert.equal(self.status, 200);
    assert.deepEqual(data(self), {
      'secret/data/foo': ['read', 'update'],
      'secret/deny': ['deny'],
      other: ['deny'],
    });
    assert.deepEqual(self.body?.['secret/data/foo'], ['read', 'update'], 'top level');
    const single = await server.request('POST', 'sys/capabilities-self', {
      token,
      body: { path: 'secret/data/foo' },
    });
    assert.deepEqual(single.body?.['capabilities'], ['read', 'update']);
    const byToken = await server.request('POST', 'sys/capabilities', {
      token: root,
      body: { token, paths: ['secret/x/foo'] },
    });
    assert.deepEqual(data(byToken)['capabilities'], ['read', 'update']);
    const byAccessor = await server.request('POST', 'sys/capabilities-accessor', {
      token: root,
      body: { accessor, paths: 'secret/x/foo' },
    });
    assert.deepEqual(data(byAccessor)['capabilities'], ['read', 'update']);
    const rootCaps = await server.request('POST', 'sys/capabilities-self', {
      token: root,
      body: { paths: ['anything'] },
    });
    assert.deepEqual(data(rootCaps)['capabilities'], ['root']);
  });

  void it('rejects missing paths, bad tokens and bad accessors', async () => {
    assert.equal(
      (await server.request('POST', 'sys/capabilities-self', { token: root, body: {} })).status,
      400,
    );
    assert.equal(
      (
        await server.request('POST', 'sys/capabilities', {
          token: root,
          body: { token: 'hvs.nope', paths: ['a'] },
        })
      ).status,
      400,
    );
    assert.equal(
      (
        await server.request('POST', 'sys/capabilities-accessor', {
          token: root,
          body: { accessor: 'nope', paths: ['a'] },
        })
      ).status,
      400,
    );
    const { token } = await tokenWith(['default']);
    assert.equal(
      (await server.request('POST', 'sys/capabilities', { token, body: { token: root, paths: ['a'] } }))
        .status,
      403,
      'sys/capabilities needs a policy grant',
    );
  });
});

void describe('e2e sys/tools', () => {
  void it('generates random bytes in every URL form and format', async () => {
    const b64 = await server.request('POST', 'sys/tools/random', { token: root });
    assert.equal(Buffer.from(String(data(b64)['random_bytes']), 'base64').length, 32);
    const hex = await server.request('POST', 'sys/tools/random/16', { token: root, body: { format: 'hex' } });
    assert.match(String(data(hex)['random_bytes']), /^[0-9a-f]{32}$/);
    const src = await server.request('POST', 'sys/tools/random/all/8', {
      token: root,
      body: { format: 'hex' },
    });
    assert.match(String(data(src)['random_bytes']), /^[0-9a-f]{16}$/);
    const srcOnly = await server.request('POST', 'sys/tools/random/platform', {
      token: root,
      body: { bytes: 4, format: 'hex' },
    });
    assert.match(String(data(srcOnly)['random_bytes']), /^[0-9a-f]{8}$/);
    for (const [path, body] of [
      ['sys/tools/random/0', {}],
      ['sys/tools/random/999999999', {}],
      ['sys/tools/random/moon/8', {}],
      ['sys/tools/random', { format: 'base32' }],
      ['sys/tools/random', { bytes: 'many' }],
    ] as const) {
      assert.equal(
        (await server.request('POST', path, { token: root, body })).status,
        400,
        `${path} ${JSON.stringify(body)}`,
      );
    }
  });

  void it('hashes with every algorithm form and rejects bad input', async () => {
    const input = Buffer.from('hello').toString('base64');
    const sha256 = createHash('sha256').update('hello').digest('hex');
    assert.equal(
      data(await server.request('POST', 'sys/tools/hash', { token: root, body: { input } }))['sum'],
      sha256,
    );
    const sha512 = createHash('sha512').update('hello').digest('base64');
    assert.equal(
      data(
        await server.request('POST', 'sys/tools/hash/sha2-512', {
          token: root,
          body: { input, format: 'base64' },
        }),
      )['sum'],
      sha512,
    );
    const sha3 = createHash('sha3-256').update('hello').digest('hex');
    assert.equal(
      data(
        await server.request('POST', 'sys/tools/hash', {
          token: root,
          body: { input, algorithm: 'sha3-256' },
        }),
      )['sum'],
      sha3,
    );
    assert.equal(
      (await server.request('POST', 'sys/tools/hash/md5', { token: root, body: { input } })).status,
      400,
    );
    assert.equal(
      (await server.request('POST', 'sys/tools/hash', { token: root, body: { input: 'not base64!' } }))
        .status,
      400,
    );
    assert.equal(
      (await server.request('POST', 'sys/tools/hash', { token: root, body: { input, format: 'base32' } }))
        .status,
      400,
    );
    const { token } = await tokenWith(['default']);
    assert.equal(
      (await server.request('POST', 'sys/tools/hash', { token, body: { input } })).status,
      200,
      'default policy grants sys/tools/hash',
    );
    assert.equal((await server.request('POST', 'sys/tools/random', { token })).status, 403);
  });
});

void describe('e2e sys/internal/ui/mounts', () => {
  void it('lists unauth-visible mounts without a token, everything for root', async () => {
    const anon = await server.request('GET', 'sys/internal/ui/mounts');
    assert.equal(anon.status, 200);
    const secret = data(anon)['secret'] as Record<string, unknown>;
    assert.deepEqual(Object.keys(secret), ['opt/nested/']);
    assert.deepEqual(data(anon)['auth'], {});
    const full = data(await server.request('GET', 'sys/internal/ui/mounts', { token: root }));
    assert.ok(Object.hasOwn(full['secret'] as object, 'v2/'));
    assert.ok(Object.hasOwn(full['auth'] as object, 'token/'));
  });

  void it('answers the KV v2 preflight for any path inside a mount', async () => {
    const res = await server.request('GET', 'sys/internal/ui/mounts/v2/deep/path/x', { token: root });
    assert.equal(res.status, 200);
    assert.equal(data(res)['path'], 'v2/');
    assert.deepEqual(data(res)['options'], { version: '2' });
    assert.equal(typeof (data(res)['options'] as Record<string, unknown>)['version'], 'string');
    const v1 = data(await server.request('GET', 'sys/internal/ui/mounts/gone/a', { token: root }));
    assert.equal(v1['path'], 'gone/');
    assert.equal(v1['options'], null);
    const mountOnly = await server.request('GET', 'sys/internal/ui/mounts/v2', { token: root });
    assert.equal(data(mountOnly)['path'], 'v2/');
  });

  void it('refuses the preflight with 403 without access, without a token, or for no mount', async () => {
    await server.request('PUT', 'sys/policies/acl/v2reader', {
      token: root,
      body: { policy: 'path "v2/data/app/*" { capabilities = ["read"] }' },
    });
    const { token } = await tokenWith(['v2reader']);
    assert.equal(
      (await server.request('GET', 'sys/internal/ui/mounts/v2/app/x', { token })).status,
      200,
      'access below the mount counts',
    );
    const denied = await server.request('GET', 'sys/internal/ui/mounts/v1/x', { token });
    assert.equal(denied.status, 403);
    assert.match(errors(denied)[0] ?? '', /preflight capability check returned 403/);
    assert.equal((await server.request('GET', 'sys/internal/ui/mounts/v2/x')).status, 403);
    assert.equal(
      (await server.request('GET', 'sys/internal/ui/mounts/nomount/x', { token: root })).status,
      403,
    );
  });
});

void describe('e2e sys/rotate and sys/key-status', () => {
  void it('reports key status with exact types and rotates (sudo only)', async () => {
    const before = await server.request('GET', 'sys/key-status', { token: root });
    assert.equal(before.status, 200);
    const term = data(before)['term'];
    assert.equal(typeof term, 'number');
    assert.equal(typeof data(before)['encryptions'], 'number');
    assert.match(String(data(before)['install_time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(before.body?.['term'], term, 'top-level injection');
    const { token } = await tokenWith(['default']);
    assert.equal((await server.request('POST', 'sys/rotate', { token })).status, 403);
    assert.equal((await server.request('POST', 'sys/rotate', { token: root })).status, 204);
    const after = data(await server.request('GET', 'sys/key-status', { token: root }));
    assert.equal(after['term'], (term as number) + 1);
    // Data written before the rotation still reads.
    assert.equal((await server.request('GET', 'v2/data/x', { token: root })).status, 200);
  });
});
