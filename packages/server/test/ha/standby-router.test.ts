import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ForwardedRequest } from '../../src/cluster/forwarded-request.js';
import type { ForwardedResponse } from '../../src/cluster/forwarded-response.js';
import { CofferError } from '../../src/errors/coffer-error.js';
import { ErrorCode } from '../../src/errors/error-code.js';
import { apiRequestOf, forwardedResponseOf } from '../../src/ha/forwarded-http.js';
import { StandbyRouter, type ActiveNode, type StandbyNode } from '../../src/ha/standby-router.js';
import type { ApiRequest } from '../../src/http/api-request.js';

class FakeNode implements StandbyNode {
  isStandby = true;
  active: ActiveNode | undefined = {
    nodeId: 'n1',
    apiAddr: 'https://n1:8200',
    clusterAddr: 'n1:8201',
    self: false,
  };
  forwarded: ForwardedRequest[] = [];
  /** The active node each forward was addressed to (undefined: left to the node to resolve). */
  targets: (ActiveNode | undefined)[] = [];
  lookups = 0;
  sealed = 0;
  answer: (r: ForwardedRequest) => ForwardedResponse = () => ({
    status: 200,
    headers: { 'content-type': ['application/json'], 'x-extra': ['a', 'b'] },
    body: Buffer.from('{"ok":true}'),
  });
  async activeNode(): Promise<ActiveNode | undefined> {
    this.lookups++;
    return this.active;
  }
  async forward(request: ForwardedRequest, active?: ActiveNode): Promise<ForwardedResponse> {
    this.forwarded.push(request);
    this.targets.push(active);
    return this.answer(request);
  }
  async sealLocally(): Promise<void> {
    this.sealed++;
  }
}

function req(method: string, url: string, headers: Record<string, string> = {}, body?: string): ApiRequest {
  return {
    requestId: 'r1',
    method,
    url,
    headers: { host: 'n2:8200', ...headers },
    body: body === undefined ? undefined : Buffer.from(body),
    clientAddress: '10.0.0.9',
  };
}

void describe('StandbyRouter', () => {
  void it('serves everything locally when the node is not a standby', async () => {
    const node = new FakeNode();
    node.isStandby = false;
    assert.equal(await new StandbyRouter(node).route(req('GET', '/v1/secret/a'), 'secret/a'), undefined);
    assert.equal(node.forwarded.length, 0);
  });

  void it('answers the local-only paths itself', async () => {
    const node = new FakeNode();
    const router = new StandbyRouter(node);
    for (const p of [
      'sys/health',
      'sys/seal-status',
      'sys/leader',
      'sys/init',
      'sys/unseal',
      'sys/storage/raft/join',
      'sys/metrics',
    ]) {
      assert.equal(await router.route(req('GET', `/v1/${p}`), p), undefined, p);
    }
    assert.equal(node.forwarded.length, 0);
  });

  void it('forwards token, method, headers, body and client address, and relays the answer verbatim', async () => {
    const node = new FakeNode();
    const reply = await new StandbyRouter(node).route(
      req(
        'POST',
        '/v1/secret/data/a?x=1',
        {
          'x-vault-token': 'hvs.t',
          'content-type': 'application/json',
          'content-length': '9',
          'content-encoding': 'gzip',
        },
        '{"a":"b"}',
      ),
      'secret/data/a',
    );
    const sent = node.forwarded[0];
    assert.ok(sent !== undefined);
    // One lookup of the active node per request: the forward goes to the node it found.
    assert.equal(node.lookups, 1);
    assert.deepEqual(node.targets, [node.active]);
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, '/v1/secret/data/a?x=1');
    assert.deepEqual(sent.headers['x-vault-token'], ['hvs.t']);
    assert.equal(
      sent.headers['content-length'],
      undefined,
      'framing headers are not forwarded (the body is whole and decoded)',
    );
    assert.equal(sent.headers['content-encoding'], undefined);
    assert.equal(Buffer.from(sent.body).toString(), '{"a":"b"}');
    assert.equal(sent.clientAddress, '10.0.0.9');
    assert.equal(reply?.status, 200);
    assert.equal(reply?.contentType, 'application/json');
    assert.equal(reply?.headers?.['x-extra'], 'a, b');
    assert.equal(Buffer.from(reply?.body as Uint8Array).toString(), '{"ok":true}');
    // The active node rebuilds the same request.
    const rebuilt = apiRequestOf(sent);
    assert.equal(rebuilt.headers['x-vault-token'], 'hvs.t');
    assert.equal(rebuilt.clientAddress, '10.0.0.9');
    assert.equal(Buffer.from(rebuilt.body as Uint8Array).toString(), '{"a":"b"}');
  });

  void it('keeps the LIST verb across forwarding', async () => {
    const node = new FakeNode();
    await new StandbyRouter(node).route(req('LIST', '/v1/secret/metadata/'), 'secret/metadata/');
    assert.equal(node.forwarded[0]?.method, 'LIST');
  });

  void it('redirects (307) to the active api_addr on X-Vault-No-Request-Forwarding and for snapshots', async () => {
    const node = new FakeNode();
    const router = new StandbyRouter(node);
    const r1 = await router.route(
      req('GET', '/v1/secret/data/a?version=2', { 'x-vault-no-request-forwarding': 'true' }),
      'secret/data/a',
    );
    assert.deepEqual(r1, {
      status: 307,
      headers: { Location: 'https://n1:8200/v1/secret/data/a?version=2' },
    });
    const r2 = await router.route(req('GET', '/v1/sys/storage/raft/snapshot'), 'sys/storage/raft/snapshot');
    assert.equal(r2?.status, 307);
    assert.equal(node.forwarded.length, 0);
  });

  void it('answers 503 when there is no active node, and serves here when this node became active', async () => {
    const node = new FakeNode();
    node.active = undefined;
    await assert.rejects(
      new StandbyRouter(node).route(req('GET', '/v1/secret/a'), 'secret/a'),
      (e: unknown) => e instanceof CofferError && e.code === ErrorCode.NoActiveNode,
    );
    node.active = { nodeId: 'n2', apiAddr: '', clusterAddr: '', self: true };
    assert.equal(await new StandbyRouter(node).route(req('GET', '/v1/secret/a'), 'secret/a'), undefined);
    node.active = { nodeId: 'n1', apiAddr: '', clusterAddr: 'n1:8201', self: false };
    await assert.rejects(
      new StandbyRouter(node).route(
        req('GET', '/v1/secret/a', { 'x-vault-no-request-forwarding': '1' }),
        'secret/a',
      ),
      (e: unknown) => e instanceof CofferError && e.code === ErrorCode.NoActiveNode,
    );
  });

  void it('seals a standby only after the active node confirms the token may', async () => {
    const node = new FakeNode();
    const router = new StandbyRouter(node);
    node.answer = () =>
      forwardedResponseOf({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ capabilities: ['read'] }),
      });
    await assert.rejects(
      router.route(req('PUT', '/v1/sys/seal', { 'x-vault-token': 'limited' }), 'sys/seal'),
      (e: unknown) => e instanceof CofferError && e.code === ErrorCode.PermissionDenied,
    );
    assert.equal(node.sealed, 0);
    assert.equal(node.forwarded[0]?.url, '/v1/sys/capabilities-self');
    assert.deepEqual(node.forwarded[0]?.headers['x-vault-token'], ['limited']);
    node.answer = () =>
      forwardedResponseOf({
        status: 403,
        contentType: 'application/json',
        body: '{"errors":["permission denied"]}',
      });
    assert.equal(
      (await router.route(req('PUT', '/v1/sys/seal', { 'x-vault-token': 'bad' }), 'sys/seal'))?.status,
      403,
    );
    node.answer = () =>
      forwardedResponseOf({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ capabilities: ['root'] }),
      });
    assert.deepEqual(
      await router.route(req('PUT', '/v1/sys/seal', { 'x-vault-token': 'root' }), 'sys/seal'),
      { status: 204 },
    );
    assert.equal(node.sealed, 1);
  });
});
