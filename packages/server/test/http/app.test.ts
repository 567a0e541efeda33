import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { BarrierError } from '@coffer/barrier';
import { createApp } from '../../src/http/create-app.js';
import { Listener } from '../../src/http/listener.js';
import { CofferError } from '../../src/errors/coffer-error.js';
import { ErrorCode } from '../../src/errors/error-code.js';
import type { CoreRequest, CoreResponse, RequestHandler } from '../../src/core/core-request.js';

/** A fake core: records requests and answers with whatever the test queues. */
class FakeCore implements RequestHandler {
  requests: CoreRequest[] = [];
  answer: (req: CoreRequest) => Promise<CoreResponse> = async () => ({ response: undefined, mountType: '' });
  async handleRequest(req: CoreRequest): Promise<CoreResponse> {
    this.requests.push(req);
    return this.answer(req);
  }
  get last(): CoreRequest {
    const r = this.requests[this.requests.length - 1];
    assert.ok(r, 'no request reached the core');
    return r;
  }
}

const logLines: string[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _enc, cb) {
    logLines.push(chunk.toString('utf8'));
    cb();
  },
});

const core = new FakeCore();
let listener: Listener;
let base: string;
let port: number;

before(async () => {
  const app = createApp({ handler: core, logger: pino({ level: 'info' }, logStream), maxRequestSize: 1024 });
  listener = new Listener({ address: '127.0.0.1:0' }, app);
  ({ port } = await listener.listen());
  base = `http://127.0.0.1:${port}`;
});

after(async () => {
  await listener.close();
});

beforeEach(() => {
  core.requests = [];
  core.answer = async () => ({ response: undefined, mountType: '' });
});

async function raw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
    socket.end(request);
  });
}

void describe('HTTP app: envelope and status codes', () => {
  void it('wraps data in the full envelope with every key present', async () => {
    core.answer = async () => ({ response: { data: { foo: 'bar' } }, mountType: 'kv' });
    const res = await fetch(`${base}/v1/secret/foo`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), [
      'auth',
      'data',
      'lease_duration',
      'lease_id',
      'mount_type',
      'renewable',
      'request_id',
      'warnings',
      'wrap_info',
    ]);
    assert.match(
      String(body['request_id']),
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    assert.equal(body['lease_id'], '');
    assert.equal(body['renewable'], false);
    assert.equal(body['lease_duration'], 0);
    assert.deepEqual(body['data'], { foo: 'bar' });
    assert.equal(body['wrap_info'], null);
    assert.equal(body['warnings'], null);
    assert.equal(body['auth'], null);
    assert.equal(body['mount_type'], 'kv');
    assert.equal(core.last.id, body['request_id']);
  });

  void it('answers 204 with no body when there is nothing to return', async () => {
    const res = await fetch(`${base}/v1/secret/foo`, { method: 'POST', body: '{"a":1}' });
    assert.equal(res.status, 204);
    assert.equal(await res.text(), '');
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  void it('answers 200 with data null when only warnings are present', async () => {
    core.answer = async () => ({ response: { warnings: ['careful'] }, mountType: 'kv' });
    const body = (await (
      await fetch(`${base}/v1/secret/foo`, { method: 'PUT', body: '{}' })
    ).json()) as Record<string, unknown>;
    assert.equal(body['data'], null);
    assert.deepEqual(body['warnings'], ['careful']);
  });

  void it('fills lease fields from a secret lease and passes auth through', async () => {
    const auth = {
      client_token: 't',
      accessor: 'a',
      policies: ['default'],
      token_policies: ['default'],
      metadata: null,
      lease_duration: 60,
      renewable: true,
      entity_id: '',
      token_type: 'service' as const,
      orphan: false,
      mfa_requirement: null,
      num_uses: 0,
    };
    core.answer = async () => ({
      response: { data: { x: 1 }, secret: { leaseId: 'l/1', leaseDuration: 30, renewable: true }, auth },
      mountType: 'token',
    });
    const body = (await (await fetch(`${base}/v1/auth/token/create`, { method: 'POST' })).json()) as Record<
      string,
      unknown
    >;
    assert.equal(body['lease_id'], 'l/1');
    assert.equal(body['lease_duration'], 30);
    assert.equal(body['renewable'], true);
    assert.deepEqual(body['auth'], auth);
  });

  void it('writes raw responses as given (bare JSON sys endpoints)', async () => {
    core.answer = async () => ({
      response: { raw: { status: 429, contentType: 'application/json', body: '{"standby":true}' } },
      mountType: 'system',
    });
    const res = await fetch(`${base}/v1/sys/health`);
    assert.equal(res.status, 429);
    assert.deepEqual(await res.json(), { standby: true });
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  void it('copies data to the top level for the legacy sys routes only', async () => {
    core.answer = async () => ({ response: { data: { keys: ['a'], policies: ['a'] } }, mountType: 'system' });
    const policy = (await (await fetch(`${base}/v1/sys/policy`)).json()) as Record<string, unknown>;
    assert.deepEqual(policy['policies'], ['a']);
    assert.deepEqual((policy['data'] as Record<string, unknown>)['policies'], ['a']);
    const mounts = (await (await fetch(`${base}/v1/sys/mounts/secret/tune`)).json()) as Record<
      string,
      unknown
    >;
    assert.deepEqual(mounts['keys'], ['a']);
    const other = (await (await fetch(`${base}/v1/sys/policies/acl?list=true`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(other['keys'], undefined);
    const kv = (await (await fetch(`${base}/v1/secret/policy`)).json()) as Record<string, unknown>;
    assert.equal(kv['policies'], undefined);
  });
});

void describe('HTTP app: errors', () => {
  void it('renders a typed error with its status and message', async () => {
    core.answer = async () => {
      throw new CofferError(ErrorCode.PermissionDenied, 'permission denied');
    };
    const res = await fetch(`${base}/v1/secret/foo`);
    assert.equal(res.status, 403);
    assert.deepEqual(await res.json(), { errors: ['permission denied'] });
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  void it('renders a multi-line message as several errors (bad token)', async () => {
    core.answer = async () => {
      throw new CofferError(ErrorCode.PermissionDenied, 'permission denied\ninvalid token');
    };
    assert.deepEqual(await (await fetch(`${base}/v1/secret/foo`)).json(), {
      errors: ['permission denied', 'invalid token'],
    });
  });

  void it('renders an empty not-found as {"errors":[]} and keeps error data', async () => {
    core.answer = async () => {
      throw new CofferError(ErrorCode.NotFound, '', { data: { data: null, metadata: { version: 2 } } });
    };
    const res = await fetch(`${base}/v1/secret/data/foo`);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { errors: [], data: { data: null, metadata: { version: 2 } } });
  });

  void it('maps barrier errors: sealed → 503 "Vault is sealed"', async () => {
    core.answer = async () => {
      throw new BarrierError('BARRIER_SEALED', 'barrier is sealed');
    };
    const res = await fetch(`${base}/v1/secret/foo`);
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { errors: ['Vault is sealed'] });
  });

  void it('hides unexpected errors behind 500 "internal error" and logs no message', async () => {
    logLines.length = 0;
    core.answer = async () => {
      throw new Error('secret-value-XYZ leaked?');
    };
    const res = await fetch(`${base}/v1/secret/foo`);
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.deepEqual(JSON.parse(text), { errors: ['internal error'] });
    assert.ok(!text.includes('secret-value-XYZ'));
    assert.ok(!text.includes(' at '));
    await new Promise((r) => setImmediate(r));
    assert.ok(logLines.some((l) => l.includes('internal error')));
    assert.ok(logLines.every((l) => !l.includes('secret-value-XYZ')));
  });

  void it('rejects malformed JSON with 400 without echoing the body', async () => {
    const res = await fetch(`${base}/v1/secret/foo`, { method: 'POST', body: '{"password":"hunter2",' });
    assert.equal(res.status, 400);
    const text = await res.text();
    assert.ok(!text.includes('hunter2'));
    assert.match((JSON.parse(text) as { errors: string[] }).errors[0] ?? '', /failed to parse JSON input/);
    assert.equal(core.requests.length, 0);
  });

  void it('rejects a JSON body that is not an object', async () => {
    for (const body of ['[1,2]', '"x"', '42']) {
      const res = await fetch(`${base}/v1/secret/foo`, { method: 'PUT', body });
      assert.equal(res.status, 400, body);
    }
  });

  void it('answers 413 for a body over max_request_size', async () => {
    const res = await fetch(`${base}/v1/secret/foo`, {
      method: 'POST',
      body: JSON.stringify({ a: 'x'.repeat(2000) }),
    });
    assert.equal(res.status, 413);
    assert.deepEqual(await res.json(), { errors: ['http: request body too large'] });
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  void it('answers 413 for a chunked body over the limit', async () => {
    const body = 'x'.repeat(3000);
    const out = await raw(
      `POST /v1/secret/foo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    );
    assert.match(out, /^HTTP\/1\.1 413 /);
  });

  void it('answers 404 for paths outside /v1/ and paths ending in "."', async () => {
    for (const p of ['/', '/v2/secret/foo', '/v1/secret/foo.', '/v1/secret/foo..']) {
      const res = await fetch(`${base}${p}`);
      assert.equal(res.status, 404, p);
      assert.equal(res.headers.get('cache-control'), 'no-store');
    }
    // fetch would normalise dot segments itself: send them raw.
    const dot = await raw('GET /v1/secret/%2e HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.match(dot, /^HTTP\/1\.1 301 /);
    assert.match(dot, /\r\nLocation: \/v1\/secret\r\n/i);
    assert.equal(core.requests.length, 0);
  });

  void it("redirects unclean paths like Go's ServeMux", async () => {
    const res = await fetch(`${base}/v1/secret//a/../b?x=1`, { redirect: 'manual' });
    assert.equal(res.status, 301);
    assert.equal(res.headers.get('location'), '/v1/secret/b?x=1');
  });

  void it('rejects non-printable characters in the path', async () => {
    const res = await fetch(`${base}/v1/secret/a%00b`);
    assert.equal(res.status, 400);
    assert.equal(core.requests.length, 0);
  });

  void it('answers 405 for unsupported methods and HEAD outside sys/health', async () => {
    assert.equal((await fetch(`${base}/v1/secret/foo`, { method: 'OPTIONS' })).status, 405);
    assert.equal((await fetch(`${base}/v1/secret/foo`, { method: 'HEAD' })).status, 405);
    assert.equal(core.requests.length, 0);
  });
});

void describe('HTTP app: request mapping', () => {
  void it('maps GET to read with query parameters as data', async () => {
    await fetch(`${base}/v1/secret/data/foo?version=2&a=1&a=2`);
    assert.equal(core.last.operation, 'read');
    assert.equal(core.last.path, 'secret/data/foo');
    assert.deepEqual(core.last.data, { version: '2', a: ['1', '2'] });
    assert.equal(core.last.head, false);
  });

  void it('maps GET ?list=true to list with a trailing slash and drops the list parameter', async () => {
    await fetch(`${base}/v1/secret/metadata?list=true&after=x`);
    assert.equal(core.last.operation, 'list');
    assert.equal(core.last.path, 'secret/metadata/');
    assert.deepEqual(core.last.data, { after: 'x' });
    await fetch(`${base}/v1/secret/metadata?list=false`);
    assert.equal(core.last.operation, 'read');
    assert.equal((await fetch(`${base}/v1/secret/metadata?list=maybe`)).status, 400);
  });

  void it('maps the LIST verb (through the shim) to list', async () => {
    const out = await raw('LIST /v1/secret/metadata HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.match(out, /^HTTP\/1\.1 204 /);
    assert.equal(core.last.operation, 'list');
    assert.equal(core.last.path, 'secret/metadata/');
  });

  void it('maps POST and PUT to update with a JSON body (no content type needed)', async () => {
    await fetch(`${base}/v1/secret/foo`, { method: 'POST', body: '{"a":1}' });
    assert.equal(core.last.operation, 'update');
    assert.deepEqual(core.last.data, { a: 1 });
    await raw(
      'PUT /v1/secret/foo HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\nConnection: close\r\n\r\n{"b":2}',
    );
    assert.deepEqual(core.last.data, { b: 2 });
  });

  void it('accepts form bodies, but JSON sent with a form content type stays JSON', async () => {
    await fetch(`${base}/v1/secret/foo`, {
      method: 'POST',
      body: 'a=1&b=x&b=y',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.deepEqual(core.last.data, { a: '1', b: 'x,y' });
    await fetch(`${base}/v1/secret/foo`, {
      method: 'POST',
      body: ' {"a":1}',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.deepEqual(core.last.data, { a: 1 });
  });

  void it('requires the merge-patch content type for PATCH (415 otherwise)', async () => {
    const bad = await fetch(`${base}/v1/secret/data/foo`, {
      method: 'PATCH',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(bad.status, 415);
    assert.equal(core.requests.length, 0);
    const ok = await fetch(`${base}/v1/secret/data/foo`, {
      method: 'PATCH',
      body: '{"data":{"a":1}}',
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    assert.equal(ok.status, 204);
    assert.equal(core.last.operation, 'patch');
    assert.deepEqual(core.last.data, { data: { a: 1 } });
  });

  void it('maps DELETE to delete with query data', async () => {
    await fetch(`${base}/v1/secret/foo?versions=1`, { method: 'DELETE' });
    assert.equal(core.last.operation, 'delete');
    assert.deepEqual(core.last.data, { versions: '1' });
  });

  void it('serves HEAD on sys/health with the status and no body', async () => {
    core.answer = async () => ({
      response: { raw: { status: 503, contentType: 'application/json', body: '{"sealed":true}' } },
      mountType: 'system',
    });
    const res = await fetch(`${base}/v1/sys/health?sealedcode=299`, { method: 'HEAD' });
    assert.equal(res.status, 503);
    assert.equal(await res.text(), '');
    assert.equal(core.last.head, true);
    assert.deepEqual(core.last.data, { sealedcode: '299' });
  });

  void it('takes the token from X-Vault-Token, else Authorization: Bearer, never into headers', async () => {
    await fetch(`${base}/v1/secret/foo`, { headers: { 'x-vault-token': 'tok-1' } });
    assert.equal(core.last.token, 'tok-1');
    assert.equal(core.last.headers['x-vault-token'], undefined);
    await fetch(`${base}/v1/secret/foo`, { headers: { authorization: 'Bearer tok-2' } });
    assert.equal(core.last.token, 'tok-2');
    assert.equal(core.last.headers['authorization'], undefined);
    await fetch(`${base}/v1/secret/foo`, {
      headers: { authorization: 'Bearer tok-2', 'x-vault-token': 'tok-3' },
    });
    assert.equal(core.last.token, 'tok-3');
    await fetch(`${base}/v1/secret/foo`, { headers: { authorization: 'Basic abc' } });
    assert.equal(core.last.token, undefined);
  });

  void it('passes the X-Vault-Wrap-TTL in seconds to the core; a bad one is a 400 before the core', async () => {
    await fetch(`${base}/v1/secret/foo`, { headers: { 'x-vault-wrap-ttl': '5m' } });
    assert.equal(core.last.wrapTtl, 300);
    const before = core.requests.length;
    const res = await fetch(`${base}/v1/secret/foo`, { headers: { 'x-vault-wrap-ttl': '-5m' } });
    assert.equal(res.status, 400);
    assert.equal(core.requests.length, before);
  });

  void it('decodes percent-encoded paths', async () => {
    await fetch(`${base}/v1/secret/data/a%20b%2Fc`);
    assert.equal(core.last.path, 'secret/data/a b/c');
  });

  void it('access-logs requests without tokens, query strings or bodies', async () => {
    logLines.length = 0;
    await fetch(`${base}/v1/secret/foo?token=query-secret`, {
      headers: { 'x-vault-token': 'header-secret' },
    });
    await fetch(`${base}/v1/secret/foo`, {
      method: 'POST',
      body: '{"pw":"body-secret"}',
      headers: { authorization: 'Bearer bearer-secret' },
    });
    await new Promise((r) => setImmediate(r));
    const log = logLines.join('');
    assert.match(log, /"path":"\/v1\/secret\/foo"/);
    for (const secret of ['query-secret', 'header-secret', 'body-secret', 'bearer-secret'])
      assert.ok(!log.includes(secret), secret);
  });
});
