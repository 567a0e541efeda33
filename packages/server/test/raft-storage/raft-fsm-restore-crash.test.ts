import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TxnOp } from '@coffer/barrier';
import { EntryType } from '@coffer/raft';
import type { SnapshotMetadata } from '@coffer/raft';
import { SnapshotError } from '@coffer/snapshot';
import { RaftFsm, SimulatedCrashError } from '../../src/raft-storage/raft-fsm.js';
import type { RestoreCrashPoint } from '../../src/raft-storage/raft-fsm.js';
import { encodeStorageCommand } from '../../src/raft-storage/storage-command.js';
import { FIXED_CLOCK, dump } from './raft-storage-cluster.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const put = (key: string, value: string): TxnOp => ({ kind: 'put', key, value: bytes(value) });

const roots: string[] = [];
const open = new Set<RaftFsm>();
void after(async () => {
  for (const f of open) await f.close().catch(() => undefined);
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

async function newDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-raft-fsm-crash-'));
  roots.push(dir);
  return dir;
}

async function openFsm(dir: string, restoreCrashAt?: RestoreCrashPoint): Promise<RaftFsm> {
  const fsm = await RaftFsm.open({ dir, clock: FIXED_CLOCK, restoreCrashAt });
  open.add(fsm);
  return fsm;
}

async function* chunks(data: Buffer, size = 777): AsyncIterable<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

const NEW_META: SnapshotMetadata = { index: 40, term: 3, confState: { voters: ['a'], learners: [] } };

/** The old state: 500 keys at index 10. */
async function writeOld(fsm: RaftFsm): Promise<void> {
  const ops = Array.from({ length: 500 }, (_, i) => put(`s/${String(i).padStart(3, '0')}`, `old-${i}`));
  await fsm.apply([
    { index: 1, term: 1, type: EntryType.Normal, data: encodeStorageCommand(ops) },
    ...Array.from({ length: 9 }, (_, i) => ({
      index: i + 2,
      term: 1,
      type: EntryType.Normal,
      data: new Uint8Array(0),
    })),
  ]);
}

let archive: Buffer;
let oldState: [string, string][];
let newState: [string, string][];

async function leftovers(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n !== 'fsm').sort();
}

void describe('RaftFsm restore crash safety', () => {
  before(async () => {
    // The new state: a different key set (overlapping, with some keys gone), at index 40.
    const source = await openFsm(await newDir());
    const ops = Array.from({ length: 700 }, (_, i) =>
      put(`s/${String(i + 250).padStart(3, '0')}`, `new-${i}`),
    );
    await source.apply([
      { index: 1, term: 1, type: EntryType.Normal, data: encodeStorageCommand(ops) },
      ...Array.from({ length: 39 }, (_, i) => ({
        index: i + 2,
        term: 3,
        type: EntryType.Normal,
        data: new Uint8Array(0),
      })),
    ]);
    const parts: Buffer[] = [];
    for await (const c of await source.snapshot()) parts.push(Buffer.from(c));
    archive = Buffer.concat(parts);
    newState = await dump(source);
    const reference = await openFsm(await newDir());
    await writeOld(reference);
    oldState = await dump(reference);
    assert.notDeepEqual(oldState, newState);
  });

  /** What the directory holds at each crash point (`fsm.restore-*` etc. with the suffix cut). */
  const cases: readonly { point: RestoreCrashPoint; expect: 'old' | 'new'; files: string[] }[] = [
    { point: 'staged', expect: 'old', files: ['fsm', 'fsm.restore-'] },
    { point: 'committed', expect: 'new', files: ['fsm', 'fsm.restore-', 'fsm.swap'] },
    { point: 'moved-aside', expect: 'new', files: ['fsm.old-', 'fsm.restore-', 'fsm.swap'] },
  ];
  for (const { point, expect, files } of cases) {
    void it(`a crash at "${point}" reopens with the ${expect} state, whole`, async () => {
      const dir = await newDir();
      const fsm = await openFsm(dir, point);
      await writeOld(fsm);
      await assert.rejects(
        fsm.restore(chunks(archive), NEW_META),
        (err: unknown) => err instanceof SimulatedCrashError && err.point === point,
      );
      // The "process" is gone: nothing more happens to the files; release the LevelDB lock.
      await fsm.close();
      open.delete(fsm);
      assert.deepEqual((await readdir(dir)).map((n) => n.replace(/-[0-9a-z-]+$/, '-')).sort(), files);

      const again = await openFsm(dir);
      assert.deepEqual(await dump(again), expect === 'old' ? oldState : newState);
      assert.equal(await again.appliedIndex(), expect === 'old' ? 10 : 40);
      assert.equal(again.appliedTerm, expect === 'old' ? 1 : 3);
      assert.deepEqual(
        await leftovers(dir),
        [],
        'staging, marker and moved-aside directories are cleaned up',
      );
    });
  }

  void it('a marker whose swap already finished is simply removed', async () => {
    const dir = await newDir();
    const fsm = await openFsm(dir);
    await writeOld(fsm);
    await fsm.restore(chunks(archive), NEW_META);
    await fsm.close();
    open.delete(fsm);
    // A crash after both renames, before the marker was deleted.
    await writeFile(join(dir, 'fsm.swap'), 'fsm.restore-1-1');
    const again = await openFsm(dir);
    assert.deepEqual(await dump(again), newState);
    assert.deepEqual(await leftovers(dir), []);
  });

  for (const damage of ['corrupt', 'truncated'] as const) {
    void it(`a ${damage} snapshot is refused before the commit point, leaving the old state in use`, async () => {
      const dir = await newDir();
      const fsm = await openFsm(dir);
      await writeOld(fsm);
      const bad = Buffer.from(archive);
      const data =
        damage === 'corrupt'
          ? (bad.writeUInt8(bad[bad.length >> 1]! ^ 0x40, bad.length >> 1), bad)
          : bad.subarray(0, bad.length - 100);
      await assert.rejects(fsm.restore(chunks(data), NEW_META), (err: unknown) =>
        SnapshotError.is(err, damage === 'corrupt' ? 'CHECKSUM_MISMATCH' : 'TRUNCATED'),
      );
      assert.deepEqual(await dump(fsm), oldState);
      assert.equal(fsm.applied, 10);
      assert.deepEqual(await leftovers(dir), []);
      // Still usable: a good restore afterwards succeeds.
      await fsm.restore(chunks(archive), NEW_META);
      assert.deepEqual(await dump(fsm), newState);
    });
  }
});
