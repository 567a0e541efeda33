import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { EntryType, MessageType } from '../../src/core/types.js';
import type { Message, NodeId } from '../../src/core/types.js';
import type { Transport } from '../../src/transport/transport.js';
import { TransportError } from '../../src/transport/transport-error.js';
import { makeMessage } from './make-message.js';
import { waitFor } from './wait-for.js';

/** Builds started transports for `ids`, none knowing any peer yet. */
export interface TransportHarness {
  create(
    ids: readonly NodeId[],
  ): Promise<{ transports: Map<NodeId, Transport>; cleanup: () => Promise<void> }>;
}

function connect(ts: Map<NodeId, Transport>): void {
  for (const a of ts.values()) for (const b of ts.values()) if (a !== b) a.addPeer(b.id, b.address);
}

function inbox(t: Transport): Message[] {
  const got: Message[] = [];
  t.onMessage((m) => got.push(m));
  return got;
}

async function* chunks(total: number, size: number, produced?: { n: number }): AsyncIterable<Uint8Array> {
  for (let off = 0, i = 0; off < total; off += size, i++) {
    const c = new Uint8Array(Math.min(size, total - off)).fill(i & 0xff);
    if (produced !== undefined) produced.n += c.length;
    yield c;
  }
}

async function collect(data: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of data) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

/** The transport conformance suite: MemoryTransport and GrpcTransport both pass it. */
export function transportSuite(name: string, harness: TransportHarness): void {
  void describe(`Transport conformance: ${name}`, () => {
    async function withNodes(
      ids: readonly NodeId[],
      fn: (ts: Map<NodeId, Transport>) => Promise<void>,
    ): Promise<void> {
      const { transports, cleanup } = await harness.create(ids);
      try {
        await fn(transports);
      } finally {
        await cleanup();
      }
    }

    void it('delivers every field of a message intact', async () => {
      await withNodes(['a', 'b'], async (ts) => {
        connect(ts);
        const got = inbox(ts.get('b')!);
        const m = makeMessage({
          type: MessageType.AppResp,
          from: 'a',
          to: 'b',
          term: 2 ** 40 + 3,
          index: 12345,
          logTerm: 7,
          entries: [
            { index: 12346, term: 7, type: EntryType.Normal, data: new Uint8Array([0, 255, 1]) },
            { index: 12347, term: 7, type: EntryType.ConfChange, data: new Uint8Array(0) },
          ],
          commit: 99,
          reject: true,
          rejectHint: 11,
          hintTerm: 5,
          context: new Uint8Array([9, 8, 7]),
        });
        ts.get('a')!.send([m]);
        await waitFor('message', () => got.length === 1);
        assert.deepEqual(got[0], m);
      });
    });

    void it('delivers many messages sent in one turn, in order, to several peers', async () => {
      await withNodes(['a', 'b', 'c'], async (ts) => {
        connect(ts);
        const gotB = inbox(ts.get('b')!);
        const gotC = inbox(ts.get('c')!);
        const batch: Message[] = [];
        for (let i = 1; i <= 500; i++)
          batch.push(makeMessage({ from: 'a', to: i % 2 === 0 ? 'b' : 'c', index: i }));
        ts.get('a')!.send(batch);
        await waitFor('all messages', () => gotB.length === 250 && gotC.length === 250);
        assert.deepEqual(
          gotB.map((m) => m.index),
          batch.filter((m) => m.to === 'b').map((m) => m.index),
        );
        assert.deepEqual(
          gotC.map((m) => m.index),
          batch.filter((m) => m.to === 'c').map((m) => m.index),
        );
      });
    });

    void it('keeps delivering across many turns (streams stay usable)', async () => {
      await withNodes(['a', 'b'], async (ts) => {
        connect(ts);
        const got = inbox(ts.get('b')!);
        for (let i = 1; i <= 50; i++) {
          ts.get('a')!.send([makeMessage({ from: 'a', to: 'b', index: i })]);
          await sleep(1);
        }
        await waitFor('messages', () => got.length === 50);
        assert.deepEqual(
          got.map((m) => m.index),
          Array.from({ length: 50 }, (_, i) => i + 1),
        );
      });
    });

    void it('drops messages to unknown peers without throwing', async () => {
      await withNodes(['a', 'b'], async (ts) => {
        const got = inbox(ts.get('b')!);
        ts.get('a')!.send([makeMessage({ from: 'a', to: 'b' }), makeMessage({ from: 'a', to: 'zz' })]);
        await sleep(50);
        assert.equal(got.length, 0);
      });
    });

    void it('learns the address of a peer that contacts it, so it can answer', async () => {
      await withNodes(['a', 'b'], async (ts) => {
        const a = ts.get('a')!;
        const b = ts.get('b')!;
        a.addPeer('b', b.address);
        const gotA = inbox(a);
        b.onMessage((m) => b.send([makeMessage({ from: 'b', to: m.from, type: MessageType.HeartbeatResp })]));
        a.send([makeMessage({ from: 'a', to: 'b', type: MessageType.Heartbeat })]);
        await waitFor('reply', () => gotA.length === 1);
        assert.equal(gotA[0]!.type, MessageType.HeartbeatResp);
      });
    });

    void it('stops delivering to a removed peer', async () => {
      await withNodes(['a', 'b'], async (ts) => {
        connect(ts);
        const got = inbox(ts.get('b')!);
        ts.get('a')!.send([makeMessage({ from: 'a', to: 'b', index: 1 })]);
        await waitFor('first message', () => got.length === 1);
        ts.get('a')!.removePeer('b');
        ts.get('a')!.send([makeMessage({ from: 'a', to: 'b', index: 2 })]);
        await sleep(50);
        assert.equal(got.length, 1);
      });
    });

    void it('reports a peer that has gone away as unreachable', async () => {
      await withNodes(['a', 'b'], async (ts) => {
        connect(ts);
        const unreachable: NodeId[] = [];
        const a = ts.get('a')!;
        a.onUnreachable((p) => unreachable.push(p));
        await ts.get('b')!.close();
        await waitFor(
          'unreachable report',
          () => {
            a.send([makeMessage({ from: 'a', to: 'b' })]);
            return unreachable.includes('b');
          },
          10_000,
        );
      });
    });

    void it('streams a snapshot and resolves once the receiver accepts it', async () => {
      await withNodes(['a', 'b'], async (ts) => {
        connect(ts);
        let received: { message: Message; bytes: Uint8Array } | undefined;
        ts.get('b')!.onSnapshot(async (message, data) => {
          received = { message, bytes: await collect(data) };
        });
        const snap = makeMessage({
          type: MessageType.Snap,
          from: 'a',
          to: 'b',
          term: 4,
          snapshot: {
            metadata: { index: 100, term: 3, confState: { voters: ['a', 'b'], learners: ['c'] } },
            data: new Uint8Array(0),
          },
        });
        const total = 3 * 1024 * 1024 + 17;
        await ts.get('a')!.sendSnapshot(snap, chunks(total, 100_000));
        assert.ok(received !== undefined);
        assert.deepEqual(received.message, snap);
        assert.deepEqual(received.bytes, await collect(chunks(total, 100_000)));
      });
    });

    void it('fails a snapshot the receiver rejects, with a TransportError', async () => {
      await withNodes(['a', 'b'], async (ts) => {
        connect(ts);
        ts.get('b')!.onSnapshot(async (_m, data) => {
          for await (const _ of data) break;
          throw new Error('disk full');
        });
        const snap = makeMessage({
          type: MessageType.Snap,
          from: 'a',
          to: 'b',
          snapshot: {
            metadata: { index: 1, term: 1, confState: { voters: ['a'], learners: [] } },
            data: new Uint8Array(0),
          },
        });
        await assert.rejects(ts.get('a')!.sendSnapshot(snap, chunks(1_000_000, 10_000)), TransportError);
      });
    });

    void it('fails a snapshot whose source fails part-way, and the receiver sees an error', async () => {
      await withNodes(['a', 'b'], async (ts) => {
        connect(ts);
        let receiverError: unknown;
        let started = false;
        ts.get('b')!.onSnapshot(async (_m, data) => {
          started = true;
          try {
            await collect(data);
          } catch (err) {
            receiverError = err;
            throw err;
          }
        });
        async function* broken(): AsyncIterable<Uint8Array> {
          yield new Uint8Array(1000);
          await waitFor('receiver started', () => started);
          throw new Error('source read failed');
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
        await assert.rejects(ts.get('a')!.sendSnapshot(snap, broken()), TransportError);
        await waitFor('receiver error', () => receiverError !== undefined);
      });
    });

    void it('applies backpressure: a slow receiver holds the sender back', async () => {
      await withNodes(['a', 'b'], async (ts) => {
        connect(ts);
        const produced = { n: 0 };
        let consumed = 0;
        let maxAhead = 0;
        ts.get('b')!.onSnapshot(async (_m, data) => {
          for await (const c of data) {
            consumed += c.length;
            maxAhead = Math.max(maxAhead, produced.n - consumed);
            if (consumed < 4 * 1024 * 1024) await sleep(5);
          }
        });
        const snap = makeMessage({
          type: MessageType.Snap,
          from: 'a',
          to: 'b',
          snapshot: {
            metadata: { index: 1, term: 1, confState: { voters: ['a'], learners: [] } },
            data: new Uint8Array(0),
          },
        });
        const total = 24 * 1024 * 1024;
        await ts.get('a')!.sendSnapshot(snap, chunks(total, 64 * 1024, produced));
        assert.equal(consumed, total);
        assert.ok(maxAhead < 8 * 1024 * 1024, `sender ran ${maxAhead} bytes ahead of the receiver`);
      });
    });

    void it('rejects a snapshot to an unknown or closed peer', async () => {
      await withNodes(['a', 'b'], async (ts) => {
        const snap = makeMessage({
          type: MessageType.Snap,
          from: 'a',
          to: 'b',
          snapshot: {
            metadata: { index: 1, term: 1, confState: { voters: ['a'], learners: [] } },
            data: new Uint8Array(0),
          },
        });
        await assert.rejects(ts.get('a')!.sendSnapshot(snap, chunks(10, 10)), TransportError);
        connect(ts);
        await ts.get('b')!.close();
        await assert.rejects(ts.get('a')!.sendSnapshot(snap, chunks(10, 10)), TransportError);
      });
    });

    void it('ignores sends after close', async () => {
      await withNodes(['a', 'b'], async (ts) => {
        connect(ts);
        await ts.get('a')!.close();
        ts.get('a')!.send([makeMessage({ from: 'a', to: 'b' })]);
      });
    });
  });
}
