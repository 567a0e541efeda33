import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runBackendConformance } from '@coffer/barrier/conformance';
import { MemoryNetwork, Role } from '@coffer/raft';
import { HaBackend } from '../../src/ha/ha-backend.js';
import {
  RaftFsm,
  RaftStorageError,
  openRaftStorage,
  type RaftStorage,
} from '../../src/raft-storage/index.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array | undefined): string | undefined =>
  b === undefined ? undefined : Buffer.from(b).toString('utf8');
const dirs: string[] = [];

after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A one-voter raft storage in `dir` (memory transport, manual ticks), elected leader. */
async function startRaft(dir: string): Promise<RaftStorage> {
  const storage = await openRaftStorage({
    dir,
    nodeId: 'a',
    transport: new MemoryNetwork({ seed: 1 }).transport('a'),
    peers: { a: 'mem://a' },
    tickMs: 0,
    electionTick: 10,
    heartbeatTick: 1,
    seed: 1,
  });
  storage.raftNode.campaign();
  for (let i = 0; i < 200 && storage.raftNode.role !== Role.Leader; i++)
    await new Promise((r) => setTimeout(r, 5));
  assert.equal(storage.raftNode.role, Role.Leader);
  return storage;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-ha-backend-'));
  dirs.push(dir);
  return dir;
}

void describe('HaBackend', () => {
  void it('reads the local FSM while raft is stopped and refuses writes (unavailable)', async () => {
    const dir = await tempDir();
    const raft = await startRaft(dir);
    await raft.backend.put('core/seal-config', text('{}'));
    await raft.close();
    const backend = new HaBackend(await RaftFsm.open({ dir }));
    try {
      assert.equal(str(await backend.get('core/seal-config')), '{}');
      assert.deepEqual(await backend.list('core/'), ['seal-config']);
      await assert.rejects(backend.put('x', text('1')), (e: unknown) =>
        RaftStorageError.is(e, 'unavailable'),
      );
      await assert.rejects(backend.delete('x'), (e: unknown) => RaftStorageError.is(e, 'unavailable'));
      await assert.rejects(backend.transaction([{ kind: 'put', key: 'x', value: text('1') }]), (e: unknown) =>
        RaftStorageError.is(e, 'unavailable'),
      );
    } finally {
      await backend.close();
    }
  });

  void it('switches to raft: linearizable reads by default, local reads inside runLocal', async () => {
    const dir = await tempDir();
    const backend = new HaBackend(await RaftFsm.open({ dir }));
    await backend.fsm?.close();
    const raft = await startRaft(dir);
    backend.useRaft(raft);
    try {
      await backend.put('a/b', text('v'));
      const before = raft.backend.readIndexRounds;
      assert.equal(str(await backend.get('a/b')), 'v');
      assert.ok(raft.backend.readIndexRounds > before, 'a default read waits for a ReadIndex round');
      const mid = raft.backend.readIndexRounds;
      assert.equal(str(await backend.runLocal(() => backend.get('a/b'))), 'v');
      assert.deepEqual(await backend.runLocal(async () => backend.list('a/')), ['b']);
      assert.equal(raft.backend.readIndexRounds, mid, 'runLocal reads skip the ReadIndex round');
      assert.equal(backend.storage, raft);
    } finally {
      await backend.close();
    }
    await assert.rejects(backend.get('a/b'), (e: unknown) => RaftStorageError.is(e, 'unavailable'));
  });
});

let conformanceDir = '';
runBackendConformance('ha backend over a running one-node raft', {
  create: async () => {
    conformanceDir = await mkdtemp(join(tmpdir(), 'coffer-ha-conf-'));
    const backend = new HaBackend(await RaftFsm.open({ dir: conformanceDir }));
    await backend.fsm?.close();
    backend.useRaft(await startRaft(conformanceDir));
    return backend;
  },
  reopen: async () => {
    const backend = new HaBackend(await RaftFsm.open({ dir: conformanceDir }));
    await backend.fsm?.close();
    backend.useRaft(await startRaft(conformanceDir));
    return backend;
  },
  cleanup: async () => {
    await rm(conformanceDir, { recursive: true, force: true });
  },
});
