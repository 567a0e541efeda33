import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { MessageType } from '../../src/core/types.js';
import type { Message, NodeId } from '../../src/core/types.js';
import { GrpcTransport } from '../../src/transport/grpc-transport.js';
import type { TransportTls } from '../../src/transport/grpc-transport.js';
import type { Transport } from '../../src/transport/transport.js';
import { TransportError } from '../../src/transport/transport-error.js';
import { makeMessage } from './make-message.js';
import { ping, startOwnedServer, type OwnedServer } from './shared-grpc-server.js';
import { makeTestPki } from './test-pki.js';
import type { Pem } from './test-pki.js';
import { transportSuite } from './transport-suite.js';
import { waitFor } from './wait-for.js';

async function startAll(
  ids: readonly NodeId[],
  tls?: (id: NodeId) => TransportTls | undefined,
): Promise<Map<NodeId, GrpcTransport>> {
  const ts = new Map<NodeId, GrpcTransport>();
  for (const id of ids) {
    const t = new GrpcTransport({
      id,
      listen: '127.0.0.1:0',
      tls: tls?.(id),
      sendStallMs: 2_000,
      reconnectBackoffMs: 20,
    });
    ts.set(id, t);
    await t.start();
  }
  return ts;
}

async function closeAll(ts: Map<NodeId, Transport>): Promise<void> {
  for (const t of ts.values()) await t.close();
}

/** Like startAll, but each transport serves on a server its "application" owns and bound first. */
async function startShared(
  ids: readonly NodeId[],
  tls?: (id: NodeId) => TransportTls | undefined,
): Promise<{
  ts: Map<NodeId, GrpcTransport>;
  servers: Map<NodeId, OwnedServer>;
  cleanup: () => Promise<void>;
}> {
  const ts = new Map<NodeId, GrpcTransport>();
  const servers = new Map<NodeId, OwnedServer>();
  const cleanup = async (): Promise<void> => {
    await closeAll(ts);
    for (const s of servers.values()) s.server.forceShutdown();
  };
  try {
    for (const id of ids) {
      const owned = await startOwnedServer(tls?.(id));
      servers.set(id, owned);
      const t = new GrpcTransport({
        id,
        server: owned.server,
        advertise: owned.address,
        tls: tls?.(id),
        sendStallMs: 2_000,
        reconnectBackoffMs: 20,
      });
      ts.set(id, t);
      await t.start();
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { ts, servers, cleanup };
}

transportSuite('GrpcTransport', {
  async create(ids) {
    const transports = await startAll(ids);
    return { transports: new Map<NodeId, Transport>(transports), cleanup: () => closeAll(transports) };
  },
});

transportSuite('GrpcTransport on a shared server', {
  async create(ids) {
    const { ts, cleanup } = await startShared(ids);
    return { transports: new Map<NodeId, Transport>(ts), cleanup };
  },
});

void describe('GrpcTransport', () => {
  let dir = '';
  let good: Pem;
  let rogue: Pem;
  void before(() => {
    dir = mkdtempSync(join(tmpdir(), 'coffer-pki-'));
    good = makeTestPki(dir, 'good');
    rogue = makeTestPki(dir, 'rogue');
  });
  void after(() => rmSync(dir, { recursive: true, force: true }));

  function exchange(ts: Map<NodeId, GrpcTransport>): { got: Message[]; unreachable: NodeId[] } {
    const got: Message[] = [];
    const unreachable: NodeId[] = [];
    ts.get('b')!.onMessage((m) => got.push(m));
    ts.get('a')!.onUnreachable((p) => unreachable.push(p));
    ts.get('a')!.addPeer('b', ts.get('b')!.address);
    return { got, unreachable };
  }

  void it('binds a free port on 127.0.0.1 and advertises it', async () => {
    const ts = await startAll(['a']);
    try {
      assert.match(ts.get('a')!.address, /^127\.0\.0\.1:\d+$/);
      assert.notEqual(ts.get('a')!.address, '127.0.0.1:0');
    } finally {
      await closeAll(ts);
    }
  });

  void it('sends the messages of one send() call as one batch', async () => {
    const ts = await startAll(['a', 'b']);
    try {
      const { got } = exchange(ts);
      ts.get('a')!.send(Array.from({ length: 100 }, (_, i) => makeMessage({ from: 'a', to: 'b', index: i })));
      await waitFor('delivery', () => got.length === 100);
      assert.equal(ts.get('a')!.stats().batchesSent, 1);
      assert.equal(ts.get('b')!.stats().batchesReceived, 1);
    } finally {
      await closeAll(ts);
    }
  });

  void it('fails a snapshot stream that makes no progress (stall deadline)', async () => {
    const a = new GrpcTransport({ id: 'a', listen: '127.0.0.1:0', snapshotStallMs: 300 });
    const b = new GrpcTransport({ id: 'b', listen: '127.0.0.1:0' });
    await a.start();
    await b.start();
    let release: () => void = () => {};
    try {
      a.addPeer('b', b.address);
      // The receiver accepts the stream but never reads it.
      b.onSnapshot(() => new Promise<void>((resolve) => (release = resolve)));
      async function* endless(): AsyncIterable<Uint8Array> {
        for (;;) yield new Uint8Array(256 * 1024);
      }
      const snap = makeMessage({
        type: MessageType.Snap,
        from: 'a',
        to: 'b',
        snapshot: {
          metadata: { index: 1, term: 1, confState: { voters: ['a'], learners: [] } },
          data: new Uint8Array(0),
        },
      });
      const started = Date.now();
      await assert.rejects(a.sendSnapshot(snap, endless()), TransportError);
      assert.ok(Date.now() - started < 10_000);
    } finally {
      release();
      await a.close();
      await b.close();
    }
  });

  void it('reconnects when a peer restarts on the same port', async () => {
    const ts = await startAll(['a', 'b']);
    let b2: GrpcTransport | undefined;
    try {
      const { unreachable } = exchange(ts);
      const address = ts.get('b')!.address;
      await ts.get('b')!.close();
      await waitFor('unreachable', () => {
        ts.get('a')!.send([makeMessage({ from: 'a', to: 'b' })]);
        return unreachable.length > 0;
      });
      b2 = new GrpcTransport({ id: 'b', listen: address });
      await b2.start();
      const got: Message[] = [];
      b2.onMessage((m) => got.push(m));
      await waitFor(
        'delivery after restart',
        () => {
          ts.get('a')!.send([makeMessage({ from: 'a', to: 'b' })]);
          return got.length > 0;
        },
        10_000,
      );
    } finally {
      await b2?.close();
      await closeAll(ts);
    }
  });

  void it('with mTLS, peers holding certificates from the shared CA talk', async () => {
    const ts = await startAll(['a', 'b'], () => good);
    try {
      const { got } = exchange(ts);
      ts.get('a')!.send([makeMessage({ from: 'a', to: 'b' })]);
      await waitFor('delivery over mTLS', () => got.length === 1);
    } finally {
      await closeAll(ts);
    }
  });

  void it('with mTLS, a client whose certificate another CA signed is refused', async () => {
    const ts = await startAll(['a', 'b'], (id) => (id === 'a' ? { ...rogue, ca: good.ca } : good));
    try {
      const { got, unreachable } = exchange(ts);
      await waitFor('refusal', () => {
        ts.get('a')!.send([makeMessage({ from: 'a', to: 'b' })]);
        return unreachable.length > 0;
      });
      await sleep(50);
      assert.equal(got.length, 0);
    } finally {
      await closeAll(ts);
    }
  });

  void it('with mTLS, a client without a certificate is refused', async () => {
    const ts = await startAll(['b'], () => good);
    const plain = new GrpcTransport({ id: 'a', listen: '127.0.0.1:0' });
    await plain.start();
    ts.set('a', plain);
    try {
      const { got, unreachable } = exchange(ts);
      await waitFor('refusal', () => {
        plain.send([makeMessage({ from: 'a', to: 'b' })]);
        return unreachable.length > 0;
      });
      assert.equal(got.length, 0);
    } finally {
      await closeAll(ts);
    }
  });

  void it('with mTLS, a server whose certificate another CA signed is not trusted', async () => {
    const ts = await startAll(['a', 'b'], (id) => (id === 'b' ? { ...rogue, ca: good.ca } : good));
    try {
      const { got, unreachable } = exchange(ts);
      await waitFor('refusal', () => {
        ts.get('a')!.send([makeMessage({ from: 'a', to: 'b' })]);
        return unreachable.length > 0;
      });
      assert.equal(got.length, 0);
    } finally {
      await closeAll(ts);
    }
  });
});

void describe('GrpcTransport on a server the application owns', () => {
  let dir = '';
  let good: Pem;
  let rogue: Pem;
  void before(() => {
    dir = mkdtempSync(join(tmpdir(), 'coffer-pki-'));
    good = makeTestPki(dir, 'good');
    rogue = makeTestPki(dir, 'rogue');
  });
  void after(() => rmSync(dir, { recursive: true, force: true }));

  function exchange(ts: Map<NodeId, GrpcTransport>): { got: Message[]; unreachable: NodeId[] } {
    const got: Message[] = [];
    const unreachable: NodeId[] = [];
    ts.get('b')!.onMessage((m) => got.push(m));
    ts.get('a')!.onUnreachable((p) => unreachable.push(p));
    ts.get('a')!.addPeer('b', ts.get('b')!.address);
    return { got, unreachable };
  }

  void it('takes exactly one of listen and server, and needs an address to advertise with a server', async () => {
    const owned = await startOwnedServer();
    try {
      assert.throws(() => new GrpcTransport({ id: 'a' }), TypeError);
      assert.throws(
        () =>
          new GrpcTransport({
            id: 'a',
            listen: '127.0.0.1:0',
            server: owned.server,
            advertise: owned.address,
          }),
        TypeError,
      );
      assert.throws(() => new GrpcTransport({ id: 'a', server: owned.server }), TypeError);
      assert.throws(() => new GrpcTransport({ id: 'a', server: owned.server, advertise: '' }), TypeError);
      // None of the refused constructions left a Raft service behind.
      const t = new GrpcTransport({ id: 'a', server: owned.server, advertise: owned.address });
      await t.start();
      assert.equal(t.address, owned.address);
      await t.close();
    } finally {
      owned.server.forceShutdown();
    }
  });

  void it("serves raft next to the owner's service on the owner's one port", async () => {
    const { ts, servers, cleanup } = await startShared(['a', 'b']);
    try {
      assert.equal(ts.get('b')!.address, servers.get('b')!.address);
      const { got } = exchange(ts);
      ts.get('a')!.send(Array.from({ length: 10 }, (_, i) => makeMessage({ from: 'a', to: 'b', index: i })));
      await waitFor('delivery', () => got.length === 10);
      assert.equal(await ping(ts.get('b')!.address, 'hello'), 'hello');
    } finally {
      await cleanup();
    }
  });

  void it('refuses a second raft service on the same server while the first transport is open', async () => {
    const { ts, servers, cleanup } = await startShared(['b']);
    try {
      const owned = servers.get('b')!;
      assert.throws(
        () => new GrpcTransport({ id: 'b', server: owned.server, advertise: owned.address }),
        /already provided/,
      );
      assert.equal(ts.get('b')!.address, owned.address);
    } finally {
      await cleanup();
    }
  });

  void it('close() keeps the server up for its other services and ends the raft streams at once', async () => {
    const { ts, cleanup } = await startShared(['a', 'b']);
    try {
      const { got, unreachable } = exchange(ts);
      ts.get('a')!.send([makeMessage({ from: 'a', to: 'b', index: 1 })]);
      await waitFor('first message', () => got.length === 1);
      await ts.get('b')!.close();
      // The stream a opened stays connected to a live server: only the transport's close ends it.
      await waitFor(
        'unreachable report',
        () => {
          ts.get('a')!.send([makeMessage({ from: 'a', to: 'b', index: 2 })]);
          return unreachable.includes('b');
        },
        3_000,
      );
      assert.equal(got.length, 1);
      assert.equal(await ping(ts.get('b')!.address, 'still here'), 'still here');
    } finally {
      await cleanup();
    }
  });

  void it('a new transport can take over the same server after close, without rebinding', async () => {
    const { ts, servers, cleanup } = await startShared(['a', 'b']);
    let b2: GrpcTransport | undefined;
    try {
      const { got } = exchange(ts);
      ts.get('a')!.send([makeMessage({ from: 'a', to: 'b', index: 1 })]);
      await waitFor('first message', () => got.length === 1);
      await ts.get('b')!.close();
      const owned = servers.get('b')!;
      b2 = new GrpcTransport({ id: 'b', server: owned.server, advertise: owned.address });
      await b2.start();
      const got2: Message[] = [];
      b2.onMessage((m) => got2.push(m));
      await waitFor('delivery to the new transport', () => {
        ts.get('a')!.send([makeMessage({ from: 'a', to: 'b', index: 2 })]);
        return got2.length > 0;
      });
      assert.equal(got.length, 1);
    } finally {
      await b2?.close();
      await cleanup();
    }
  });

  void it("with the owner's mTLS credentials, peers holding certificates from the shared CA talk", async () => {
    const { ts, cleanup } = await startShared(['a', 'b'], () => good);
    try {
      const { got } = exchange(ts);
      ts.get('a')!.send([makeMessage({ from: 'a', to: 'b' })]);
      await waitFor('delivery over mTLS', () => got.length === 1);
      assert.equal(await ping(ts.get('b')!.address, 'tls', good), 'tls');
    } finally {
      await cleanup();
    }
  });

  void it("with the owner's mTLS credentials, a client whose certificate another CA signed is refused", async () => {
    const impostor = (): TransportTls => ({ ...rogue, ca: good.ca });
    const { ts, cleanup } = await startShared(['a', 'b'], (id) => (id === 'a' ? impostor() : good));
    try {
      const { got, unreachable } = exchange(ts);
      await waitFor('refusal', () => {
        ts.get('a')!.send([makeMessage({ from: 'a', to: 'b' })]);
        return unreachable.length > 0;
      });
      await sleep(50);
      assert.equal(got.length, 0);
      await assert.rejects(ping(ts.get('b')!.address, 'x', impostor()));
    } finally {
      await cleanup();
    }
  });

  void it("with the owner's mTLS credentials, a client without a certificate is refused", async () => {
    const { ts, cleanup } = await startShared(['b'], () => good);
    const plain = new GrpcTransport({ id: 'a', listen: '127.0.0.1:0' });
    await plain.start();
    ts.set('a', plain);
    try {
      const { got, unreachable } = exchange(ts);
      await waitFor('refusal', () => {
        plain.send([makeMessage({ from: 'a', to: 'b' })]);
        return unreachable.length > 0;
      });
      assert.equal(got.length, 0);
      await assert.rejects(ping(ts.get('b')!.address, 'x'));
    } finally {
      await cleanup();
    }
  });
});
