/**
 * Response wrapping on a real server process: `X-Vault-Wrap-TTL` on any request, the
 * `sys/wrapping/*` endpoints, single-use wrapping tokens, TTL expiry, policy min/max wrapping
 * TTLs, wrapped logins, and the audit log never holding the wrapped payload or token in plaintext.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { removeDir, startServer, type HttpResult, type ServerProcess } from '../e2e/harness.js';

const ROOT = 'wrap-root-token';
let server: ServerProcess;

before(async () => {
  server = await startServer({ dev: { rootTokenId: ROOT } });
});
after(async () => {
  if ((server as ServerProcess | undefined) === undefined) return;
  await server.stop();
  await removeDir(server.dir);
});

type Json = Record<string, unknown>;

function wrapInfoOf(res: HttpResult): Json {
  assert.equal(res.status, 200, res.text);
  const info = res.body?.['wrap_info'];
  assert.ok(info !== null && typeof info === 'object', `no wrap_info in ${res.text}`);
  return info as Json;
}

const wrapHeader = (ttl: string): Record<string, string> => ({ 'X-Vault-Wrap-TTL': ttl });
const errorsOf = (res: HttpResult): unknown => res.body?.['errors'];

async function tokenWith(policies: string[]): Promise<string> {
  const res = await server.request('POST', 'auth/token/create', { token: ROOT, body: { policies } });
  assert.equal(res.status, 200, res.text);
  return (res.body?.['auth'] as Json)['client_token'] as string;
}

void describe('e2e response wrapping', () => {
  void it('wraps a KV v2 read: wrap_info only; unwrap returns the original envelope once', async () => {
    const put = await server.request('POST', 'secret/data/app/db', {
      token: ROOT,
      body: { data: { password: 'hunter2-wrapped' } },
    });
    assert.equal(put.status, 200, put.text);
    const plain = await server.request('GET', 'secret/data/app/db', { token: ROOT });
    assert.equal(plain.status, 200);

    const wrapped = await server.request('GET', 'secret/data/app/db', {
      token: ROOT,
      headers: wrapHeader('5m'),
    });
    const info = wrapInfoOf(wrapped);
    assert.equal(wrapped.body?.['data'], null);
    assert.equal(wrapped.body?.['auth'], null);
    assert.ok(!wrapped.text.includes('hunter2-wrapped'), 'the secret is not in the wrapped answer');
    assert.equal(info['ttl'], 300);
    assert.equal(info['creation_path'], 'secret/data/app/db');
    assert.match(String(info['token']), /^hvs\./);
    assert.equal(typeof info['accessor'], 'string');
    assert.ok(!Number.isNaN(Date.parse(String(info['creation_time']))), 'creation_time is a date');
    assert.equal(info['wrapped_accessor'], undefined, 'no token inside, no wrapped_accessor');
    const token = String(info['token']);

    // Lookup is unauthenticated and does not spend the token.
    const look = await server.request('POST', 'sys/wrapping/lookup', { body: { token } });
    assert.equal(look.status, 200, look.text);
    const data = look.body?.['data'] as Json;
    assert.equal(data['creation_path'], 'secret/data/app/db');
    assert.equal(data['creation_ttl'], 300);
    assert.equal(data['creation_time'], info['creation_time']);

    // The wrapping token cannot read anything else (and the refusal does not spend it).
    assert.equal((await server.request('GET', 'secret/data/app/db', { token })).status, 403);

    const unwrapped = await server.request('POST', 'sys/wrapping/unwrap', { token });
    assert.equal(unwrapped.status, 200, unwrapped.text);
    const envelope = unwrapped.body as Json;
    assert.equal(typeof envelope['request_id'], 'string');
    assert.equal(envelope['mount_type'], 'kv');
    assert.equal(envelope['wrap_info'], null);
    assert.deepEqual(envelope['data'], plain.body?.['data']);
    assert.deepEqual(Object.keys(envelope).sort(), Object.keys(plain.body ?? {}).sort());

    const again = await server.request('POST', 'sys/wrapping/unwrap', { token });
    assert.equal(again.status, 400);
    assert.deepEqual(errorsOf(again), ['wrapping token is not valid or does not exist']);
    const lookAgain = await server.request('POST', 'sys/wrapping/lookup', { body: { token } });
    assert.equal(lookAgain.status, 400);
  });

  void it('third-party unwrap (token in the body) by a default-policy token; never both ways', async () => {
    const wrapped = await server.request('GET', 'secret/data/app/db', {
      token: ROOT,
      headers: wrapHeader('60s'),
    });
    const token = String(wrapInfoOf(wrapped)['token']);
    const caller = await tokenWith(['default']);

    const both = await server.request('POST', 'sys/wrapping/unwrap', { token, body: { token } });
    assert.equal(both.status, 400, both.text);

    const res = await server.request('POST', 'sys/wrapping/unwrap', { token: caller, body: { token } });
    assert.equal(res.status, 200, res.text);
    assert.equal(((res.body?.['data'] as Json)['data'] as Json)['password'], 'hunter2-wrapped');
    const again = await server.request('POST', 'sys/wrapping/unwrap', { token: caller, body: { token } });
    assert.equal(again.status, 400);
    assert.deepEqual(errorsOf(again), ['wrapping token is not valid or does not exist']);
    // A token that is not a wrapping token is no wrapping token.
    const notWrapping = await server.request('POST', 'sys/wrapping/unwrap', { token: caller });
    assert.equal(notWrapping.status, 400);
  });

  void it('rewrap: a new token with the same TTL and creation path; the old one is invalid', async () => {
    const wrapped = await server.request('GET', 'secret/data/app/db', {
      token: ROOT,
      headers: wrapHeader('90'),
    });
    const old = String(wrapInfoOf(wrapped)['token']);
    const rewrapped = await server.request('POST', 'sys/wrapping/rewrap', {
      token: ROOT,
      body: { token: old },
    });
    const info = wrapInfoOf(rewrapped);
    assert.notEqual(info['token'], old);
    assert.equal(info['ttl'], 90);
    assert.equal(info['creation_path'], 'secret/data/app/db');
    assert.equal(rewrapped.body?.['data'], null);

    const stale = await server.request('POST', 'sys/wrapping/unwrap', { token: ROOT, body: { token: old } });
    assert.equal(stale.status, 400);
    const fresh = await server.request('POST', 'sys/wrapping/unwrap', { token: String(info['token']) });
    assert.equal(fresh.status, 200, fresh.text);
    assert.equal(((fresh.body?.['data'] as Json)['data'] as Json)['password'], 'hunter2-wrapped');
  });

  void it('a wrapping token expires with its TTL (2 s): unwrap fails afterwards', async () => {
    const wrapped = await server.request('GET', 'secret/data/app/db', {
      token: ROOT,
      headers: wrapHeader('2s'),
    });
    const token = String(wrapInfoOf(wrapped)['token']);
    const start = Date.now();
    assert.equal((await server.request('POST', 'sys/wrapping/lookup', { body: { token } })).status, 200);
    // Poll lookup (it never spends the token) until it fails; bounded.
    let status = 200;
    while (status === 200 && Date.now() - start < 15_000) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await server.request('POST', 'sys/wrapping/lookup', { body: { token } })).status;
    }
    const elapsed = Date.now() - start;
    assert.equal(status, 400, 'lookup fails after the TTL');
    assert.ok(elapsed >= 1_500, `expired after ${elapsed} ms, before its 2 s TTL`);
    assert.ok(elapsed < 6_000, `expired only after ${elapsed} ms`);
    const unwrap = await server.request('POST', 'sys/wrapping/unwrap', { token });
    assert.equal(unwrap.status, 400);
    assert.deepEqual(errorsOf(unwrap), ['wrapping token is not valid or does not exist']);
  });

  void it('sys/wrapping/wrap wraps arbitrary data, and requires the wrap header', async () => {
    const missing = await server.request('POST', 'sys/wrapping/wrap', { token: ROOT, body: { a: 'b' } });
    assert.equal(missing.status, 400);
    assert.deepEqual(errorsOf(missing), ['endpoint requires response wrapping to be used']);

    const caller = await tokenWith(['default']);
    const wrapped = await server.request('POST', 'sys/wrapping/wrap', {
      token: caller,
      headers: wrapHeader('10m'),
      body: { user: 'svc', secret: 'wrapped-by-sys-wrap', n: 3 },
    });
    const info = wrapInfoOf(wrapped);
    assert.equal(info['creation_path'], 'sys/wrapping/wrap');
    assert.equal(info['ttl'], 600);
    assert.equal(wrapped.body?.['data'], null);
    assert.equal(wrapped.body?.['secret'], undefined, 'no top-level copy of the wrapped data');
    const res = await server.request('POST', 'sys/wrapping/unwrap', { token: String(info['token']) });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body?.['data'], { user: 'svc', secret: 'wrapped-by-sys-wrap', n: 3 });
  });

  void it('bad wrap headers are 400; answers with nothing to wrap (204) are not wrapped', async () => {
    for (const ttl of ['-5', 'abc', '5parsecs']) {
      const res = await server.request('GET', 'secret/data/app/db', {
        token: ROOT,
        headers: wrapHeader(ttl),
      });
      assert.equal(res.status, 400, `${ttl}: ${res.text}`);
    }
    const jwt = await server.request('GET', 'secret/data/app/db', {
      token: ROOT,
      headers: { ...wrapHeader('60'), 'X-Vault-Wrap-Format': 'jwt' },
    });
    assert.equal(jwt.status, 400);
    const write = await server.request('POST', 'cubbyhole/note', {
      token: ROOT,
      headers: wrapHeader('60'),
      body: { v: 'x' },
    });
    assert.equal(write.status, 204, write.text);
    // `0` means no wrapping.
    const zero = await server.request('GET', 'secret/data/app/db', { token: ROOT, headers: wrapHeader('0') });
    assert.equal(zero.status, 200);
    assert.equal(zero.body?.['wrap_info'], null);
  });

  void it('the response-wrapping policy is built in and immutable; the default policy grants wrapping', async () => {
    const read = await server.request('GET', 'sys/policy/response-wrapping', { token: ROOT });
    assert.equal(read.status, 200, read.text);
    assert.match(String((read.body?.['data'] as Json)['rules']), /sys\/wrapping\/unwrap/);
    const write = await server.request('PUT', 'sys/policy/response-wrapping', {
      token: ROOT,
      body: { policy: 'path "*" { capabilities = ["sudo"] }' },
    });
    assert.equal(write.status, 400);
    const del = await server.request('DELETE', 'sys/policy/response-wrapping', { token: ROOT });
    assert.equal(del.status, 400);
    const caller = await tokenWith(['default']);
    const caps = await server.request('POST', 'sys/capabilities-self', {
      token: caller,
      body: { paths: ['sys/wrapping/wrap', 'sys/wrapping/unwrap', 'sys/wrapping/lookup'] },
    });
    assert.equal(caps.status, 200, caps.text);
    for (const p of ['sys/wrapping/wrap', 'sys/wrapping/unwrap', 'sys/wrapping/lookup'])
      assert.deepEqual(caps.body?.[p], ['update']);
  });

  void it('wraps a userpass login: wrapped_accessor is the token accessor; the unwrapped token works', async () => {
    assert.equal(
      (await server.request('POST', 'sys/auth/userpass', { token: ROOT, body: { type: 'userpass' } })).status,
      204,
    );
    assert.equal(
      (
        await server.request('POST', 'auth/userpass/users/wendy', {
          token: ROOT,
          body: { password: 'pw-for-wendy', token_policies: 'default' },
        })
      ).status,
      204,
    );
    const login = await server.request('POST', 'auth/userpass/login/wendy', {
      headers: wrapHeader('2m'),
      body: { password: 'pw-for-wendy' },
    });
    const info = wrapInfoOf(login);
    assert.equal(login.body?.['auth'], null);
    assert.equal(info['creation_path'], 'auth/userpass/login/wendy');
    assert.equal(typeof info['wrapped_accessor'], 'string');
    const unwrapped = await server.request('POST', 'sys/wrapping/unwrap', { token: String(info['token']) });
    assert.equal(unwrapped.status, 200, unwrapped.text);
    const auth = unwrapped.body?.['auth'] as Json;
    assert.equal(auth['accessor'], info['wrapped_accessor']);
    const self = await server.request('GET', 'auth/token/lookup-self', {
      token: String(auth['client_token']),
    });
    assert.equal(self.status, 200, self.text);
    assert.equal((self.body?.['data'] as Json)['display_name'], 'userpass-wendy');
  });

  void it('policy min/max_wrapping_ttl: outside the bounds (or unwrapped) is denied as Vault does (403)', async () => {
    const policy = [
      'path "secret/data/bounded/*" {',
      '  capabilities = ["read", "create", "update"]',
      '  min_wrapping_ttl = "1m"',
      '  max_wrapping_ttl = "10m"',
      '}',
    ].join('\n');
    const put = await server.request('PUT', 'sys/policy/bounded', { token: ROOT, body: { policy } });
    assert.equal(put.status, 204, put.text);
    await server.request('POST', 'secret/data/bounded/x', { token: ROOT, body: { data: { v: 'bounded' } } });
    const user = await tokenWith(['bounded']);
    const read = (ttl?: string): Promise<HttpResult> =>
      server.request('GET', 'secret/data/bounded/x', {
        token: user,
        ...(ttl === undefined ? {} : { headers: wrapHeader(ttl) }),
      });
    assert.equal((await read()).status, 403, 'min_wrapping_ttl makes wrapping mandatory');
    assert.equal((await read('30s')).status, 403, 'below min');
    assert.equal((await read('20m')).status, 403, 'above max');
    const ok = await read('5m');
    assert.equal(wrapInfoOf(ok)['ttl'], 300);
    assert.equal((await read('60')).status, 200, 'exactly min');
    assert.equal((await read('600')).status, 200, 'exactly max');
  });

  void it('audit: wrap_info HMAC’d; neither the wrapped secret nor any wrapping token in plaintext', async () => {
    const file = join(server.dir, 'audit.log');
    const enable = await server.request('PUT', 'sys/audit/wrapfile', {
      token: ROOT,
      body: { type: 'file', options: { file_path: file } },
    });
    assert.equal(enable.status, 204, enable.text);
    try {
      const secret = 'audit-me-never-plain';
      await server.request('POST', 'secret/data/audited', { token: ROOT, body: { data: { v: secret } } });
      const wrapped = await server.request('GET', 'secret/data/audited', {
        token: ROOT,
        headers: wrapHeader('60'),
      });
      const token = String(wrapInfoOf(wrapped)['token']);
      const accessor = String(wrapInfoOf(wrapped)['accessor']);
      const unwrapped = await server.request('POST', 'sys/wrapping/unwrap', { token });
      assert.equal(unwrapped.status, 200);
      const login = await server.request('POST', 'auth/userpass/login/wendy', {
        headers: wrapHeader('60'),
        body: { password: 'pw-for-wendy' },
      });
      const loginInfo = wrapInfoOf(login);

      const text = await readFile(file, 'utf8');
      for (const plain of [
        secret,
        token,
        accessor,
        String(loginInfo['token']),
        String(loginInfo['wrapped_accessor']),
      ])
        assert.ok(!text.includes(plain), `audit log holds a plaintext secret/token`);
      const entries = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Json);
      const wrappedEntry = entries.find(
        (e) =>
          e['type'] === 'response' &&
          (e['request'] as Json)['path'] === 'secret/data/audited' &&
          (e['response'] as Json | undefined)?.['wrap_info'] !== undefined,
      );
      assert.ok(wrappedEntry !== undefined, 'a response entry with wrap_info');
      const w = (wrappedEntry['response'] as Json)['wrap_info'] as Json;
      assert.match(String(w['token']), /^hmac-sha256:/);
      assert.match(String(w['accessor']), /^hmac-sha256:/);
      assert.equal(w['ttl'], 60);
      assert.equal(w['creation_path'], 'secret/data/audited');
      assert.equal((wrappedEntry['response'] as Json)['data'], undefined, 'wrapped payload not logged');
      assert.equal((wrappedEntry['request'] as Json)['wrap_ttl'], 60);
      const loginEntry = entries.find(
        (e) =>
          e['type'] === 'response' &&
          (e['request'] as Json)['path'] === 'auth/userpass/login/wendy' &&
          (e['response'] as Json | undefined)?.['wrap_info'] !== undefined,
      );
      assert.ok(loginEntry !== undefined, 'the wrapped login is audited');
      const lw = (loginEntry['response'] as Json)['wrap_info'] as Json;
      assert.match(String(lw['wrapped_accessor']), /^hmac-sha256:/);
      const unwrapEntry = entries.find(
        (e) => e['type'] === 'response' && (e['request'] as Json)['path'] === 'sys/wrapping/unwrap',
      );
      assert.ok(unwrapEntry !== undefined, 'the unwrap is audited');
    } finally {
      await server.request('DELETE', 'sys/audit/wrapfile', { token: ROOT });
    }
  });
});
