/**
 * The FSM side of a restore proposed through the raft log (restore-command.ts): begin → chunks →
 * commit replaces the state (keeping the cluster-local prefixes), abort and a newer begin drop a
 * pending restore, every step replays safely after a crash (reopen with the same entries), and a
 * crash at each point of the commit leaves the old or the new state, never a mix.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { TxnOp } from '@coffer/barrier';
import { EntryType, type Entry } from '@coffer/raft';
import {
  RaftFsm,
  SimulatedCrashError,
  type FsmChange,
  type RestoreCrashPoint,
} from '../../src/raft-storage/raft-fsm.js';
import {
  decodeRestoreCommand,
  encodeRestoreCommand,
  type RestoreCommand,
} from '../../src/raft-storage/restore-command.js';
import { RaftStorageError } from '../../src/raft-storage/raft-storage-error.js';
import { encodeStorageCommand } from '../../src/raft-storage/storage-command.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const roots: string[] = [];
after(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

async function newDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-fsm-log-restore-'));
  roots.push(dir);
  return dir;
}

const KEEPS = ['core/cluster/nodes/', 'core/cluster/ca'];
const open = (dir: string, restoreCrashAt?: RestoreCrashPoint): Promise<RaftFsm> =>
  RaftFsm.open({ dir, restoreKeeps: KEEPS, ...(restoreCrashAt === undefined ? {} : { restoreCrashAt }) });

const put = (key: string, value: string): TxnOp => ({ kind: 'put', key, value: bytes(value) });
const write = (index: number, ops: readonly TxnOp[]): Entry => ({
  index,
  term: 1,
  type: EntryType.Normal,
  data: encodeStorageCommand(ops),
});
const restoreEntry = (index: number, c: RestoreCommand): Entry => ({
  index,
  term: 2,
  type: EntryType.Normal,
  data: encodeRestoreCommand(c),
});
const chunk = (index: number, id: string, pairs: Record<string, string>): Entry =>
  restoreEntry(index, {
    kind: 'chunk',
    id,
    entries: Object.entries(pairs).map(([key, v]) => ({ key, value: bytes(v) })),
  });

async function state(fsm: RaftFsm): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const e of fsm.entries()) out[e.key] = Buffer.from(e.value).toString();
  return out;
}

const OLD = { a: 'old-a', b: 'old-b', 'core/cluster/nodes/n1': 'node-n1', 'core/cluster/ca': 'ca-live' };
const AFTER = { a: 'new-a', c: 'new-c', 'core/cluster/nodes/n1': 'node-n1', 'core/cluster/ca': 'ca-live' };

async function seeded(dir: string, restoreCrashAt?: RestoreCrashPoint): Promise<RaftFsm> {
  const fsm = await open(dir, restoreCrashAt);
  await fsm.apply([
    write(
      1,
      Object.entries(OLD).map(([k, v]) => put(k, v)),
    ),
  ]);
  return fsm;
}

/** begin(2), chunk(3, incl. a snapshot copy of a kept key, ignored), chunk(4), commit(5). */
const restoreEntries = (id: string): Entry[] => [
  restoreEntry(2, { kind: 'begin', id }),
  chunk(3, id, { a: 'new-a', 'core/cluster/ca': 'ca-from-snapshot' }),
  chunk(4, id, { c: 'new-c' }),
  restoreEntry(5, { kind: 'commit', id }),
];

void describe('restore through the raft log (FSM)', () => {
  void it('encodes and decodes every command kind; rejects corrupt ones', () => {
    for (const c of [
      { kind: 'begin', id: 'abc', force: false },
      { kind: 'begin', id: 'abc', force: true },
      { kind: 'commit', id: 'abc' },
      { kind: 'abort', id: 'abc' },
    ] as const) {
      assert.deepEqual(decodeRestoreCommand(encodeRestoreCommand(c)), c);
    }
    const ch = decodeRestoreCommand(
      encodeRestoreCommand({ kind: 'chunk', id: 'x1', entries: [{ key: 'k/ü', value: bytes('v') }] }),
    );
    assert.equal(ch.kind, 'chunk');
    assert.deepEqual(
      ch.kind === 'chunk' ? ch.entries.map((e) => [e.key, Buffer.from(e.value).toString()]) : [],
      [['k/ü', 'v']],
    );
    const good = Buffer.from(
      encodeRestoreCommand({ kind: 'chunk', id: 'x1', entries: [{ key: 'k', value: bytes('v') }] }),
    );
    assert.throws(() => decodeRestoreCommand(good.subarray(0, good.length - 1)), RaftStorageError);
    assert.throws(() => decodeRestoreCommand(Buffer.concat([good, Buffer.from([0])])), RaftStorageError);
    assert.throws(() => encodeRestoreCommand({ kind: 'begin', id: 'Bad!' }), RangeError);
  });

  void it('begin → chunks → commit replaces the state, keeps the cluster-local keys, applied = commit index', async () => {
    const dir = await newDir();
    const fsm = await seeded(dir);
    const changes: FsmChange[] = [];
    fsm.on('change', (c) => changes.push(c));
    await fsm.apply(restoreEntries('r1'));
    assert.deepEqual(await state(fsm), AFTER);
    assert.equal(fsm.applied, 5);
    assert.equal(fsm.pendingRestore, undefined);
    assert.deepEqual(changes, [{ kind: 'restore', index: 5, force: false }]);
    await fsm.close();
    assert.deepEqual((await readdir(dir)).sort(), ['fsm']);
  });

  void it('abort, or a newer begin, drops a pending restore; a commit of an unknown id changes nothing', async () => {
    const dir = await newDir();
    const fsm = await seeded(dir);
    await fsm.apply(restoreEntries('r1').slice(0, 2));
    assert.equal(fsm.pendingRestore, 'r1');
    assert.equal(fsm.snapshotAllowed(), false, 'no raft compaction while chunks live only in the log');
    assert.deepEqual(await state(fsm), OLD, 'nothing visible before the commit');
    await fsm.apply([
      restoreEntry(4, { kind: 'abort', id: 'r1' }),
      restoreEntry(5, { kind: 'commit', id: 'r1' }),
    ]);
    assert.equal(fsm.pendingRestore, undefined);
    assert.equal(fsm.snapshotAllowed(), true);
    assert.deepEqual(await state(fsm), OLD);
    await fsm.apply([
      restoreEntry(6, { kind: 'begin', id: 'r2' }),
      restoreEntry(7, { kind: 'begin', id: 'r3' }),
      chunk(8, 'r2', { z: 'z' }),
      restoreEntry(9, { kind: 'commit', id: 'r2' }),
    ]);
    assert.equal(fsm.pendingRestore, 'r3');
    assert.deepEqual(await state(fsm), OLD);
    assert.equal(fsm.applied, 9);
    await fsm.close();
  });

  void it('a crash after any step replays safely: the same entries again give the same state', async () => {
    const entries = restoreEntries('r1');
    for (let crashAfter = 1; crashAfter < entries.length; crashAfter++) {
      const dir = await newDir();
      let fsm = await seeded(dir);
      await fsm.apply(entries.slice(0, crashAfter));
      await fsm.close();
      fsm = await open(dir);
      assert.equal(fsm.pendingRestore, 'r1', `pending after ${crashAfter} steps`);
      // Raft re-delivers from the last applied index on; older entries are skipped.
      await fsm.apply(entries);
      assert.deepEqual(await state(fsm), AFTER, `after a crash after ${crashAfter} steps`);
      assert.equal(fsm.applied, 5);
      await fsm.close();
    }
  });

  for (const point of ['staged', 'committed', 'moved-aside'] as const) {
    void it(`a crash in the commit (${point}) leaves the old or the new state, and replay finishes it`, async () => {
      const dir = await newDir();
      const fsm = await seeded(dir, point);
      await assert.rejects(fsm.apply(restoreEntries('r1')), SimulatedCrashError);
      await fsm.close().catch(() => undefined);
      const reopened = await open(dir);
      const s = await state(reopened);
      if (point === 'staged') {
        assert.deepEqual(s, OLD);
        assert.equal(reopened.pendingRestore, 'r1');
        assert.equal(reopened.applied, 4);
      } else {
        assert.deepEqual(s, AFTER);
        assert.equal(reopened.applied, 5);
      }
      await reopened.apply(restoreEntries('r1'));
      assert.deepEqual(await state(reopened), AFTER);
      await reopened.close();
    });
  }
});
