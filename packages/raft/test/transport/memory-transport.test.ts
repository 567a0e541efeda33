import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { Message, NodeId } from '../../src/core/types.js';
import { MemoryNetwork } from '../../src/transport/memory-network.js';
import type { MemoryTransport } from '../../src/transport/memory-transport.js';
import type { Transport } from '../../src/transport/transport.js';
import { makeMessage } from './make-message.js';
import { transportSuite } from './transport-suite.js';
import { waitFor } from './wait-for.js';

transportSuite('MemoryTransport', {
  async create(ids) {
    const network = new MemoryNetwork({ seed: 7 });
    const transports = new Map<NodeId, Transport>(ids.map((id) => [id, network.transport(id)]));
    return {
      transports,
      cleanup: async () => {
        for (const t of transports.values()) await t.close();
        network.close();
      },
    };
  },
});

void describe('MemoryNetwork faults', () => {
  function cluster(
    network: MemoryNetwork,
    ids: readonly NodeId[],
  ): { ts: Map<NodeId, MemoryTransport>; got: Map<NodeId, Message[]> } {
    const ts = new Map(ids.map((id) => [id, network.transport(id)]));
    const got = new Map<NodeId, Message[]>();
    for (const t of ts.values()) {
      const inbox: Message[] = [];
      got.set(t.id, inbox);
      t.onMessage((m) => inbox.push(m));
      for (const o of ids) if (o !== t.id) t.addPeer(o, `mem://${o}`);
    }
    return { ts, got };
  }

  function burst(from: NodeId, to: NodeId, n: number): Message[] {
    return Array.from({ length: n }, (_, i) => makeMessage({ from, to, index: i + 1 }));
  }

  async function runDrop(seed: number): Promise<number[]> {
    const network = new MemoryNetwork({ seed, dropRate: 0.3 });
    const { ts, got } = cluster(network, ['a', 'b']);
    ts.get('a')!.send(burst('a', 'b', 1000));
    await sleep(10);
    network.close();
    return got.get('b')!.map((m) => m.index);
  }

  void it('drops about dropRate of the messages, the same ones for the same seed', async () => {
    const first = await runDrop(42);
    const again = await runDrop(42);
    const other = await runDrop(43);
    assert.ok(first.length > 600 && first.length < 800, `delivered ${first.length} of 1000`);
    assert.deepEqual(first, again);
    assert.notDeepEqual(first, other);
  });

  void it('duplicates messages at duplicateRate', async () => {
    const network = new MemoryNetwork({ seed: 3, duplicateRate: 0.5 });
    const { ts, got } = cluster(network, ['a', 'b']);
    ts.get('a')!.send(burst('a', 'b', 200));
    await sleep(10);
    const n = got.get('b')!.length;
    assert.ok(n > 250 && n < 350, `delivered ${n}`);
    assert.equal(network.stats().duplicated, n - 200);
    network.close();
  });

  void it('reorders messages at reorderRate, delivering all of them', async () => {
    const network = new MemoryNetwork({ seed: 5, reorderRate: 0.3, reorderWindowMs: 5 });
    const { ts, got } = cluster(network, ['a', 'b']);
    ts.get('a')!.send(burst('a', 'b', 200));
    await waitFor('all delivered', () => got.get('b')!.length === 200);
    const order = got.get('b')!.map((m) => m.index);
    assert.notDeepEqual(
      order,
      [...order].sort((x, y) => x - y),
    );
    assert.deepEqual(
      [...order].sort((x, y) => x - y),
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    network.close();
  });

  void it('delays messages by delayMs', async () => {
    const network = new MemoryNetwork({ seed: 1, delayMs: 30 });
    const { ts, got } = cluster(network, ['a', 'b']);
    const start = Date.now();
    ts.get('a')!.send(burst('a', 'b', 1));
    await waitFor('delivery', () => got.get('b')!.length === 1);
    assert.ok(Date.now() - start >= 25);
    network.close();
  });

  void it('partitions the nodes into groups, and heals', async () => {
    const network = new MemoryNetwork({ seed: 1 });
    const { ts, got } = cluster(network, ['a', 'b', 'c']);
    network.partition(['a'], ['b', 'c']);
    ts.get('a')!.send([...burst('a', 'b', 1), ...burst('a', 'c', 1)]);
    ts.get('b')!.send(burst('b', 'c', 1));
    await sleep(10);
    assert.equal(got.get('b')!.length, 0);
    assert.equal(got.get('c')!.length, 1);
    network.heal();
    ts.get('a')!.send(burst('a', 'b', 1));
    await waitFor('delivery after heal', () => got.get('b')!.length === 1);
    network.close();
  });

  void it('isolates one node, and blocks a single direction', async () => {
    const network = new MemoryNetwork({ seed: 1 });
    const { ts, got } = cluster(network, ['a', 'b', 'c']);
    network.isolate('c');
    ts.get('c')!.send(burst('c', 'a', 1));
    ts.get('a')!.send(burst('a', 'c', 1));
    network.block('a', 'b');
    ts.get('a')!.send(burst('a', 'b', 1));
    ts.get('b')!.send(burst('b', 'a', 1));
    await sleep(10);
    assert.equal(got.get('a')!.length, 1);
    assert.equal(got.get('a')![0]!.from, 'b');
    assert.equal(got.get('b')!.length, 0);
    assert.equal(got.get('c')!.length, 0);
    network.close();
  });

  void it('a snapshot fails when the link is cut', async () => {
    const network = new MemoryNetwork({ seed: 1 });
    const { ts } = cluster(network, ['a', 'b']);
    ts.get('b')!.onSnapshot(async (_m, data) => {
      for await (const _ of data) void _;
    });
    network.block('a', 'b');
    const snap = makeMessage({ from: 'a', to: 'b' });
    await assert.rejects(
      ts.get('a')!.sendSnapshot(
        snap,
        (async function* () {
          yield new Uint8Array(1);
        })(),
      ),
    );
    network.close();
  });
});
