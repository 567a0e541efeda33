import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { removeDir, startServer, type ServerProcess } from '../e2e/harness.js';

let server: ServerProcess;
let root = '';

const PASSWORD = 'userpass-secret-pw-31337';
const BOGUS_TOKEN = 'hvs.not-a-real-token-abcdef123456';
const HMAC = /^hmac-sha256:[0-9a-f]{64}$/;

interface Entry {
  type: string;
  error?: string;
  auth?: Record<string, unknown>;
  request?: Record<string, unknown>;
  response?: Record<string, unknown>;
}

const parse = (text: string): Entry[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Entry);

async function waitFor(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

before(async () => {
  server = await startServer();
  ({ rootToken: root } = await server.initAndUnseal(1, 1));
});
after(async () => {
  await server.stop();
  await removeDir(server.dir);
});

void describe('e2e audit: denied requests, logins, socket device', () => {
  const logFile = (): string => join(server.dir, 'audit-denied.log');

  void it('records a 403 (bad token, permission denied) with the error and no plaintext token', async () => {
    let res = await server.request('PUT', 'sys/audit/file', {
      token: root,
      body: { type: 'file', options: { file_path: logFile() } },
    });
    assert.equal(res.status, 204, res.text);
    res = await server.request('POST', 'auth/token/create', { token: root, body: { policies: ['default'] } });
    assert.equal(res.status, 200, res.text);
    const child = (res.body?.['auth'] as Record<string, string>)['client_token'] as string;

    res = await server.request('GET', 'sys/mounts', { token: BOGUS_TOKEN });
    assert.equal(res.status, 403, res.text);
    res = await server.request('GET', 'sys/policies/acl/root', { token: child });
    assert.equal(res.status, 403, res.text);

    const text = await readFile(logFile(), 'utf8');
    for (const plain of [BOGUS_TOKEN, child, root])
      assert.ok(!text.includes(plain), `plaintext token in audit log: ${plain.slice(0, 4)}…`);
    const all = parse(text);
    for (const path of ['sys/mounts', 'sys/policies/acl/root']) {
      for (const type of ['request', 'response']) {
        const found = all.find((e) => e.type === type && e.request?.['path'] === path);
        assert.ok(found !== undefined, `${type} entry for denied ${path}`);
        assert.match(String(found.error), /permission denied/);
        assert.match(String(found.request?.['client_token']), HMAC);
        assert.equal((found.auth?.['policy_results'] as Record<string, unknown>)['allowed'], false);
      }
    }
    const bad = all.find((e) => e.type === 'response' && e.request?.['path'] === 'sys/mounts');
    assert.match(String(bad?.error), /invalid token/);
  });

  void it("records a userpass login with the password and the issued token HMAC'd", async () => {
    let res = await server.request('POST', 'sys/auth/userpass', { token: root, body: { type: 'userpass' } });
    assert.equal(res.status, 204, res.text);
    res = await server.request('POST', 'auth/userpass/users/alice', {
      token: root,
      body: { password: PASSWORD, token_policies: ['default'] },
    });
    assert.ok(res.status === 204 || res.status === 200, res.text);
    res = await server.request('POST', 'auth/userpass/login/alice', { body: { password: PASSWORD } });
    assert.equal(res.status, 200, res.text);
    const issued = res.body?.['auth'] as Record<string, string>;
    const token = issued['client_token'] as string;
    const acc = issued['accessor'] as string;

    const text = await readFile(logFile(), 'utf8');
    for (const plain of [PASSWORD, token, acc])
      assert.ok(!text.includes(plain), `plaintext in audit log: ${plain.slice(0, 4)}…`);
    const all = parse(text);
    const req = all.find((e) => e.type === 'request' && e.request?.['path'] === 'auth/userpass/login/alice');
    assert.ok(req !== undefined, 'login request entry');
    assert.match(String((req.request?.['data'] as Record<string, unknown>)['password']), HMAC);
    const resp = all.find(
      (e) => e.type === 'response' && e.request?.['path'] === 'auth/userpass/login/alice',
    );
    assert.ok(resp !== undefined, 'login response entry');
    assert.equal(resp.error, undefined);
    assert.match(String(resp.auth?.['client_token']), HMAC);
    assert.match(String(resp.auth?.['accessor']), HMAC);
    const respAuth = resp.response?.['auth'] as Record<string, unknown>;
    assert.match(String(respAuth['client_token']), HMAC);
    assert.match(String(respAuth['accessor']), HMAC);
    res = await server.request('POST', 'sys/audit-hash/file', { token: root, body: { input: token } });
    assert.equal((res.body?.['data'] as Record<string, unknown>)['hash'], resp.auth?.['client_token']);

    res = await server.request('DELETE', 'sys/audit/file', { token: root });
    assert.equal(res.status, 204, res.text);
  });

  void it('socket device: a TCP listener on 127.0.0.1 receives JSON lines', async () => {
    let received = '';
    const sockets = new Set<Socket>();
    const tcp: Server = createServer((s) => {
      sockets.add(s);
      s.setEncoding('utf8');
      s.on('data', (chunk: string) => {
        received += chunk;
      });
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const { port } = tcp.address() as AddressInfo;
    try {
      let res = await server.request('PUT', 'sys/audit/sock', {
        token: root,
        body: { type: 'socket', options: { address: `127.0.0.1:${port}`, socket_type: 'tcp' } },
      });
      assert.equal(res.status, 204, res.text);
      res = await server.request('GET', 'sys/mounts', { token: root });
      assert.equal(res.status, 200, res.text);
      res = await server.request('GET', 'sys/mounts', { token: BOGUS_TOKEN });
      assert.equal(res.status, 403, res.text);

      await waitFor(() => parse(received).filter((e) => e.request?.['path'] === 'sys/mounts').length >= 4);
      assert.ok(received.endsWith('\n'), 'newline-terminated JSON lines');
      const all = parse(received);
      const mounts = all.filter((e) => e.request?.['path'] === 'sys/mounts');
      assert.deepEqual(
        mounts.map((e) => e.type),
        ['request', 'response', 'request', 'response'],
      );
      for (const e of mounts) assert.match(String(e.request?.['client_token']), HMAC);
      assert.ok(
        !received.includes(root) && !received.includes(BOGUS_TOKEN),
        'no plaintext token over the socket',
      );

      res = await server.request('DELETE', 'sys/audit/sock', { token: root });
      assert.equal(res.status, 204, res.text);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    }
  });

  void it('fails closed: with no device able to record them, a denied request and a login are 500', async () => {
    // A port nothing listens on (the socket device has no sanity check at enable time).
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    let res = await server.request('PUT', 'sys/audit/dead', {
      token: root,
      body: { type: 'socket', options: { address: `127.0.0.1:${port}`, write_timeout: '1s' } },
    });
    assert.equal(res.status, 204, res.text);
    res = await server.request('GET', 'sys/mounts', { token: BOGUS_TOKEN });
    assert.equal(res.status, 500, res.text);
    assert.deepEqual(res.body?.['errors'], ['internal error']);
    res = await server.request('POST', 'auth/userpass/login/alice', { body: { password: PASSWORD } });
    assert.equal(res.status, 500, res.text);
    assert.equal(res.body?.['auth'], undefined, 'no token issued');
  });
});
