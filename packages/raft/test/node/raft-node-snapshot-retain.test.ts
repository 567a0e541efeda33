import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { EntryType, MessageType } from '../../src/core/types.js';
import type { Entry, Message, SnapshotMetadata } from '../../src/core/types.js';
import { RaftNode } from '../../src/node/raft-node.js';
import type { StateMachine } from '../../src/node/state-machine.js';
import type { LogWrite } from '../../src/storage/log-store.js';
import { MemoryLogStore } from '../../src/storage/memory-log-store.js';
import { MemorySnapshotStore } from '../../src/storage/memory-snapshot-store.js';
import { MemoryNetwork } from '../../src/transport/memory-network.js';
import type { MemoryTransport } from '../../src/transport/memory-transport.js';
import { MemoryStateMachine } from './memory-state-machine.js';

/*
 * A learner receiving snapshots from a leader while it is busy: the bytes of a newer snapshot,
 * received (written and stepped) while an older one is still on its way through the Ready
 * pipeline, must survive the retention that follows the older install or a local snapshot.
 * The leader is played by the test: it streams snapshots and appends over a MemoryNetwork.
 */

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
const confState = { voters: ['L'], learners: ['f'] };

/** Resolves when released; `release` is idempotent. */
class Gate {
  #open = false;
  #waiters: (() => void)[] = [];

  wait(): Promise<void> {
    if (this.#open) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    this.#open = true;
    for (const w of this.#waiters.splice(0)) w();
  }
}

/**
 * A MemoryStateMachine whose restore of one chosen snapshot index, and whose local snapshot
 * streams, wait for gates (a slow state machine).
 */
class SlowStateMachine implements StateMachine {
  readonly inner = new MemoryStateMachine();
  readonly restoresStarted: number[] = [];
  holdRestoreOf = -1;
  readonly restoreGate = new Gate();
  snapshotsRequested = 0;
  readonly snapshotGate = new Gate();

  apply(entries: readonly Entry[]): Promise<void> {
    return this.inner.apply(entries);
  }

  async snapshot(): Promise<AsyncIterable<Uint8Array>> {
    this.snapshotsRequested++;
    const bytes = await this.inner.snapshot();
    const gate = this.snapshotGate;
    return (async function* () {
      await gate.wait();
      yield bytes;
    })();
  }

  async restore(data: AsyncIterable<Uint8Array>, meta: SnapshotMetadata): Promise<void> {
    this.restoresStarted.push(meta.index);
    if (meta.index === this.holdRestoreOf) await this.restoreGate.wait();
    await this.inner.restore(data, meta);
  }
}

/**
 * A MemoryLogStore whose writes and compactions run one at a time, in call order (as
 * LevelLogStore's do), and whose snapshot-installing writes can be held at a gate (a slow disk).
 */
class SlowLogStore extends MemoryLogStore {
  #queue: Promise<void> = Promise.resolve();
  holdSnapshotWrites = false;
  readonly snapshotWriteGate = new Gate();
  snapshotWritesHeld = 0;
  compactCalls = 0;

  override write(write: LogWrite): Promise<void> {
    const held = this.holdSnapshotWrites && write.snapshot !== undefined;
    return this.#serial(async () => {
      if (held) {
        this.snapshotWritesHeld++;
        await this.snapshotWriteGate.wait();
      }
      await super.write(write);
    });
  }

  override compact(snapshot: SnapshotMetadata, keepFrom: number): Promise<void> {
    this.compactCalls++;
    return this.#serial(() => super.compact(snapshot, keepFrom));
  }

  #serial(fn: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

function values(from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = from; i <= to; i++) out.push(`v${i}`);
  return out;
}

/** The state in the leader's snapshot at `index` (small: a local snapshot soon pays off). */
function snapshotState(index: number): string[] {
  return [`state-at-${index}`];
}

/** The leader's snapshot at `index`, in MemoryStateMachine's format. */
function snapshotBytes(index: number): Uint8Array {
  return encoder.encode(JSON.stringify({ applied: index, values: snapshotState(index) }));
}

function message(type: MessageType, fields: Partial<Message> = {}): Message {
  return {
    type,
    from: 'L',
    to: 'f',
    term: 1,
    index: 0,
    logTerm: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    hintTerm: 0,
    context: EMPTY,
    ...fields,
  };
}

async function waitFor(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${what}`);
    await sleep(2);
  }
}

interface Rig {
  readonly node: RaftNode;
  readonly sm: SlowStateMachine;
  readonly logStore: SlowLogStore;
  readonly snapshotStore: MemorySnapshotStore;
  readonly leader: MemoryTransport;
  readonly fatal: Error[];
  /** Streams the leader's snapshot at `index` to the learner; resolves once it was accepted. */
  sendSnapshot(index: number): Promise<void>;
  close(): Promise<void>;
}

async function rig(): Promise<Rig> {
  const network = new MemoryNetwork({ seed: 7 });
  const leader = network.transport('L');
  leader.onMessage(() => undefined);
  leader.addPeer('f', 'mem://f');
  await leader.start();
  const sm = new SlowStateMachine();
  const logStore = new SlowLogStore();
  const snapshotStore = new MemorySnapshotStore();
  const node = new RaftNode({
    id: 'f',
    transport: network.transport('f'),
    stateMachine: sm,
    logStore,
    snapshotStore,
    bootstrap: false,
    tickMs: 0,
    electionTick: 10,
    heartbeatTick: 1,
    seed: 11,
    snapshotThreshold: 10,
    trailingLogs: 5,
  });
  const fatal: Error[] = [];
  node.on('fatal', (err) => fatal.push(err));
  await node.start();
  return {
    node,
    sm,
    logStore,
    snapshotStore,
    leader,
    fatal,
    sendSnapshot: (index) =>
      leader.sendSnapshot(
        message(MessageType.Snap, { snapshot: { metadata: meta(index), data: EMPTY } }),
        (async function* () {
          yield snapshotBytes(index);
        })(),
      ),
    async close() {
      await node.stop();
      await leader.close();
      network.close();
    },
  };
}

function meta(index: number): SnapshotMetadata {
  return { index, term: 1, confState };
}

void describe('RaftNode snapshot retention while snapshots are in flight', () => {
  void it('a snapshot received while an older one is being installed survives that install', async () => {
    const r = await rig();
    try {
      r.sm.holdRestoreOf = 100;
      await r.sendSnapshot(100);
      await waitFor('restore of 100 started', () => r.sm.restoresStarted.includes(100));
      // Snapshot 200 is written and stepped while 100 is still being restored.
      await r.sendSnapshot(200);
      assert.equal(r.snapshotStore.has(meta(200)), true);
      r.sm.restoreGate.release();
      await waitFor(
        '200 installed, or the node stopped',
        () => r.sm.inner.applied === 200 || !r.node.running,
      );
      assert.deepEqual(r.fatal, []);
      assert.equal(r.node.running, true);
      assert.deepEqual(r.sm.restoresStarted, [100, 200]);
      assert.deepEqual(r.sm.inner.values, snapshotState(200));
      assert.equal(r.node.status().snapshotIndex, 200);
      assert.equal(r.node.status().metrics.snapshotsInstalled, 2);
      await waitFor('100 dropped after 200 was installed', () => !r.snapshotStore.has(meta(100)));
      assert.equal(r.snapshotStore.has(meta(200)), true);
    } finally {
      await r.close();
    }
  });

  void it('a local snapshot finishing while a received one waits in the Ready pipeline keeps the received one', async () => {
    const r = await rig();
    try {
      await r.sendSnapshot(100);
      await waitFor('100 installed', () => r.sm.inner.applied === 100);
      // The leader appends 101..120: past the threshold, the learner takes a local snapshot at
      // 120, whose bytes are held back (a slow state machine stream).
      const entries: Entry[] = values(101, 120).map((v, i) => ({
        index: 101 + i,
        term: 1,
        type: EntryType.Normal,
        data: encoder.encode(v),
      }));
      r.leader.send([message(MessageType.App, { index: 100, logTerm: 1, entries, commit: 120 })]);
      await waitFor('120 applied and a local snapshot requested', () => r.sm.snapshotsRequested === 1);
      assert.equal(r.sm.inner.applied, 120);
      // Snapshot 300 arrives: written and stepped; its Ready is held at the log write.
      r.logStore.holdSnapshotWrites = true;
      await r.sendSnapshot(300);
      await waitFor('log write of snapshot 300 held', () => r.logStore.snapshotWritesHeld === 1);
      // The local snapshot at 120 is written, recorded (compaction queued behind the held write).
      r.sm.snapshotGate.release();
      await waitFor('local snapshot compaction under way', () => r.logStore.compactCalls === 1);
      r.logStore.snapshotWriteGate.release();
      await waitFor(
        '300 installed, or the node stopped',
        () => r.sm.inner.applied === 300 || !r.node.running,
      );
      assert.deepEqual(r.fatal, []);
      assert.equal(r.node.running, true);
      assert.deepEqual(r.sm.inner.values, snapshotState(300));
      assert.equal(r.node.status().snapshotIndex, 300);
      assert.equal(r.snapshotStore.has(meta(300)), true);

      // What is on "disk" is consistent: a restart recovers snapshot 300 from its bytes.
      await r.node.stop();
      const persisted = await r.logStore.open();
      assert.deepEqual(persisted.snapshot, meta(300));
      const sm = new MemoryStateMachine();
      const network = new MemoryNetwork({ seed: 8 });
      const again = new RaftNode({
        id: 'f',
        transport: network.transport('f'),
        stateMachine: sm,
        logStore: r.logStore,
        snapshotStore: r.snapshotStore,
        bootstrap: false,
        tickMs: 0,
      });
      try {
        await again.start();
        await waitFor('restarted node restored 300', () => sm.applied === 300 || !again.running);
        assert.deepEqual(sm.values, snapshotState(300));
        assert.deepEqual(await r.snapshotStore.open(), [meta(300)]);
      } finally {
        await again.stop();
        network.close();
      }
    } finally {
      await r.close();
    }
  });
});
