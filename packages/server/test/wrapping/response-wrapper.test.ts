import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PrefixedView } from '@coffer/barrier';
import { destroyCubbyhole } from '../../src/engines/cubbyhole/destroy-cubbyhole.js';
import { CofferError } from '../../src/errors/coffer-error.js';
import { ErrorCode } from '../../src/errors/error-code.js';
import { renderResponse } from '../../src/http/render-response.js';
import type { LogicalResponse } from '../../src/logical/logical-response.js';
import { formatResponseEntry, type AuditRequestInfo } from '../../src/audit/audit-format.js';
import { parseWrapTtl } from '../../src/wrapping/parse-wrap-ttl.js';
import { ResponseWrapper, isWrappingToken } from '../../src/wrapping/response-wrapper.js';
import { wrapResponse } from '../../src/wrapping/wrap-response.js';
import { validateWrappingTokenRequest } from '../../src/wrapping/wrapping-token-request.js';
import { TokenHarness } from '../tokens/token-harness.js';

function setup(): { h: TokenHarness; wrapper: ResponseWrapper; cubby: PrefixedView } {
  const h = new TokenHarness();
  const cubby = new PrefixedView(h.backend, 'logical/cubby/');
  h.store.onRevoke((entry) => destroyCubbyhole(cubby, entry.cubbyholeId));
  return { h, wrapper: new ResponseWrapper(h.store, cubby), cubby };
}

const invalid = (err: unknown): boolean => {
  assert.ok(err instanceof CofferError);
  assert.equal(err.code, ErrorCode.BadRequest);
  assert.equal(err.message, 'wrapping token is not valid or does not exist');
  return true;
};

const kvResponse: LogicalResponse = { data: { data: { password: 'p4ss' }, metadata: { version: 1 } } };

void describe('parseWrapTtl (X-Vault-Wrap-TTL)', () => {
  void it('reads seconds and duration strings; absent or empty is no wrapping', () => {
    assert.equal(parseWrapTtl({}), undefined);
    assert.equal(parseWrapTtl({ 'x-vault-wrap-ttl': '' }), undefined);
    assert.equal(parseWrapTtl({ 'x-vault-wrap-ttl': '300' }), 300);
    assert.equal(parseWrapTtl({ 'x-vault-wrap-ttl': '15s' }), 15);
    assert.equal(parseWrapTtl({ 'x-vault-wrap-ttl': '20m' }), 1200);
    assert.equal(parseWrapTtl({ 'x-vault-wrap-ttl': '25h' }), 90_000);
    assert.equal(parseWrapTtl({ 'x-vault-wrap-ttl': '1h30m' }), 5400);
    assert.equal(parseWrapTtl({ 'x-vault-wrap-ttl': ['60', '90'] }), 60);
    assert.equal(parseWrapTtl({ 'x-vault-wrap-ttl': '0' }), 0);
  });

  void it('rejects negative and garbage values, and the JWT format, with 400s', () => {
    for (const v of ['-1', '-5m', 'abc', '5 minutes', '1.5', '10x']) {
      assert.throws(
        () => parseWrapTtl({ 'x-vault-wrap-ttl': v }),
        (err: unknown) => err instanceof CofferError && err.code === ErrorCode.BadRequest,
        v,
      );
    }
    assert.throws(
      () => parseWrapTtl({ 'x-vault-wrap-ttl': '60', 'x-vault-wrap-format': 'jwt' }),
      (err: unknown) => err instanceof CofferError && /JWT/.test(err.message),
    );
  });
});

void describe('ResponseWrapper', () => {
  void it('mints a single-use orphan wrapping token holding only the response-wrapping policy', async () => {
    const { h, wrapper } = setup();
    const info = await wrapper.wrap({ ttl: 120, creationPath: 'secret/data/x', response: '{"a":1}' });
    const entry = await h.store.lookup(info.token);
    assert.ok(entry !== undefined);
    assert.deepEqual(entry.policies, ['response-wrapping']);
    assert.ok(isWrappingToken(entry));
    assert.equal(entry.numUses, 1);
    assert.equal(entry.ttl, 120);
    assert.equal(entry.explicitMaxTtl, 120);
    assert.equal(entry.renewable, false);
    assert.equal(entry.orphan, true);
    assert.equal(entry.path, 'secret/data/x');
    assert.equal(entry.accessor, info.accessor);
    assert.equal(info.creationTime, new Date(h.clock).toISOString());
    assert.deepEqual(await wrapper.lookup(entry), {
      creationPath: 'secret/data/x',
      creationTime: info.creationTime,
      creationTtl: 120,
    });
  });

  void it('consume: exactly one of two concurrent unwraps gets the response; the cubbyhole is destroyed', async () => {
    const { h, wrapper } = setup();
    const info = await wrapper.wrap({ ttl: 60, creationPath: 'p', response: 'the-response' });
    const entry = await wrapper.validate(info.token);
    assert.ok(entry !== undefined);
    const results = await Promise.allSettled([
      wrapper.consume(entry, (e) => wrapper.response(e)),
      wrapper.consume(entry, (e) => wrapper.response(e)),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    assert.equal(ok.length, 1);
    assert.equal((ok[0] as PromiseFulfilledResult<string>).value, 'the-response');
    const failed = results.find((r) => r.status === 'rejected');
    assert.ok(failed !== undefined && invalid(failed.reason));
    assert.equal(await wrapper.validate(info.token), undefined);
    assert.deepEqual(
      (await h.dump()).filter((kv) => kv.key.startsWith('logical/cubby/')),
      [],
      'the wrapping token cubbyhole is gone',
    );
  });

  void it('expires with its TTL; non-wrapping tokens are not wrapping tokens', async () => {
    const { h, wrapper } = setup();
    const info = await wrapper.wrap({ ttl: 2, creationPath: 'p', response: 'r' });
    h.advance(1);
    assert.ok((await wrapper.validate(info.token)) !== undefined);
    h.advance(1);
    assert.equal(await wrapper.validate(info.token), undefined);
    const root = await h.store.createRootToken();
    assert.equal(await wrapper.validate(root.clientToken), undefined);
    assert.equal(await wrapper.validate(''), undefined);
    await assert.rejects(validateWrappingTokenRequest(wrapper, {}, root.clientToken), invalid);
    await assert.rejects(validateWrappingTokenRequest(wrapper, { token: info.token }, undefined), invalid);
  });

  void it('validateWrappingTokenRequest: body token is third-party; both ways is a 400 that spends nothing', async () => {
    const { wrapper } = setup();
    const a = await wrapper.wrap({ ttl: 60, creationPath: 'p', response: 'r' });
    const firstParty = await validateWrappingTokenRequest(wrapper, {}, a.token);
    assert.equal(firstParty.thirdParty, false);
    const thirdParty = await validateWrappingTokenRequest(wrapper, { token: a.token }, 'someone-else');
    assert.equal(thirdParty.thirdParty, true);
    await assert.rejects(
      validateWrappingTokenRequest(wrapper, { token: a.token }, a.token),
      (err: unknown) => err instanceof CofferError && /not both/.test(err.message),
    );
    await assert.rejects(
      validateWrappingTokenRequest(wrapper, { token: 42 }, undefined),
      (err: unknown) => err instanceof CofferError && err.code === ErrorCode.BadRequest,
    );
    assert.ok((await wrapper.validate(a.token)) !== undefined, 'still unspent');
  });
});

void describe('wrapResponse (the pipeline step)', () => {
  void it('stores the exact envelope the HTTP layer would render and answers with wrap_info only', async () => {
    const { wrapper } = setup();
    const wrapped = await wrapResponse(() => wrapper, {
      requestId: 'req-1',
      path: 'secret/data/x',
      mountType: 'kv',
      ttl: 30,
      response: kvResponse,
    });
    assert.ok(wrapped?.wrapInfo !== undefined);
    assert.equal(wrapped.data, undefined);
    const entry = await wrapper.validate(wrapped.wrapInfo.token);
    assert.ok(entry !== undefined);
    const stored = await wrapper.response(entry);
    const direct = renderResponse('req-1', 'secret/data/x', { response: kvResponse, mountType: 'kv' });
    assert.equal(stored, direct.body);

    const reply = renderResponse('req-2', 'secret/data/x', { response: wrapped, mountType: 'kv' });
    const body = JSON.parse(String(reply.body)) as Record<string, unknown>;
    assert.deepEqual(body, {
      request_id: '',
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: null,
      wrap_info: {
        token: wrapped.wrapInfo.token,
        accessor: wrapped.wrapInfo.accessor,
        ttl: 30,
        creation_time: wrapped.wrapInfo.creationTime,
        creation_path: 'secret/data/x',
      },
      warnings: null,
      auth: null,
      mount_type: '',
    });
  });

  void it('leaves alone: no TTL, 204s, raw answers, non-2xx, unwrap/lookup answers', async () => {
    const { wrapper } = setup();
    const step = { requestId: 'r', path: 'secret/data/x', mountType: 'kv', ttl: 30 };
    assert.equal(
      await wrapResponse(() => wrapper, { ...step, ttl: undefined, response: kvResponse }),
      kvResponse,
    );
    assert.equal(await wrapResponse(() => wrapper, { ...step, ttl: 0, response: kvResponse }), kvResponse);
    assert.equal(await wrapResponse(() => wrapper, { ...step, response: undefined }), undefined);
    const raw: LogicalResponse = { raw: { status: 200, contentType: 'text/plain', body: 'x' } };
    assert.equal(await wrapResponse(() => wrapper, { ...step, response: raw }), raw);
    const notFound: LogicalResponse = { data: {}, status: 404 };
    assert.equal(await wrapResponse(() => wrapper, { ...step, response: notFound }), notFound);
    const warningsOnly: LogicalResponse = { warnings: ['w'] };
    assert.equal(await wrapResponse(() => wrapper, { ...step, response: warningsOnly }), warningsOnly);
    const unwrap = { ...step, path: 'sys/wrapping/unwrap', response: kvResponse };
    assert.equal(await wrapResponse(() => wrapper, unwrap), kvResponse);
  });

  void it('wrapped_accessor: the token of an auth response, an AppRole secret ID accessor', async () => {
    const { wrapper } = setup();
    const auth: LogicalResponse = {
      auth: {
        client_token: 'hvs.x',
        accessor: 'acc-123',
        policies: ['default'],
        token_policies: ['default'],
        metadata: null,
        lease_duration: 60,
        renewable: true,
        entity_id: '',
        token_type: 'service',
        orphan: true,
        mfa_requirement: null,
        num_uses: 0,
      },
    };
    const step = { requestId: 'r', path: 'auth/userpass/login/u', mountType: 'userpass', ttl: 30 };
    const a = await wrapResponse(() => wrapper, { ...step, response: auth });
    assert.equal(a?.wrapInfo?.wrappedAccessor, 'acc-123');
    const secretId: LogicalResponse = { data: { secret_id: 's', secret_id_accessor: 'sid-acc' } };
    const b = await wrapResponse(() => wrapper, { ...step, mountType: 'approle', response: secretId });
    assert.equal(b?.wrapInfo?.wrappedAccessor, 'sid-acc');
  });

  void it('audit: wrap_info token and accessors are HMAC’d; plaintext only with log_raw', async () => {
    const info: AuditRequestInfo = {
      id: 'r',
      operation: 'read',
      path: 'secret/data/x',
      data: {},
      mountPoint: 'secret/',
      mountType: 'kv',
      mountAccessor: 'kv_1',
      remoteAddress: '127.0.0.1',
      wrapTtl: 30,
    };
    const wrapInfo = {
      token: 'hvs.wrapping',
      accessor: 'wacc',
      ttl: 30,
      creationTime: '2024-01-01T00:00:00.000Z',
      creationPath: 'secret/data/x',
      wrappedAccessor: 'inner',
    };
    const salt = new Uint8Array(32).fill(7);
    const line = formatResponseEntry({ salt, logRaw: false, hmacAccessor: true }, info, { wrapInfo });
    const entry = JSON.parse(line) as { request: Record<string, unknown>; response: Record<string, unknown> };
    const w = entry.response['wrap_info'] as Record<string, unknown>;
    for (const k of ['token', 'accessor', 'wrapped_accessor']) assert.match(String(w[k]), /^hmac-sha256:/);
    assert.equal(w['ttl'], 30);
    assert.equal(w['creation_path'], 'secret/data/x');
    assert.equal(entry.request['wrap_ttl'], 30);
    for (const plain of ['hvs.wrapping', 'wacc', 'inner']) assert.ok(!line.includes(plain));
    const raw = formatResponseEntry({ salt, logRaw: true, hmacAccessor: true }, info, { wrapInfo });
    assert.ok(raw.includes('hvs.wrapping'));
  });
});
