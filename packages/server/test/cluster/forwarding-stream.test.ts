import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  clusterChannelCredentials,
  clusterServerCredentials,
} from '../../src/cluster/cluster-credentials.js';
import { clusterServerOptions } from '../../src/cluster/cluster-grpc-options.js';
import type { ForwardedCall, ForwardedResult } from '../../src/cluster/forwarded-call.js';
import type { ForwardedRequest } from '../../src/cluster/forwarded-request.js';
import type { ForwardedResponse } from '../../src/cluster/forwarded-response.js';
import { ForwardingClient } from '../../src/cluster/forwarding-client.js';
import { ForwardingServer, type ForwardHandler } from '../../src/cluster/forwarding-server.js';
import { FORWARD_STREAM_PATH, forwardingService } from '../../src/cluster/forwarding-service.js';
import { CofferError } from '../../src/errors/coffer-error.js';
import { ErrorCode } from '../../src/errors/error-code.js';
import { createTestClusterTls, materialOf, type TestClusterTls } from './test-cluster-tls.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const bodyText = (b: Uint8Array): string => new TextDecoder().decode(b);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function request(requestId: string, url = '/v1/secret/data/x'): ForwardedRequest {
  return {
    method: 'POST',
    url,
    headers: { 'content-type': ['application/json'] },
    body: text(requestId),
    clientAddress: '192.0.2.1',
    requestId,
  };
}

const ok = (req: ForwardedRequest): ForwardedResponse => ({ status: 200, headers: {}, body: req.body });

/** The settled outcome of a forward: the response body, or the error code. */
async function outcome(p: Promise<ForwardedResponse>): Promise<string> {
  try {
    return `200:${bodyText((await p).body)}`;
  } catch (err) {
    assert.ok(err instanceof CofferError, `expected a CofferError, got ${String(err)}`);
    return err.code;
  }
}

/** A one-shot signal. */
function signalled<T = void>(): { promise: Promise<T>; fire: (v: T) => void } {
  let fire!: (v: T) => void;
  const promise = new Promise<T>((resolve) => (fire = resolve));
  return { promise, fire };
}

async function unusedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Polls `check` until it holds (bounded). */
async function eventually(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

type RawStream = grpc.ServerDuplexStream<ForwardedCall[], readonly ForwardedResult[]>;

void describe('forwarding stream', () => {
  let cluster: TestClusterTls;
  const servers: ForwardingServer[] = [];
  const rawServers: grpc.Server[] = [];
  const clients: ForwardingClient[] = [];
  const rawClients: grpc.Client[] = [];

  async function startServer(
    handler: ForwardHandler,
    listen = '127.0.0.1:0',
    onError?: (err: unknown) => void,
  ): Promise<ForwardingServer> {
    const s = await ForwardingServer.listen({
      listen,
      tls: materialOf(cluster, 'active'),
      nodeId: 'active',
      handler,
      ...(onError === undefined ? {} : { onError }),
    });
    servers.push(s);
    return s;
  }

  /** A cluster-port server with hand-written forwarding methods (to see the wire, or to misbehave). */
  async function startRawServer(
    methods: {
      forwardStream?: (call: RawStream) => void;
      forward?: grpc.handleUnaryCall<ForwardedRequest, ForwardedResponse>;
    },
    listen = '127.0.0.1:0',
  ): Promise<string> {
    const server = new grpc.Server(clusterServerOptions);
    rawServers.push(server);
    const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
    const implementation: grpc.UntypedServiceImplementation = {};
    if (methods.forwardStream !== undefined) {
      definition['forwardStream'] = forwardingService.forwardStream as grpc.MethodDefinition<
        unknown,
        unknown
      >;
      implementation['forwardStream'] = methods.forwardStream;
    }
    if (methods.forward !== undefined) {
      definition['forward'] = forwardingService.forward as grpc.MethodDefinition<unknown, unknown>;
      implementation['forward'] = methods.forward;
    }
    server.addService(definition, implementation);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(listen, clusterServerCredentials(materialOf(cluster, 'active')), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    return `127.0.0.1:${port}`;
  }

  function newClient(
    address: string,
    options: ConstructorParameters<typeof ForwardingClient>[2] = {},
  ): ForwardingClient {
    const c = new ForwardingClient(address, materialOf(cluster, 'standby'), options);
    clients.push(c);
    return c;
  }

  /** A standby-side stream written by hand, to send exactly the messages a test wants. */
  function rawStream(address: string): {
    call: grpc.ClientDuplexStream<readonly ForwardedCall[], ForwardedResult[]>;
    messages: ForwardedResult[][];
    status: Promise<grpc.StatusObject>;
  } {
    const client = new grpc.Client(address, clusterChannelCredentials(materialOf(cluster, 'standby')));
    rawClients.push(client);
    const m = forwardingService.forwardStream;
    const call = client.makeBidiStreamRequest(
      FORWARD_STREAM_PATH,
      m.requestSerialize,
      m.responseDeserialize,
      new grpc.Metadata(),
      {},
    );
    const messages: ForwardedResult[][] = [];
    call.on('data', (results: ForwardedResult[]) => messages.push(results));
    call.on('error', () => undefined);
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    return { call, messages, status };
  }

  before(async () => {
    cluster = await createTestClusterTls(['active', 'standby']);
  });

  after(() => {
    for (const c of clients) c.close();
    for (const c of rawClients) c.close();
    for (const s of servers) s.forceClose();
    for (const s of rawServers) s.forceShutdown();
  });

  void it('sends the requests of one event-loop turn as one stream message, on one stream', async () => {
    const messages: ForwardedCall[][] = [];
    let streams = 0;
    const address = await startRawServer({
      forwardStream: (call) => {
        streams++;
        call.sendMetadata(new grpc.Metadata());
        call.on('data', (calls: ForwardedCall[]) => {
          messages.push(calls);
          call.write(calls.map((c) => ({ id: c.id, response: ok(c.request) })));
        });
      },
    });
    const client = newClient(address);
    assert.equal(await outcome(client.forward(request('warm-up'))), '200:warm-up');
    messages.length = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => outcome(client.forward(request(`b-${i}`), { deadlineMs: 5_000 }))),
    );
    assert.deepEqual(
      results,
      Array.from({ length: 20 }, (_, i) => `200:b-${i}`),
    );
    assert.equal(messages.length, 1, `20 requests of one turn travelled in ${messages.length} messages`);
    assert.equal(messages[0]?.length, 20);
    assert.equal(new Set(messages[0]?.map((c) => c.id)).size, 20, 'ids are distinct');
    for (const c of messages[0] ?? [])
      assert.ok(c.timeoutMs > 4_000 && c.timeoutMs <= 5_000, `${c.timeoutMs}`);
    assert.equal(streams, 1, 'every request used the one stream');
  });

  void it('answers the requests finished in one turn in one stream message, in any order', async () => {
    const release = signalled();
    const server = await startServer(async (req) => {
      await release.promise;
      return ok(req);
    });
    const raw = rawStream(server.address!);
    raw.call.write([3, 1, 2].map((id) => ({ id, request: request(`r-${id}`), timeoutMs: 10_000 })));
    await eventually('the three requests to run', () => server.inFlight === 3);
    release.fire();
    await eventually('the answers', () => raw.messages.flat().length === 3);
    assert.equal(raw.messages.length, 1);
    assert.deepEqual(
      raw.messages[0]?.map((r) => [r.id, 'response' in r ? bodyText(r.response.body) : '']).sort(),
      [
        [1, 'r-1'],
        [2, 'r-2'],
        [3, 'r-3'],
      ],
    );
    raw.call.end();
    assert.equal((await raw.status).code, grpc.status.OK);
  });

  void it('one failing request does not fail its batch mates', async () => {
    const errors: unknown[] = [];
    const server = await startServer(
      async (req) => {
        if (req.url === '/typed') throw new CofferError(ErrorCode.PermissionDenied, 'permission denied');
        if (req.url === '/untyped') throw new Error('boom');
        await sleep(20);
        return ok(req);
      },
      '127.0.0.1:0',
      (err) => errors.push(err),
    );
    const client = newClient(server.address!);
    const results = await Promise.all([
      outcome(client.forward(request('a'))),
      outcome(client.forward(request('typed', '/typed'))),
      outcome(client.forward(request('b'))),
      outcome(client.forward(request('untyped', '/untyped'))),
      outcome(client.forward(request('c'))),
    ]);
    assert.deepEqual(results, [
      '200:a',
      ErrorCode.PermissionDenied,
      '200:b',
      ErrorCode.Indeterminate,
      '200:c',
    ]);
    assert.equal(errors.length, 1);
    assert.equal(server.streams, 1);
    assert.equal(await outcome(client.forward(request('after'))), '200:after', 'the stream lives on');
  });

  void it('a request whose deadline passes fails alone (Indeterminate, handler aborted); the stream lives on', async () => {
    const aborted = signalled();
    const server = await startServer(async (req, ctx) => {
      if (req.url === '/slow') {
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
        aborted.fire();
        throw new Error('aborted');
      }
      await sleep(400);
      return ok(req);
    });
    const client = newClient(server.address!);
    assert.equal(await outcome(client.forward(request('warm-up'))), '200:warm-up');
    const started = Date.now();
    const slow = outcome(client.forward(request('slow', '/slow'), { deadlineMs: 150 }));
    const patient = outcome(client.forward(request('patient'), { deadlineMs: 10_000 }));
    assert.equal(await slow, ErrorCode.Indeterminate);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 100 && elapsed < 3_000, `took ${elapsed} ms`);
    await aborted.promise;
    assert.equal(await patient, '200:patient');
    assert.equal(server.streams, 1);
    assert.equal(await outcome(client.forward(request('later'))), '200:later');
  });

  void it('stream broken mid-flight: answered requests keep their answers, sent ones become Indeterminate, the next request gets a new stream', async () => {
    let streams = 0;
    let first: RawStream | undefined;
    const received = signalled();
    const address = await startRawServer({
      forwardStream: (call) => {
        streams++;
        call.sendMetadata(new grpc.Metadata());
        if (streams === 1) first = call;
        call.on('data', (calls: ForwardedCall[]) => {
          // Stream 1 answers only "quick"; the others wait until the stream breaks.
          const quick = calls.filter((c) => streams > 1 || c.request.requestId === 'quick');
          if (quick.length > 0) call.write(quick.map((c) => ({ id: c.id, response: ok(c.request) })));
          if (streams === 1 && calls.length === 3) received.fire();
        });
      },
    });
    const client = newClient(address);
    const pending = [
      outcome(client.forward(request('quick'))),
      outcome(client.forward(request('stuck-1'))),
      outcome(client.forward(request('stuck-2'))),
    ];
    await received.promise;
    assert.equal(await pending[0], '200:quick');
    first!.emit('error', { code: grpc.status.INTERNAL, details: 'stream reset' });
    assert.deepEqual(await Promise.all(pending.slice(1)), [ErrorCode.Indeterminate, ErrorCode.Indeterminate]);
    assert.equal(await outcome(client.forward(request('next'))), '200:next');
    assert.equal(streams, 2);
  });

  void it('sends nothing before the active node accepts the stream: no acceptance → NoActiveNode', async () => {
    let received = 0;
    const address = await startRawServer({
      // Never sends headers: the stream is never accepted.
      forwardStream: (call) => call.on('data', () => received++),
    });
    const client = newClient(address, { connectTimeoutMs: 300 });
    const started = Date.now();
    assert.equal(
      await outcome(client.forward(request('unaccepted'), { deadlineMs: 5_000 })),
      ErrorCode.NoActiveNode,
    );
    assert.ok(Date.now() - started < 3_000);
    await sleep(50);
    assert.equal(received, 0);
  });

  void it('a closing active node finishes what runs, refuses what comes after, and ends the stream (NoActiveNode)', async () => {
    const release = signalled();
    const running = signalled();
    const server = await startServer(async (req) => {
      if (req.requestId === 'running') {
        running.fire();
        await release.promise;
      }
      return ok(req);
    });
    const client = newClient(server.address!);
    const first = outcome(client.forward(request('running')));
    await running.promise;
    const closed = server.close(10_000);
    // Reaches the still-open stream of the closing server: refused, not run.
    const late = outcome(client.forward(request('late')));
    assert.equal(await late, ErrorCode.NoActiveNode);
    release.fire();
    assert.equal(await first, '200:running');
    await closed;
    assert.equal(server.streams, 0);
    assert.equal(
      await outcome(client.forward(request('after-close'), { deadlineMs: 2_000 })),
      ErrorCode.NoActiveNode,
    );
  });

  void it('re-establishes the stream after the active node is cut off and comes back on the same address', async () => {
    const port = await unusedPort();
    const echo: ForwardHandler = async (req) => ok(req);
    const first = await startServer(echo, `127.0.0.1:${port}`);
    const client = newClient(`127.0.0.1:${port}`);
    assert.equal(await outcome(client.forward(request('before'))), '200:before');
    first.forceClose();
    // A request racing the cut may still be written to the dying stream (outcome unknown); once the
    // standby saw the stream end, requests fail as not sent until the active node is back.
    for (let i = 0; ; i++) {
      const result = await outcome(client.forward(request('while-down'), { deadlineMs: 2_000 }));
      if (result === ErrorCode.NoActiveNode) break;
      assert.equal(result, ErrorCode.Indeterminate);
      assert.ok(i < 3, 'the standby did not notice the stream ended');
    }
    const second = await startServer(echo, `127.0.0.1:${port}`);
    const giveUp = Date.now() + 10_000;
    for (;;) {
      const result = await outcome(client.forward(request('after'), { deadlineMs: 2_000 }));
      if (result === '200:after') break;
      assert.equal(result, ErrorCode.NoActiveNode);
      assert.ok(Date.now() < giveUp, 'did not reconnect');
      await sleep(100);
    }
    assert.equal(second.streams, 1);
  });

  void it('a closed client lets sent requests finish, then fails new ones as not sent', async () => {
    const release = signalled();
    const running = signalled();
    const server = await startServer(async (req) => {
      running.fire();
      await release.promise;
      return ok(req);
    });
    const client = newClient(server.address!);
    const inFlight = outcome(client.forward(request('in-flight')));
    await running.promise;
    client.close();
    assert.equal(await outcome(client.forward(request('after-close'))), ErrorCode.NoActiveNode);
    release.fire();
    assert.equal(await inFlight, '200:in-flight');
    await eventually('the stream to end', () => server.streams === 0);
  });

  void it('falls back to one call per request when the active node does not know the stream', async () => {
    const seen: string[] = [];
    const address = await startRawServer({
      forward: (call, callback) => {
        seen.push(call.request.requestId);
        callback(null, ok(call.request));
      },
    });
    const client = newClient(address);
    const results = await Promise.all([
      outcome(client.forward(request('u-1'))),
      outcome(client.forward(request('u-2'))),
    ]);
    assert.deepEqual(results, ['200:u-1', '200:u-2']);
    assert.equal(await outcome(client.forward(request('u-3'))), '200:u-3');
    assert.deepEqual(seen.sort(), ['u-1', 'u-2', 'u-3']);
  });

  void it('refuses a stream with a reused unanswered id by breaking it', async () => {
    const server = await startServer(() => new Promise(() => {}));
    const raw = rawStream(server.address!);
    raw.call.write([{ id: 7, request: request('one'), timeoutMs: 10_000 }]);
    await eventually('the request to run', () => server.inFlight === 1);
    raw.call.write([{ id: 7, request: request('two'), timeoutMs: 10_000 }]);
    assert.equal((await raw.status).code, grpc.status.UNAVAILABLE);
    await eventually('the session to go', () => server.inFlight === 0 && server.streams === 0);
  });
});
