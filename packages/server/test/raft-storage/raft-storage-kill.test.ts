import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { EntryType, LevelLogStore, MemoryNetwork, Role } from '@coffer/raft';
import type { Entry } from '@coffer/raft';
import { openRaftStorage } from '../../src/raft-storage/open-raft-storage.js';
import type { RaftStorage } from '../../src/raft-storage/open-raft-storage.js';
import { RaftFsm } from '../../src/raft-storage/raft-fsm.js';
import { decodeStorageCommand } from '../../src/raft-storage/storage-command.js';
import type { KillWriterMessage } from './kill-writer.js';
import { dump } from './raft-storage-cluster.js';

const roots: string[] = [];
const children = new Set<ChildProcess>();
const storages = new Set<RaftStorage>();
void after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of storages) await s.close().catch(() => undefined);
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

/** The state the log's entries 1..upTo describe, in the shape of `dump`. */
function fold(entries: readonly Entry[], upTo: number): [string, string][] {
  const state = new Map<string, string>();
  for (const e of entries) {
    if (e.index > upTo) break;
    if (e.type !== EntryType.Normal || e.data.length === 0) continue;
    for (const op of decodeStorageCommand(e.data)) {
      if (op.kind === 'put') state.set(op.key, Buffer.from(op.value).toString('hex'));
      else state.delete(op.key);
    }
  }
  return [...state.entries()].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** Index of the entry that put `key`, per the log. */
function putIndexes(entries: readonly Entry[]): Map<string, number> {
  const at = new Map<string, number>();
  for (const e of entries) {
    if (e.type !== EntryType.Normal || e.data.length === 0) continue;
    for (const op of decodeStorageCommand(e.data))
      if (op.kind === 'put' && !at.has(op.key)) at.set(op.key, e.index);
  }
  return at;
}

async function readLog(dir: string): Promise<Entry[]> {
  const store = new LevelLogStore(join(dir, 'log'));
  try {
    return [...(await store.open()).entries];
  } finally {
    await store.close();
  }
}

void describe('raft storage after a kill', () => {
  void it('SIGKILL mid-write: the FSM holds exactly the applied prefix, acknowledged writes included, and nothing is re-applied', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'coffer-raft-kill-'));
    roots.push(dir);
    const child = fork(fileURLToPath(new URL('./kill-writer.ts', import.meta.url)), [dir], {
      execArgv: ['--conditions=source', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.add(child);
    const acked: string[] = [];
    child.on('message', (m: KillWriterMessage) => {
      if (m.ack !== undefined) acked.push(m.ack);
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 60_000;
    while (acked.length < 600) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`writer made no progress (${acked.length} acks)`);
      await sleep(5);
    }
    child.kill('SIGKILL');
    await exited;

    // 1. As the kill left it: the FSM is the fold of exactly the log prefix it says it applied.
    const log = await readLog(dir);
    const fsm = await RaftFsm.open({ dir });
    const applied = await fsm.appliedIndex();
    const state = await dump(fsm);
    await fsm.close();
    assert.ok(
      applied > 0 && applied <= (log.at(-1)?.index ?? 0),
      `applied ${applied}, log ends at ${log.at(-1)?.index}`,
    );
    assert.deepEqual(state, fold(log, applied), 'FSM state = log prefix 1..applied');
    // Every acknowledged write was applied (durably) before it was acknowledged.
    const putAt = putIndexes(log);
    for (const key of acked) {
      const index = putAt.get(key);
      assert.ok(
        index !== undefined && index <= applied,
        `acknowledged ${key} at ${index}, applied ${applied}`,
      );
    }

    // 2. Restarted: raft applies only what follows the applied index, and ends at the whole log.
    const storage = await openRaftStorage({
      dir,
      nodeId: 'solo',
      transport: new MemoryNetwork().transport('solo'),
      peers: { solo: 'mem://solo' },
      tickMs: 0,
      snapshotThreshold: 1_000_000,
    });
    storages.add(storage);
    storage.raftNode.campaign();
    const last = log.at(-1)!.index;
    const waitUntil = Date.now() + 15_000;
    while (!(storage.raftNode.role === Role.Leader && storage.fsm.applied > last)) {
      if (Date.now() > waitUntil)
        throw new Error(`restart did not apply past ${last} (applied ${storage.fsm.applied})`);
      await sleep(2);
    }
    assert.equal(storage.fsm.duplicatesSkipped, 0);
    assert.equal(
      storage.raftNode.status().metrics.entriesApplied,
      storage.fsm.applied - applied,
      'only entries after the applied index were applied',
    );
    assert.deepEqual(await dump(storage.fsm), fold(log, last));
    await storage.close();
  });
});
