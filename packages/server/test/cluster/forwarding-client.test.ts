import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { clusterTlsMaterialToJson } from '../../src/cluster/cluster-tls-material.js';
import type { ForwardedRequest } from '../../src/cluster/forwarded-request.js';
import { ForwardingClient } from '../../src/cluster/forwarding-client.js';
import { ForwardingServer, type ForwardHandler } from '../../src/cluster/forwarding-server.js';
import { CofferError } from '../../src/errors/coffer-error.js';
import { ErrorCode } from '../../src/errors/error-code.js';
import { httpStatusOf } from '../../src/errors/http-status.js';
import { createTestClusterTls, materialOf, type TestClusterTls } from './test-cluster-tls.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const serverProcessScript = fileURLToPath(new URL('./forwarding-server-process.ts', import.meta.url));

function request(requestId: string): ForwardedRequest {
  return {
    method: 'POST',
    url: '/v1/secret/data/x',
    headers: { 'content-type': ['application/json'] },
    body: new TextEncoder().encode('{"data":{}}'),
    clientAddress: '192.0.2.1',
    requestId,
  };
}

/** Asserts the error is a CofferError with this code, and returns it. */
async function rejection(promise: Promise<unknown>, code: ErrorCode): Promise<CofferError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof CofferError, `expected a CofferError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail('expected a rejection');
}

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
async function unusedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A one-shot signal: `promise` resolves once `fire` is called (e.g. when the handler has the call). */
function signalled(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

void describe('ForwardingClient failure modes', () => {
  let cluster: TestClusterTls;
  const servers: ForwardingServer[] = [];
  const clients: ForwardingClient[] = [];
  const sockets = new Set<net.Socket>();
  const tcpServers: net.Server[] = [];
  let child: ChildProcess | undefined;

  async function startServer(handler: ForwardHandler, listen = '127.0.0.1:0'): Promise<ForwardingServer> {
    const s = await ForwardingServer.listen({
      listen,
      tls: materialOf(cluster, 'active'),
      nodeId: 'active',
      handler,
    });
    servers.push(s);
    return s;
  }

  function newClient(
    address: string,
    options: ConstructorParameters<typeof ForwardingClient>[2] = {},
  ): ForwardingClient {
    const c = new ForwardingClient(address, materialOf(cluster, 'standby'), options);
    clients.push(c);
    return c;
  }

  before(async () => {
    cluster = await createTestClusterTls(['active', 'standby']);
  });

  after(async () => {
    for (const c of clients) c.close();
    for (const s of servers) s.forceClose();
    for (const socket of sockets) socket.destroy();
    await Promise.all(tcpServers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  void it('server down: fails fast with NoActiveNode (503, "no active Vault instance found")', async () => {
    const client = newClient(`127.0.0.1:${await unusedPort()}`);
    const started = Date.now();
    const err = await rejection(
      client.forward(request('down'), { deadlineMs: 10_000 }),
      ErrorCode.NoActiveNode,
    );
    assert.equal(err.message, 'no active Vault instance found');
    assert.equal(httpStatusOf[err.code], 503);
    assert.ok(Date.now() - started < 3_000, 'did not wait for the deadline');
  });

  void it('connection never completes (TCP accepted, no TLS): NoActiveNode at the deadline, nothing sent', async () => {
    const blackHole = net.createServer((socket) => sockets.add(socket));
    tcpServers.push(blackHole);
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const client = newClient(`127.0.0.1:${(blackHole.address() as net.AddressInfo).port}`);
    const started = Date.now();
    await rejection(client.forward(request('black-hole'), { deadlineMs: 300 }), ErrorCode.NoActiveNode);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 3_000, `took ${elapsed} ms`);
  });

  void it('deadline passes while the active node works: Indeterminate (5xx, never 4xx), handler aborted', async () => {
    const aborted = signalled();
    const server = await startServer(
      (_req, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborted.fire();
            reject(new Error('aborted'));
          });
        }),
    );
    const client = newClient(server.address!);
    await client.echo({ nodeId: 'standby', clusterAddress: '', appliedIndex: 0 }); // connected
    const started = Date.now();
    const err = await rejection(
      client.forward(request('slow'), { deadlineMs: 200 }),
      ErrorCode.Indeterminate,
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 150 && elapsed < 3_000, `took ${elapsed} ms`);
    assert.ok(httpStatusOf[err.code] >= 500);
    await aborted.promise;
  });

  void it('a deadline that leaves time answers normally', async () => {
    const server = await startServer(async (req) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { status: 200, headers: {}, body: req.body };
    });
    const res = await newClient(server.address!).forward(request('in-time'), { deadlineMs: 5_000 });
    assert.equal(res.status, 200);
  });

  void it('active node shut down hard mid-request: Indeterminate', async () => {
    const received = signalled();
    const server = await startServer(() => {
      received.fire();
      return new Promise(() => {});
    });
    const client = newClient(server.address!);
    const pending = rejection(
      client.forward(request('cut'), { deadlineMs: 10_000 }),
      ErrorCode.Indeterminate,
    );
    await received.promise;
    server.forceClose();
    await pending;
  });

  void it('active node process killed (SIGKILL) mid-request: Indeterminate', async () => {
    const proc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', serverProcessScript], {
      cwd: repoRoot,
      env: {
        ...process.env,
        COFFER_TEST_TLS: JSON.stringify(clusterTlsMaterialToJson(materialOf(cluster, 'active'))),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child = proc;
    const lines = createInterface({ input: proc.stdout! });
    const listening = new Promise<string>((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
      lines.on('line', (line) => {
        if (line.startsWith('listening ')) resolve(line.slice('listening '.length));
      });
    });
    const address = await listening;
    const received = new Promise<void>((resolve) =>
      lines.on('line', (line) => line === 'received killed' && resolve()),
    );
    const client = newClient(address);
    const pending = rejection(
      client.forward(request('killed'), { deadlineMs: 10_000 }),
      ErrorCode.Indeterminate,
    );
    await received;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGKILL');
    await pending;
    await exited;
    // With the process gone, nothing can be sent: the next forward is "no active node".
    await rejection(client.forward(request('after-kill'), { deadlineMs: 5_000 }), ErrorCode.NoActiveNode);
  });

  void it('reconnects when the active node comes back on the same address', async () => {
    const port = await unusedPort();
    const echo: ForwardHandler = async (req) => ({ status: 200, headers: {}, body: req.body });
    const first = await startServer(echo, `127.0.0.1:${port}`);
    const client = newClient(`127.0.0.1:${port}`);
    assert.equal((await client.forward(request('before'))).status, 200);
    await first.close(100);
    await rejection(client.forward(request('while-down'), { deadlineMs: 2_000 }), ErrorCode.NoActiveNode);
    await startServer(echo, `127.0.0.1:${port}`);
    // The channel reconnects in the background (backoff 100 ms → 1 s); until then calls fail fast as not sent.
    const giveUp = Date.now() + 10_000;
    for (;;) {
      try {
        assert.equal((await client.forward(request('after'), { deadlineMs: 2_000 })).status, 200);
        break;
      } catch (err) {
        assert.ok(err instanceof CofferError && err.code === ErrorCode.NoActiveNode, String(err));
        if (Date.now() > giveUp) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  });

  void it('a closed client fails as not sent', async () => {
    const client = newClient('127.0.0.1:1');
    client.close();
    await rejection(client.forward(request('closed')), ErrorCode.NoActiveNode);
  });
});
