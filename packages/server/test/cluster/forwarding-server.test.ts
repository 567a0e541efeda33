import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { clusterServerCredentials } from '../../src/cluster/cluster-credentials.js';
import { clusterServerOptions } from '../../src/cluster/cluster-grpc-options.js';
import type { ForwardedRequest } from '../../src/cluster/forwarded-request.js';
import type { ForwardedResponse } from '../../src/cluster/forwarded-response.js';
import { ForwardingClient } from '../../src/cluster/forwarding-client.js';
import { ForwardingServer, type ForwardingContext } from '../../src/cluster/forwarding-server.js';
import { CofferError } from '../../src/errors/coffer-error.js';
import { ErrorCode } from '../../src/errors/error-code.js';
import { createTestClusterTls, materialOf, type TestClusterTls } from './test-cluster-tls.js';

const MiB = 1024 * 1024;

function request(overrides: Partial<ForwardedRequest> = {}): ForwardedRequest {
  return {
    method: 'PUT',
    url: '/v1/secret/data/app?cas=0',
    headers: { 'content-type': ['application/json'], 'x-vault-token': ['hvs.test'] },
    body: new TextEncoder().encode('{"data":{"a":"b"}}'),
    clientAddress: '198.51.100.4',
    requestId: 'req-1',
    ...overrides,
  };
}

function hasCode(code: ErrorCode): (err: unknown) => boolean {
  return (err: unknown) => err instanceof CofferError && err.code === code;
}

/**
 * The active node under test: echoes the request back (body as body, the rest in headers) unless
 * the URL asks for something else. Records what it saw.
 */
function echoHandler(seen: { request: ForwardedRequest; context: ForwardingContext }[]) {
  return async (req: ForwardedRequest, context: ForwardingContext): Promise<ForwardedResponse> => {
    seen.push({ request: req, context });
    if (req.url === '/throw-typed') throw new CofferError(ErrorCode.Sealed, 'Vault is sealed');
    if (req.url === '/throw-untyped') throw new Error('secret-bearing internal detail');
    return {
      status: 201,
      headers: {
        ...req.headers,
        'set-cookie': ['a=1', 'b=2'],
        'x-seen-method': [req.method],
        'x-seen-url': [req.url],
        'x-seen-client': [req.clientAddress],
        'x-seen-request-id': [req.requestId],
        'x-seen-peer': [context.peerNodeId],
      },
      body: req.body,
    };
  };
}

void describe('ForwardingServer + ForwardingClient over mutual TLS', () => {
  let cluster: TestClusterTls;
  let server: ForwardingServer | undefined;
  const clients: ForwardingClient[] = [];
  const seen: { request: ForwardedRequest; context: ForwardingContext }[] = [];
  const handlerErrors: unknown[] = [];
  let client: ForwardingClient;

  function newClient(tls = materialOf(cluster, 'standby')): ForwardingClient {
    const c = new ForwardingClient(server!.address!, tls);
    clients.push(c);
    return c;
  }

  before(async () => {
    cluster = await createTestClusterTls(['active', 'standby']);
    server = await ForwardingServer.listen({
      listen: '127.0.0.1:0',
      tls: materialOf(cluster, 'active'),
      nodeId: 'active',
      handler: echoHandler(seen),
      onError: (err) => handlerErrors.push(err),
    });
    client = newClient();
  });

  after(async () => {
    for (const c of clients) c.close();
    await server?.close(100);
  });

  void it('round-trips method, url, headers (with multiplicity), body, client address and request id', async () => {
    const req = request({ headers: { 'x-multi': ['1', '2', '1'], 'x-vault-token': ['hvs.test'] } });
    const res = await client.forward(req, { deadlineMs: 5_000 });
    assert.equal(res.status, 201);
    assert.deepEqual(res.headers, {
      'x-multi': ['1', '2', '1'],
      'x-vault-token': ['hvs.test'],
      'set-cookie': ['a=1', 'b=2'],
      'x-seen-method': ['PUT'],
      'x-seen-url': ['/v1/secret/data/app?cas=0'],
      'x-seen-client': ['198.51.100.4'],
      'x-seen-request-id': ['req-1'],
      'x-seen-peer': ['standby'],
    });
    assert.deepEqual(res.body, req.body);
    assert.deepEqual(seen.at(-1)?.request, req);
  });

  void it('tells the handler which node forwarded, from its client certificate', async () => {
    await client.forward(request({ requestId: 'peer-check' }));
    assert.equal(seen.at(-1)?.context.peerNodeId, 'standby');
    assert.equal(seen.at(-1)?.context.signal.aborted, false);
  });

  void it('carries every byte value and an empty body', async () => {
    const body = new Uint8Array(256 * 4);
    for (let i = 0; i < body.length; i++) body[i] = i % 256;
    assert.deepEqual((await client.forward(request({ body }))).body, body);
    assert.deepEqual(
      (await client.forward(request({ method: 'GET', body: new Uint8Array(0) }))).body,
      new Uint8Array(0),
    );
  });

  void it('carries a 1 MiB binary body both ways', async () => {
    const body = new Uint8Array(randomBytes(MiB));
    const res = await client.forward(request({ body }));
    assert.equal(Buffer.compare(res.body, body), 0);
  });

  void it('carries a 32 MiB binary body both ways', async () => {
    const body = new Uint8Array(randomBytes(32 * MiB));
    const res = await client.forward(request({ body }), { deadlineMs: 30_000 });
    assert.equal(res.body.length, body.length);
    assert.equal(Buffer.compare(res.body, body), 0);
  });

  void it('refuses a body over the limit before sending anything (413)', async () => {
    const count = seen.length;
    await assert.rejects(
      client.forward(request({ body: new Uint8Array(32 * MiB + 1) })),
      hasCode(ErrorCode.PayloadTooLarge),
    );
    assert.equal(seen.length, count);
  });

  void it('answers 200 concurrent forwards, each with its own response', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        client.forward(request({ requestId: `c-${i}`, body: new TextEncoder().encode(`body-${i}`) }), {
          deadlineMs: 20_000,
        }),
      ),
    );
    results.forEach((res, i) => {
      assert.deepEqual(res.headers['x-seen-request-id'], [`c-${i}`]);
      assert.equal(new TextDecoder().decode(res.body), `body-${i}`);
    });
  });

  void it('answers echo with the active node id by default', async () => {
    const reply = await client.echo({ nodeId: 'standby', clusterAddress: '127.0.0.1:1', appliedIndex: 7 });
    assert.deepEqual(reply, { nodeId: 'active', clusterAddress: server!.address, appliedIndex: 0 });
  });

  void it('rethrows a typed error of the handler with its code and message', async () => {
    await assert.rejects(client.forward(request({ url: '/throw-typed' })), (err: unknown) => {
      assert.ok(err instanceof CofferError);
      assert.equal(err.code, ErrorCode.Sealed);
      assert.equal(err.message, 'Vault is sealed');
      return true;
    });
  });

  void it('turns an untyped handler exception into an unknown outcome without leaking its message', async () => {
    await assert.rejects(client.forward(request({ url: '/throw-untyped' })), (err: unknown) => {
      assert.ok(err instanceof CofferError);
      assert.equal(err.code, ErrorCode.Indeterminate);
      assert.ok(!err.message.includes('secret-bearing'));
      return true;
    });
    assert.equal((handlerErrors.at(-1) as Error).message, 'secret-bearing internal detail');
  });

  void it('refuses a standby whose certificate comes from a foreign CA (same CA name and node id)', async () => {
    const count = seen.length;
    const intruder = newClient(cluster.intruder);
    await assert.rejects(intruder.forward(request(), { deadlineMs: 5_000 }), hasCode(ErrorCode.NoActiveNode));
    assert.equal(seen.length, count);
  });

  void it('refuses a client without a certificate', async () => {
    const count = seen.length;
    const bare = new grpc.Client(
      server!.address!,
      grpc.credentials.createSsl(Buffer.from(cluster.ca.certPem)),
    );
    try {
      const status = await new Promise<grpc.ServiceError | null>((resolve) => {
        bare.makeUnaryRequest(
          '/coffer.cluster.v1.RequestForwarding/Echo',
          (b: Buffer) => b,
          (b: Buffer) => b,
          Buffer.alloc(0),
          new grpc.Metadata(),
          { deadline: Date.now() + 5_000 },
          (err) => resolve(err),
        );
      });
      assert.equal(status?.code, grpc.status.UNAVAILABLE);
    } finally {
      bare.close();
    }
    assert.equal(seen.length, count);
  });

  void it('is refused by a standby that does not trust the cluster CA', async () => {
    const count = seen.length;
    await assert.rejects(
      newClient(cluster.distrustful).forward(request(), { deadlineMs: 5_000 }),
      hasCode(ErrorCode.NoActiveNode),
    );
    assert.equal(seen.length, count);
  });
});

void describe('ForwardingServer.attach (a grpc.Server shared with other services)', () => {
  let cluster: TestClusterTls;
  let grpcServer: grpc.Server | undefined;
  let forwarding: ForwardingServer;
  let client: ForwardingClient | undefined;
  let address: string;

  before(async () => {
    cluster = await createTestClusterTls(['active', 'standby']);
    grpcServer = new grpc.Server(clusterServerOptions);
    // Another service on the same port, as raft's transport will be.
    grpcServer.addService(
      {
        ping: {
          path: '/test.Other/Ping',
          requestStream: false,
          responseStream: false,
          requestSerialize: (b: Buffer) => b,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (b: Buffer) => b,
          responseDeserialize: (b: Buffer) => b,
        },
      },
      {
        ping: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) =>
          cb(null, Buffer.from('pong')),
      },
    );
    forwarding = ForwardingServer.attach(grpcServer, {
      nodeId: 'active',
      handler: async (req) => ({ status: 200, headers: {}, body: req.body }),
      echo: (req) => ({ nodeId: 'active', clusterAddress: 'custom', appliedIndex: req.appliedIndex + 1 }),
    });
    const server = grpcServer;
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', clusterServerCredentials(materialOf(cluster, 'active')), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    address = `127.0.0.1:${port}`;
    client = new ForwardingClient(address, materialOf(cluster, 'standby'));
  });

  after(() => {
    client?.close();
    grpcServer?.forceShutdown();
  });

  void it('serves forward and a custom echo next to the other service', async () => {
    const body = new TextEncoder().encode('shared');
    assert.deepEqual((await client!.forward(request({ body }))).body, body);
    assert.deepEqual(await client!.echo({ nodeId: 'standby', clusterAddress: '', appliedIndex: 41 }), {
      nodeId: 'active',
      clusterAddress: 'custom',
      appliedIndex: 42,
    });
  });

  void it('after close, forwards fail as not sent (503) while the other service keeps running', async () => {
    await forwarding.close();
    await assert.rejects(client!.forward(request()), hasCode(ErrorCode.NoActiveNode));
    const raw = new grpc.Client(
      address,
      grpc.credentials.createSsl(
        Buffer.from(cluster.ca.certPem),
        Buffer.from(materialOf(cluster, 'standby').keyPem),
        Buffer.from(materialOf(cluster, 'standby').certPem),
      ),
    );
    try {
      const pong = await new Promise<Buffer | undefined>((resolve, reject) =>
        raw.makeUnaryRequest(
          '/test.Other/Ping',
          (b: Buffer) => b,
          (b: Buffer) => b,
          Buffer.alloc(0),
          (err, res) => (err ? reject(err) : resolve(res)),
        ),
      );
      assert.equal(pong?.toString(), 'pong');
    } finally {
      raw.close();
    }
  });
});
