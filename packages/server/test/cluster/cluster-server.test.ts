/**
 * The cluster port's server must drop every accepted connection on `forceShutdown()`, also those
 * of a peer that stopped talking (SIGSTOP, a half-open handshake): otherwise the node's process
 * cannot exit on SIGTERM while a peer is paused. A plain grpc-js server does not (shown here too).
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { clusterServerCredentials } from '../../src/cluster/cluster-credentials.js';
import { bindClusterServer, createClusterServer } from '../../src/cluster/cluster-server.js';
import type { ClusterTlsMaterial } from '../../src/cluster/cluster-tls-material.js';
import { createTestClusterTls, materialOf } from './test-cluster-tls.js';

let server: ClusterTlsMaterial;
let client: ClusterTlsMaterial;
const sockets: Socket[] = [];

before(async () => {
  const t = await createTestClusterTls(['server', 'client']);
  server = materialOf(t, 'server');
  client = materialOf(t, 'client');
});

after(() => {
  for (const s of sockets) s.destroy();
});

function closed(s: Socket, ms: number): Promise<boolean> {
  if (s.destroyed && s.closed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    s.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function until(what: string, ms: number, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A raw TCP client that connects and then never says anything (a peer stopped mid-handshake). */
function silentPeer(port: number): Socket {
  const s = connect({ host: '127.0.0.1', port });
  s.on('error', () => undefined);
  sockets.push(s);
  return s;
}

void describe('ClusterServer.forceShutdown', () => {
  void it('destroys a silent connection and a handshaken one whose peer stopped reading', async () => {
    const srv = createClusterServer();
    const port = await bindClusterServer(srv, '127.0.0.1:0', server);
    assert.ok(port > 0);
    const silent = silentPeer(port);
    const secured = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect(
        {
          host: '127.0.0.1',
          port,
          ca: client.caPem,
          cert: client.certPem,
          key: client.keyPem,
          ALPNProtocols: ['h2'],
        },
        () => resolve(s),
      );
      s.once('error', reject);
    });
    secured.on('error', () => undefined);
    secured.pause(); // like a SIGSTOPped peer: reads nothing more
    sockets.push(secured);
    await until('2 accepted connections', 5_000, () => srv.openConnections === 2);
    const silentClosed = closed(silent, 3_000);
    const securedClosed = closed(secured, 3_000);
    srv.forceShutdown();
    assert.equal(srv.openConnections, 0);
    assert.equal(await silentClosed, true, 'the silent peer is still connected');
    assert.equal(await securedClosed, true, 'the paused TLS peer is still connected');
    // New connections are refused once shut down.
    const late = silentPeer(port);
    await new Promise<void>((resolve) => {
      late.once('error', () => resolve());
      late.once('close', () => resolve());
    });
    assert.equal(late.readyState === 'open', false);
  });

  void it('(root cause) a plain grpc-js server keeps a silent connection after forceShutdown', async () => {
    const plain = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      plain.bindAsync('127.0.0.1:0', clusterServerCredentials(server), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const silent = silentPeer(port);
    await new Promise<void>((resolve) => silent.once('connect', () => resolve()));
    await new Promise((r) => setTimeout(r, 200));
    plain.forceShutdown();
    assert.equal(
      await closed(silent, 1_000),
      false,
      'grpc-js closed it: the ClusterServer workaround may be unnecessary',
    );
    silent.destroy();
  });
});
