import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { removeDir, startServer, type ServerProcess } from './harness.js';

const run = promisify(execFile);

/** Writes `payload` on one connection and collects everything until the server closes it. */
async function rawExchange(port: number, payload: string, tls?: { ca: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket =
      tls === undefined
        ? connect(port, '127.0.0.1', () => socket.write(payload))
        : tlsConnect({ host: '127.0.0.1', port, ca: tls.ca, servername: 'localhost' }, () =>
            socket.write(payload),
          );
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
    setTimeout(() => socket.end(), 1500);
  });
}

/** Status line and body of every response in a raw HTTP/1.1 stream (Content-Length framed). */
function responses(raw: string): { status: number; body: string }[] {
  const out: { status: number; body: string }[] = [];
  let rest = raw;
  while (rest.startsWith('HTTP/1.1 ')) {
    const headEnd = rest.indexOf('\r\n\r\n');
    const head = rest.slice(0, headEnd);
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? '0');
    out.push({ status: Number(head.slice(9, 12)), body: rest.slice(headEnd + 4, headEnd + 4 + length) });
    rest = rest.slice(headEnd + 4 + length);
  }
  return out;
}

let server: ServerProcess;
let root = '';

before(async () => {
  server = await startServer({ listenerExtra: 'max_request_size = 65536', logLevel: 'info' });
  ({ rootToken: root } = await server.initAndUnseal(1, 1));
  await server.request('POST', 'sys/mounts/kv', { token: root, body: { type: 'kv' } });
  for (const k of ['a', 'b', 'dir/c'])
    await server.request('POST', `kv/${k}`, { token: root, body: { v: k } });
});
after(async () => {
  await server.stop();
  await removeDir(server.dir);
});

void describe('e2e wire: LIST', () => {
  void it('serves `curl -X LIST` (or a raw LIST request when curl is absent)', async () => {
    if (existsSync('/usr/bin/curl') || existsSync('/bin/curl')) {
      const { stdout } = await run('curl', [
        '-sS',
        '-X',
        'LIST',
        '-H',
        `X-Vault-Token: ${root}`,
        `${server.url}/v1/kv`,
      ]);
      const body = JSON.parse(stdout) as { data: { keys: string[] } };
      assert.deepEqual(body.data.keys, ['a', 'b', 'dir/']);
      const { stdout: withStatus } = await run('curl', [
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-X',
        'LIST',
        '-H',
        `X-Vault-Token: ${root}`,
        `${server.url}/v1/kv/empty`,
      ]);
      assert.equal(withStatus, '404');
    } else {
      const out = await rawExchange(
        server.port,
        `LIST /v1/kv HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${root}\r\nConnection: close\r\n\r\n`,
      );
      assert.deepEqual(
        (JSON.parse(responses(out)[0]?.body ?? '{}') as { data: { keys: string[] } }).data.keys,
        ['a', 'b', 'dir/'],
      );
    }
  });

  void it('answers an empty list with 404 {"errors":[]}', async () => {
    const res = await server.request('LIST', 'kv/nothing-here/', { token: root });
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { errors: [] });
  });

  void it('answers pipelined LIST/GET/POST/DELETE requests in order on one connection', async () => {
    const body = '{"v":"pipelined"}';
    const payload =
      `LIST /v1/kv/ HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${root}\r\n\r\n` +
      `POST /v1/kv/p HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${root}\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
      `GET /v1/kv/p HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${root}\r\n\r\n` +
      `PUT /v1/kv/q HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${root}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"v":\r\n4\r\n"q"}\r\n0\r\n\r\n` +
      `LIST /v1/kv/dir HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${root}\r\n\r\n` +
      `DELETE /v1/kv/p HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${root}\r\n\r\n` +
      `GET /v1/kv/q?list=true HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${root}\r\nConnection: close\r\n\r\n`;
    const all = responses(await rawExchange(server.port, payload));
    assert.deepEqual(
      all.map((r) => r.status),
      [200, 204, 200, 204, 200, 204, 404],
    );
    assert.deepEqual((JSON.parse(all[0]?.body ?? '') as { data: { keys: string[] } }).data.keys, [
      'a',
      'b',
      'dir/',
    ]);
    assert.deepEqual((JSON.parse(all[2]?.body ?? '') as { data: unknown }).data, { v: 'pipelined' });
    assert.deepEqual((JSON.parse(all[4]?.body ?? '') as { data: { keys: string[] } }).data.keys, ['c']);
    assert.equal((await server.request('GET', 'kv/q', { token: root })).status, 200);
  });
});

void describe('e2e wire: bad input never crashes the server or leaks internals', () => {
  void it('rejects malformed JSON with 400 and does not echo it', async () => {
    const res = await server.request('POST', 'kv/x', { token: root, rawBody: '{"password":"hunter2"' });
    assert.equal(res.status, 400);
    assert.ok(!res.text.includes('hunter2'));
    assert.match(String((res.body?.['errors'] as string[])[0]), /failed to parse JSON input/);
  });

  void it('rejects wrong field types with 400 in Vault format', async () => {
    const res = await server.request('POST', 'sys/mounts/typed', {
      token: root,
      body: { type: 'kv', local: 'maybe' },
    });
    assert.equal(res.status, 400);
    assert.ok(Array.isArray(res.body?.['errors']));
    const init = await server.request('PUT', 'sys/tools/random', { token: root, body: { bytes: { no: 1 } } });
    assert.equal(init.status, 400);
  });

  void it('answers unknown mounts and routes with 404 no handler', async () => {
    const res = await server.request('GET', 'nomount/x', { token: root });
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { errors: ['no handler for route "nomount/x". route entry not found.'] });
    assert.equal((await server.request('GET', '/not-v1/x')).status, 404);
    assert.equal((await server.request('GET', 'kv/x.', { token: root })).status, 404);
    const unsupported = await server.request('GET', 'sys/no-such-endpoint', { token: root });
    assert.equal(unsupported.status, 404);
  });

  void it('answers 413 for a body over max_request_size and keeps serving', async () => {
    const res = await server.request('POST', 'kv/big', { token: root, body: { v: 'x'.repeat(100_000) } });
    assert.equal(res.status, 413);
    assert.deepEqual(res.body, { errors: ['http: request body too large'] });
    assert.equal((await server.request('GET', 'sys/health')).status, 200);
  });

  void it('answers 403 for missing, unknown and malformed tokens', async () => {
    const none = await server.request('GET', 'kv/a');
    assert.equal(none.status, 403);
    assert.deepEqual(none.body, { errors: ['permission denied'] });
    const bad = await server.request('GET', 'kv/a', { token: 'hvs.not-a-token' });
    assert.equal(bad.status, 403);
    assert.deepEqual(bad.body, { errors: ['permission denied', 'invalid token'] });
    const huge = await server.request('GET', 'kv/a', { token: 'x'.repeat(5000) });
    assert.equal(huge.status, 403);
    const bearer = await server.request('GET', 'kv/a', { headers: { Authorization: `Bearer ${root}` } });
    assert.equal(bearer.status, 200);
  });

  void it('answers 405/415 for unsupported methods and PATCH content types', async () => {
    assert.equal((await server.request('OPTIONS', 'kv/a', { token: root })).status, 405);
    assert.equal((await server.request('PATCH', 'kv/a', { token: root, body: {} })).status, 415);
    assert.equal((await server.request('DELETE', 'sys/health', { token: root })).status, 405);
  });

  void it('survives garbage on the socket and a header flood', async () => {
    const garbage = await rawExchange(server.port, 'BLAH\r\n\r\n');
    assert.match(garbage, /^HTTP\/1\.1 400 /);
    const flood = await rawExchange(
      server.port,
      `GET /v1/sys/health HTTP/1.1\r\nX-A: ${'a'.repeat(80_000)}\r\n\r\n`,
    );
    assert.match(flood, /^HTTP\/1\.1 431 /);
    const everything = [garbage, flood].join('');
    assert.ok(!everything.includes(' at '), 'no stack trace on the wire');
    assert.equal((await server.request('GET', 'sys/health')).status, 200);
    assert.equal(server.alive, true);
  });

  void it('never leaks a stack trace or secret in any error body seen above', () => {
    const logs = server.logs();
    assert.ok(!logs.includes('hunter2'));
    assert.ok(!logs.includes(root));
  });
});

void describe('e2e wire: TLS listener', () => {
  let tlsServer: ServerProcess;
  before(async () => {
    tlsServer = await startServer({ tls: true });
  });
  after(async () => {
    await tlsServer.stop();
    await removeDir(tlsServer.dir);
  });

  void it('serves the API over TLS, including LIST and pipelining', async () => {
    assert.match(tlsServer.url, /^https:/);
    const { rootToken } = await tlsServer.initAndUnseal(1, 1);
    await tlsServer.request('POST', 'sys/mounts/kv', { token: rootToken, body: { type: 'kv' } });
    await tlsServer.request('POST', 'kv/t', { token: rootToken, body: { v: 1 } });
    const list = await tlsServer.request('LIST', 'kv', { token: rootToken });
    assert.equal(list.status, 200);
    assert.deepEqual((list.body?.['data'] as { keys: string[] }).keys, ['t']);
    const out = await rawExchange(
      tlsServer.port,
      `LIST /v1/kv HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${rootToken}\r\n\r\nGET /v1/kv/t HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${rootToken}\r\nConnection: close\r\n\r\n`,
      { ca: tlsServer.ca ?? '' },
    );
    assert.deepEqual(
      responses(out).map((r) => r.status),
      [200, 200],
    );
  });

  void it('does not speak plain HTTP on the TLS port', async () => {
    const out = await rawExchange(tlsServer.port, 'GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.ok(!out.startsWith('HTTP/1.1 200'));
  });
});
