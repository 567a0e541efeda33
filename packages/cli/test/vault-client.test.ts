import assert from 'node:assert/strict';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { VaultApiError, VaultClient, VaultConnectionError } from '../src/index.js';
import { envelope, ScriptedServer } from './helpers/scripted-server.js';
import { makeTestCertificates, type TestCertificates } from './helpers/test-certificates.js';

void describe('VaultClient over HTTP', () => {
  let server: ScriptedServer;
  let other: ScriptedServer;
  const fastRetry = { min: 1, max: 2 };

  before(async () => {
    server = new ScriptedServer();
    other = new ScriptedServer();
    await server.start();
    await other.start();
  });
  after(async () => {
    await server.stop();
    await other.stop();
  });
  beforeEach(() => {
    server.requests.length = 0;
    other.requests.length = 0;
  });

  void it('sends X-Vault-Request and X-Vault-Token, and parses the envelope', async () => {
    server.on('GET', 'secret/foo', { body: envelope({ a: 'b' }, { lease_duration: 60 }) });
    const client = new VaultClient({ address: server.address, token: 'tok-1' });
    const secret = await client.read('secret/foo');
    assert.deepEqual(secret?.data, { a: 'b' });
    assert.equal(secret?.lease_duration, 60);
    const req = server.requests[0];
    assert.equal(req?.headers['x-vault-request'], 'true');
    assert.equal(req?.headers['x-vault-token'], 'tok-1');
  });

  void it('omits the token on unauthenticated sys endpoints and when none is set', async () => {
    server.on('GET', 'sys/seal-status', {
      body: {
        type: 'shamir',
        initialized: true,
        sealed: false,
        t: 1,
        n: 1,
        progress: 0,
        nonce: '',
        version: 'x',
      },
    });
    await new VaultClient({ address: server.address, token: 'tok' }).sealStatus();
    await new VaultClient({ address: `${server.address}/` }).read('x');
    assert.equal(server.requests[0]?.headers['x-vault-token'], undefined);
    assert.equal(server.requests[1]?.headers['x-vault-token'], undefined);
  });

  void it("follows Vault's 404 rules: null for an empty 404, the envelope when the 404 carries data", async () => {
    server.on('GET', 'missing', { status: 404, body: { errors: [] } });
    server.on('GET', 'secret/data/deleted', {
      status: 404,
      body: envelope({ data: null, metadata: { version: 2, deletion_time: 'x' } }),
    });
    const client = new VaultClient({ address: server.address });
    assert.equal(await client.read('missing'), null);
    const deleted = await client.read('secret/data/deleted');
    assert.deepEqual(deleted?.data?.metadata, { version: 2, deletion_time: 'x' });
  });

  void it('throws VaultApiError with the status, the errors array and a one-line message', async () => {
    server.on('PUT', 'secret/data/x', {
      status: 403,
      body: { errors: ['1 error occurred:\n\t* permission denied\n\n'] },
    });
    const client = new VaultClient({ address: server.address });
    await assert.rejects(client.write('secret/data/x', { data: {} }), (err: unknown) => {
      assert.ok(err instanceof VaultApiError);
      assert.equal(err.status, 403);
      assert.deepEqual(err.errors, ['1 error occurred:\n\t* permission denied\n\n']);
      assert.equal(err.message.includes('\n'), false);
      assert.match(err.message, /Code: 403\. Errors: \* 1 error occurred: \* permission denied/);
      assert.match(err.message, /PUT http:\/\/127\.0\.0\.1:\d+\/v1\/secret\/data\/x/);
      return true;
    });
  });

  void it('lists with GET ?list=true and a trailing slash; 404 gives null', async () => {
    server.on('GET', 'secret/metadata/', { body: envelope({ keys: ['a', 'b/'] }) });
    const client = new VaultClient({ address: server.address });
    assert.deepEqual((await client.list('secret/metadata'))?.data?.keys, ['a', 'b/']);
    assert.equal(server.requests[0]?.query.get('list'), 'true');
    assert.equal(await client.list('nothing/here'), null);
  });

  void it('sends PATCH with the merge-patch content type and 204 gives null', async () => {
    server.on('PATCH', 'secret/data/p', { body: envelope({ version: 3 }) });
    server.on('DELETE', 'secret/data/p', {});
    const client = new VaultClient({ address: server.address });
    assert.deepEqual((await client.mergePatch('secret/data/p', { data: { a: 1 } }))?.data, { version: 3 });
    assert.equal(server.requests[0]?.headers['content-type'], 'application/merge-patch+json');
    assert.deepEqual(server.requests[0]?.body, { data: { a: 1 } });
    assert.equal(await client.delete('secret/data/p'), null);
  });

  void it('follows one 307 redirect, re-sending method and body', async () => {
    server.on('PUT', 'kv/x', { status: 307, headers: { Location: `${other.address}/v1/kv/x?y=1` } });
    other.on('PUT', 'kv/x', { body: envelope({ ok: true }) });
    const client = new VaultClient({ address: server.address, token: 't' });
    const secret = await client.write('kv/x', { v: 1 });
    assert.deepEqual(secret?.data, { ok: true });
    assert.deepEqual(other.requests[0]?.body, { v: 1 });
    assert.equal(other.requests[0]?.query.get('y'), '1');
    assert.equal(other.requests[0]?.headers['x-vault-token'], 't');
  });

  void it('refuses a second redirect, and does not follow when redirects are disabled', async () => {
    server.on('GET', 'loop', { status: 307, headers: { Location: `${other.address}/v1/loop` } });
    other.on('GET', 'loop', { status: 307, headers: { Location: `${server.address}/v1/loop` } });
    await assert.rejects(
      new VaultClient({ address: server.address }).read('loop'),
      (e: unknown) => e instanceof VaultConnectionError && /too many redirects/.test(e.message),
    );
    other.requests.length = 0;
    // Like Go's client with redirects disabled: the 307 itself is the (empty) answer.
    assert.equal(
      await new VaultClient({ address: server.address, disableRedirects: true }).read('loop'),
      null,
    );
    assert.equal(other.requests.length, 0);
  });

  void it('retries 5xx (not 501) and 412 up to maxRetries', async () => {
    let calls = 0;
    server.on('GET', 'flaky', () => {
      calls += 1;
      return calls < 3
        ? { status: 503, body: { errors: ['Vault is sealed'] } }
        : { body: envelope({ n: calls }) };
    });
    const client = new VaultClient({ address: server.address, maxRetries: 2, retryWaitMs: fastRetry });
    assert.deepEqual((await client.read('flaky'))?.data, { n: 3 });
    let notImpl = 0;
    server.on('GET', 'uninit', () => {
      notImpl += 1;
      return { status: 501, body: { errors: ['not initialized'] } };
    });
    await assert.rejects(
      client.read('uninit'),
      (e: unknown) => e instanceof VaultApiError && e.status === 501,
    );
    assert.equal(notImpl, 1);
    let always = 0;
    server.on('GET', 'down', () => {
      always += 1;
      return { status: 500, body: { errors: ['boom'] } };
    });
    await assert.rejects(
      new VaultClient({ address: server.address, maxRetries: 1, retryWaitMs: fastRetry }).read('down'),
      /Code: 500/,
    );
    assert.equal(always, 2);
  });

  void it('reports connection failures as VaultConnectionError', async () => {
    const client = new VaultClient({ address: 'http://127.0.0.1:1', maxRetries: 0 });
    await assert.rejects(
      client.sealStatus(),
      (e: unknown) => e instanceof VaultConnectionError && e.code === 'ECONNREFUSED',
    );
  });

  void it('times out slow requests', async () => {
    server.on(
      'GET',
      'slow',
      () => new Promise((resolve) => setTimeout(() => resolve({ body: envelope({}) }), 500)),
    );
    const client = new VaultClient({ address: server.address, timeoutMs: 50, maxRetries: 0 });
    await assert.rejects(
      client.read('slow'),
      (e: unknown) => e instanceof VaultConnectionError && e.code === 'ETIMEDOUT',
    );
  });

  void it('detects the KV version with the preflight; 404 means version 1', async () => {
    server.kvMount('secret/', 2);
    const client = new VaultClient({ address: server.address });
    assert.deepEqual(await client.kvPreflight('secret/foo/bar'), { mountPath: 'secret/', version: 2 });
    server.on('GET', 'sys/internal/ui/mounts/old/x', { status: 404, body: { errors: [] } });
    assert.deepEqual(await client.kvPreflight('old/x'), { mountPath: '', version: 1 });
    await assert.rejects(
      client.kvPreflight('nomount/x'),
      (e: unknown) => e instanceof VaultApiError && e.status === 403,
    );
  });

  void it('sends the wrap TTL and namespace headers, but never wraps the KV preflight', async () => {
    server.kvMount('wrapped/', 2);
    server.on('GET', 'wrapped/data/x', {
      body: envelope(null, {
        wrap_info: {
          token: 'w',
          accessor: 'a',
          ttl: 300,
          creation_time: 't',
          creation_path: 'wrapped/data/x',
        },
      }),
    });
    const client = new VaultClient({ address: server.address, wrapTtl: '5m', namespace: 'team' });
    await client.kvPreflight('wrapped/x');
    const secret = await client.read('wrapped/data/x');
    assert.equal(secret?.wrap_info?.token, 'w');
    assert.equal(server.requests[0]?.headers['x-vault-wrap-ttl'], undefined);
    assert.equal(server.requests[1]?.headers['x-vault-wrap-ttl'], '5m');
    assert.equal(server.requests[1]?.headers['x-vault-namespace'], 'team');
  });

  void it('reads sys answers from data or, for legacy servers, the top level', async () => {
    server.on('GET', 'sys/key-status', {
      body: { term: 3, install_time: '2024-01-01T00:00:00Z', encryptions: 7 },
    });
    server.on('POST', 'sys/capabilities-self', {
      body: envelope({ capabilities: ['read'], 'secret/x': ['read'] }),
    });
    const client = new VaultClient({ address: server.address });
    assert.deepEqual(await client.keyStatus(), {
      term: 3,
      install_time: '2024-01-01T00:00:00Z',
      encryptions: 7,
    });
    assert.deepEqual(await client.capabilitiesSelf('secret/x'), ['read']);
    assert.deepEqual(server.requests[1]?.body, { paths: ['secret/x'] });
  });
});

void describe('VaultClient over HTTPS', () => {
  let certs: TestCertificates;
  let https: HttpsServer;
  let address = '';
  let plain: ScriptedServer;

  before(async () => {
    certs = makeTestCertificates();
    https = createHttpsServer({ cert: certs.certPem, key: certs.keyPem }, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ initialized: true }));
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    address = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
    plain = new ScriptedServer();
    await plain.start();
  });
  after(async () => {
    https.closeAllConnections();
    await new Promise<void>((resolve) => https.close(() => resolve()));
    await plain.stop();
  });

  void it('rejects an unknown CA by default', async () => {
    await assert.rejects(new VaultClient({ address, maxRetries: 0 }).initStatus(), VaultConnectionError);
  });

  void it('trusts a given CA, or skips verification when asked', async () => {
    assert.equal(await new VaultClient({ address, tls: { ca: certs.caPem } }).initStatus(), true);
    assert.equal(await new VaultClient({ address, tls: { skipVerify: true } }).initStatus(), true);
  });

  void it('verifies against the TLS server name', async () => {
    assert.equal(
      await new VaultClient({ address, tls: { ca: certs.caPem, serverName: 'coffer.test' } }).initStatus(),
      true,
    );
    await assert.rejects(
      new VaultClient({
        address,
        tls: { ca: certs.caPem, serverName: 'other.test' },
        maxRetries: 0,
      }).initStatus(),
      VaultConnectionError,
    );
  });

  void it('refuses a redirect from https to http', async () => {
    const redirecting = createHttpsServer({ cert: certs.certPem, key: certs.keyPem }, (_req, res) => {
      res.writeHead(307, { Location: `${plain.address}/v1/sys/init` });
      res.end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    try {
      const addr = `https://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
      await assert.rejects(
        new VaultClient({ address: addr, tls: { ca: certs.caPem } }).initStatus(),
        (e: unknown) => e instanceof VaultConnectionError && /https to http/.test(e.message),
      );
      assert.equal(plain.requests.length, 0);
    } finally {
      redirecting.closeAllConnections();
      await new Promise<void>((resolve) => redirecting.close(() => resolve()));
    }
  });

  void it('hints at a plain-HTTP server when TLS is used against it', async () => {
    await assert.rejects(
      new VaultClient({ address: plain.address.replace('http:', 'https:'), maxRetries: 0 }).initStatus(),
      (e: unknown) => e instanceof VaultConnectionError && /without TLS/.test(e.message),
    );
  });
});
