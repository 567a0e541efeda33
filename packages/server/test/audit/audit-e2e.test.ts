import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeDir, startServer, type ServerProcess } from '../e2e/harness.js';

let server: ServerProcess;
let root = '';
let keys: string[] = [];

const SECRET = 'correct-horse-battery-staple-4711';
const SECRET2 = 'never-stored-value-0815';

interface Entry {
  type: string;
  auth?: Record<string, unknown>;
  request?: Record<string, unknown>;
  response?: Record<string, unknown>;
}

async function entries(file: string): Promise<Entry[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Entry);
}

async function waitFor(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}

before(async () => {
  server = await startServer();
  ({ rootToken: root, keys } = await server.initAndUnseal(1, 1));
  const res = await server.request('POST', 'sys/mounts/secret', {
    token: root,
    body: { type: 'kv', options: { version: '2' } },
  });
  assert.equal(res.status, 204, res.text);
});
after(async () => {
  await server.stop();
  await removeDir(server.dir);
});

void describe('e2e audit file device', () => {
  const logFile = (): string => join(server.dir, 'audit', 'audit.log');

  void it('enables, lists, records request and response for every call, with no secret or token in plaintext', async () => {
    let res = await server.request('PUT', 'sys/audit/file', {
      token: root,
      body: { type: 'file', description: 'test', options: { file_path: logFile() } },
    });
    assert.equal(res.status, 204, res.text);
    res = await server.request('GET', 'sys/audit', { token: root });
    assert.equal(res.status, 200, res.text);
    const listed = (res.body?.['data'] as Record<string, Record<string, unknown>>)['file/'];
    assert.deepEqual(listed, {
      type: 'file',
      description: 'test',
      options: { file_path: logFile() },
      local: false,
      path: 'file/',
    });
    assert.ok(Object.hasOwn(res.body ?? {}, 'file/'), 'top-level injection');

    res = await server.request('POST', 'secret/data/app', {
      token: root,
      body: { data: { password: SECRET } },
    });
    assert.equal(res.status, 200, res.text);
    res = await server.request('GET', 'secret/data/app', { token: root });
    assert.equal(res.status, 200, res.text);
    assert.equal(
      ((res.body?.['data'] as Record<string, unknown>)['data'] as Record<string, unknown>)['password'],
      SECRET,
    );
    res = await server.request('POST', 'auth/token/create', { token: root, body: { policies: ['default'] } });
    assert.equal(res.status, 200, res.text);
    const child = res.body?.['auth'] as Record<string, string>;
    res = await server.request('GET', 'auth/token/lookup-self', { token: child['client_token'] as string });
    assert.equal(res.status, 200, res.text);

    const text = await readFile(logFile(), 'utf8');
    for (const plain of [SECRET, root, child['client_token'] as string, child['accessor'] as string]) {
      assert.ok(!text.includes(plain), `plaintext found in audit log: ${plain.slice(0, 4)}…`);
    }
    const all = await entries(logFile());
    for (const [op, path] of [
      ['update', 'secret/data/app'],
      ['read', 'secret/data/app'],
      ['update', 'auth/token/create'],
      ['read', 'auth/token/lookup-self'],
    ] as const) {
      for (const type of ['request', 'response']) {
        const found = all.find(
          (e) =>
            e.type === type &&
            e.request?.['path'] === path &&
            (e.request['operation'] === op || (op === 'update' && e.request['operation'] === 'create')),
        );
        assert.ok(found !== undefined, `${type} entry for ${op} ${path}`);
        assert.match(String(found.auth?.['client_token']), /^hmac-sha256:[0-9a-f]{64}$/);
        assert.match(String(found.request?.['client_token_accessor']), /^hmac-sha256:[0-9a-f]{64}$/);
      }
    }
    const readResp = all.find(
      (e) =>
        e.type === 'response' &&
        e.request?.['path'] === 'secret/data/app' &&
        e.request['operation'] === 'read',
    );
    const pw = ((readResp?.response?.['data'] as Record<string, unknown>)['data'] as Record<string, unknown>)[
      'password'
    ];
    assert.match(String(pw), /^hmac-sha256:[0-9a-f]{64}$/);

    res = await server.request('POST', 'sys/audit-hash/file', { token: root, body: { input: SECRET } });
    assert.equal(res.status, 200, res.text);
    assert.equal((res.body?.['data'] as Record<string, unknown>)['hash'], pw);
  });

  void it('keeps the device across a restart (audit table through the barrier)', async () => {
    await server.stop();
    server = await startServer({ dir: server.dir });
    await server.unsealWith(keys);
    const res = await server.request('GET', 'sys/audit', { token: root });
    assert.equal(res.status, 200, res.text);
    assert.ok(Object.hasOwn(res.body?.['data'] as Record<string, unknown>, 'file/'));
    const before = (await entries(logFile())).length;
    const read = await server.request('GET', 'secret/data/app', { token: root });
    assert.equal(read.status, 200, read.text);
    assert.equal((await entries(logFile())).length, before + 2, 'the read is recorded after the restart');
  });

  void it('reopens the file on SIGHUP (log rotation)', async () => {
    await rm(logFile());
    server.child.kill('SIGHUP');
    await waitFor(async () => (await readFile(logFile(), 'utf8').catch(() => undefined)) !== undefined);
    const res = await server.request('GET', 'secret/data/app', { token: root });
    assert.equal(res.status, 200, res.text);
    const all = await entries(logFile());
    assert.deepEqual(
      all.map((e) => e.type),
      ['request', 'response'],
    );
  });

  void it('fails closed: with the only device unwritable a write is 500 and has no effect', async () => {
    const auditDir = join(server.dir, 'audit');
    // Root ignores permission bits: replace the directory by a regular file so reopening fails.
    await rm(auditDir, { recursive: true, force: true });
    await writeFile(auditDir, 'not a directory');
    server.child.kill('SIGHUP');
    await waitFor(async () => (await server.request('GET', 'sys/audit', { token: root })).status === 500);

    const res = await server.request('POST', 'secret/data/blocked', {
      token: root,
      body: { data: { password: SECRET2 } },
    });
    assert.equal(res.status, 500, res.text);
    assert.deepEqual(res.body?.['errors'], ['internal error']);

    // Repair the path so the device works again, disable it, and check nothing was stored.
    await rm(auditDir, { force: true });
    await mkdir(auditDir);
    let r = await server.request('DELETE', 'sys/audit/file', { token: root });
    assert.equal(r.status, 204, r.text);
    r = await server.request('GET', 'secret/data/blocked', { token: root });
    assert.equal(r.status, 404, r.text);
    r = await server.request('GET', 'sys/audit', { token: root });
    assert.deepEqual(r.body?.['data'], {});
    // Disabled: requests no longer audited and the salt is gone.
    r = await server.request('POST', 'sys/audit-hash/file', { token: root, body: { input: 'x' } });
    assert.equal(r.status, 400, r.text);
  });
});
