import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { readSnapshot } from '@coffer/snapshot';
import { proposeRestore } from '../../src/raft-storage/propose-restore.js';
import { RaftStorageCluster, dump } from './raft-storage-cluster.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const tuning = { snapshotThreshold: 20, trailingLogs: 5 };

/** 120 writes (puts, overwrites, deletes) on the leader, in rounds of concurrent puts. */
async function writeHistory(c: RaftStorageCluster): Promise<void> {
  const b = c.backend('a');
  for (let round = 0; round < 4; round++) {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) => b.put(`kv/${i}`, bytes(`r${round}-${i}-${'x'.repeat(i * 10)}`))),
    );
  }
  for (let i = 0; i < 20; i += 2) await b.delete(`kv/${i}`);
  await b.transaction([
    { kind: 'put', key: 'core/keyring', value: bytes('ring') },
    { kind: 'delete', key: 'kv/1' },
  ]);
}

void describe('raft storage snapshots and compaction', () => {
  void it('compacts without writing snapshots; a lagging follower installs an archive captured for it', async () => {
    const c = await RaftStorageCluster.start(['a', 'b', 'c'], tuning);
    try {
      c.network.isolate('c');
      const lagged = c.fsm('c').applied;
      await writeHistory(c);
      const leader = c.node('a');
      await c.waitFor(
        'leader compacted past the lagger',
        () => leader.status().snapshotIndex > 0 && leader.status().firstIndex > lagged + 1,
      );

      // The FSM is the snapshot: compacting wrote no snapshot file on the leader.
      const snapFiles = async (id: string): Promise<string[]> =>
        (await readdir(join(c.dirOf(id), 'snapshots'))).filter((n) => n.endsWith('.snap'));
      assert.deepEqual(await snapFiles('a'), []);

      c.network.heal();
      const target = leader.appliedIndex;
      await c.until('lagger caught up', () => c.fsm('c').applied === target);
      assert.ok(c.node('c').status().metrics.snapshotsInstalled >= 1, 'installed a snapshot');
      // What the leader sent is an archive captured when the lagger needed it: verified, at the
      // leader's applied index of that moment (at or past its compaction point).
      const [received] = await snapFiles('c');
      assert.ok(received !== undefined);
      const reader = await readSnapshot(createReadStream(join(c.dirOf('c'), 'snapshots', received)));
      assert.equal(reader.meta.index, c.node('c').status().snapshotIndex);
      assert.ok(reader.meta.index >= leader.status().snapshotIndex);
      assert.deepEqual(reader.meta.configuration, { voters: ['a', 'b', 'c'], learners: [] });
      let entries = 0;
      for await (const e of reader.entries) entries += e.key.length > 0 ? 1 : 0;
      assert.ok(entries > 0);
      assert.deepEqual(await dump(c.fsm('c')), await dump(c.fsm('a')));
      assert.equal(c.fsm('c').duplicatesSkipped, 0);
      // It keeps up normally afterwards, and its state survives a restart.
      await c.backend('a').put('after', bytes('snapshot'));
      await c.restartAll();
      const finalIndex = c.node('a').appliedIndex;
      await c.until('all applied', () => ['b', 'c'].every((id) => c.fsm(id).applied === finalIndex));
      const expected = await dump(c.fsm('a'));
      for (const id of ['b', 'c']) assert.deepEqual(await dump(c.fsm(id)), expected, id);
      assert.equal(
        Buffer.from((await c.backend('c').withConsistency('local').get('after'))!).toString(),
        'snapshot',
      );
    } finally {
      await c.destroy();
    }
  });

  void it('a restore past the compaction threshold compacts as it goes; a lagger installs a snapshot after its commit', async () => {
    const c = await RaftStorageCluster.start(['a', 'b', 'c'], tuning);
    try {
      const b = c.backend('a');
      const leader = c.node('a');
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => b.put(`src/${i}`, bytes(`v${i}-${'y'.repeat(100)}`))),
      );
      const parts: Uint8Array[] = [];
      for await (const chunk of await c.fsm('a').snapshot()) parts.push(chunk);
      const archive = Buffer.concat(parts);
      for (let i = 0; i < 200; i += 2) await b.delete(`src/${i}`);
      await b.put('later', bytes('gone after the restore'));
      const expected = await dump(c.fsm('a'));

      c.network.isolate('c');
      const taken0 = leader.status().metrics.snapshotsTaken;
      let compactedWhilePending = false;
      const restored = await proposeRestore({
        propose: (data) => leader.propose(data),
        fsm: c.fsm('a'),
        open: () => Readable.from([archive]),
        chunkBytes: 512,
        afterChunk: () => {
          // The staged chunks are durable in each node's staging DB: the log need not keep them.
          if (c.fsm('a').pendingRestore !== undefined && leader.status().metrics.snapshotsTaken > taken0)
            compactedWhilePending = true;
        },
      });
      assert.ok(restored.chunks > 2 * tuning.snapshotThreshold, `${restored.chunks} chunks`);
      assert.ok(compactedWhilePending, 'the log was compacted while the restore was pending');
      assert.ok(leader.status().firstIndex > c.fsm('c').applied + 1, 'compacted past the lagger');
      assert.equal(await c.backend('a').withConsistency('local').get('later'), undefined);

      c.network.heal();
      const target = leader.appliedIndex;
      await c.until('lagger caught up', () => c.fsm('c').applied === target);
      // No capture while the restore was pending: the lagger's snapshot is from after its commit.
      assert.ok(c.node('c').status().metrics.snapshotsInstalled >= 1, 'installed a snapshot');
      assert.ok(c.node('c').status().snapshotIndex >= restored.index);
      const after = await dump(c.fsm('a'));
      for (const id of ['b', 'c']) assert.deepEqual(await dump(c.fsm(id)), after, id);
      assert.notDeepEqual(after, expected);
    } finally {
      await c.destroy();
    }
  });

  void it('a new member joins from a snapshot and ends with identical state', async () => {
    const c = await RaftStorageCluster.start(['a', 'b', 'c'], tuning);
    try {
      await writeHistory(c);
      const leader = c.node('a');
      await c.waitFor('leader compacted', () => leader.status().firstIndex > 1);
      await c.startNode('d', { join: true });
      await leader.addVoter('d', 'mem://d');
      await c.backend('a').put('joined', bytes('d'));
      const target = leader.appliedIndex;
      await c.until('d caught up', () => c.fsm('d').applied === target);
      assert.ok(c.node('d').status().metrics.snapshotsInstalled >= 1);
      assert.deepEqual(await dump(c.fsm('d')), await dump(c.fsm('a')));
    } finally {
      await c.destroy();
    }
  });
});
