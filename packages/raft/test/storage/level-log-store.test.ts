import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ClassicLevel } from 'classic-level';
import { EntryType } from '../../src/core/types.js';
import { entryKey } from '../../src/storage/level-log-format.js';
import { LevelLogStore } from '../../src/storage/level-log-store.js';
import { LogCorruptionError } from '../../src/storage/log-corruption-error.js';
import { logStoreSuite } from './log-store-suite.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-logstore-'));
  dirs.push(dir);
  return dir;
}
void after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

logStoreSuite('LevelLogStore', {
  async create() {
    const dir = await tempDir();
    return {
      store: new LevelLogStore(dir),
      reopen: () => new LevelLogStore(dir),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
});

void describe('LevelLogStore corruption', () => {
  async function seeded(): Promise<string> {
    const dir = await tempDir();
    const store = new LevelLogStore(dir);
    await store.open();
    const entries = [1, 2, 3].map((index) => ({
      index,
      term: 1,
      type: EntryType.Normal,
      data: new Uint8Array([index, 7, 7]),
    }));
    await store.write({ entries, hardState: { term: 1, vote: 'a', commit: 2 } });
    await store.close();
    return dir;
  }

  async function tamper(dir: string, fn: (db: ClassicLevel<Buffer, Buffer>) => Promise<void>): Promise<void> {
    const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    try {
      await fn(db);
    } finally {
      await db.close();
    }
  }

  async function openFails(dir: string, location: string): Promise<void> {
    const store = new LevelLogStore(dir);
    try {
      await assert.rejects(
        store.open(),
        (err: unknown) =>
          err instanceof LogCorruptionError && err.code === 'raft_log_corrupt' && err.location === location,
      );
    } finally {
      await store.close();
    }
  }

  void it('a flipped bit in an entry payload is detected on open', async () => {
    const dir = await seeded();
    await tamper(dir, async (db) => {
      const value = (await db.get(entryKey(2)))!;
      value[value.length - 1]! ^= 0x01;
      await db.put(entryKey(2), value);
    });
    await openFails(dir, 'entry 2');
  });

  void it('an entry record moved to another index is detected', async () => {
    const dir = await seeded();
    await tamper(dir, async (db) => {
      await db.put(entryKey(3), (await db.get(entryKey(1)))!);
    });
    await openFails(dir, 'entry 3');
  });

  void it('a gap in the log is detected', async () => {
    const dir = await seeded();
    await tamper(dir, (db) => db.del(entryKey(2)));
    await openFails(dir, 'entry 2');
  });

  void it('a corrupt hard state is detected', async () => {
    const dir = await seeded();
    await tamper(dir, async (db) => {
      const key = Buffer.from([0x01, 0x48]);
      const value = (await db.get(key))!;
      value[6]! ^= 0x20;
      await db.put(key, value);
    });
    await openFails(dir, 'hard state');
  });
});

/** Writes entries 1..12,000 of 1 KiB incompressible data: 12 MiB, beyond the 4 MiB memtable. */
async function fillLog(store: LevelLogStore): Promise<void> {
  for (let start = 1; start <= 12_000; start += 200) {
    const entries = Array.from({ length: 200 }, (_, i) => ({
      index: start + i,
      term: 1,
      type: EntryType.Normal,
      data: randomBytes(1024),
    }));
    await store.write({ entries, hardState: { term: 1, vote: 'a', commit: start + 199 } });
  }
}

/** Bytes LevelDB's tables hold for entry keys in [from, to). */
async function entryBytes(dir: string, from: number, to: number): Promise<number> {
  const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  try {
    return await db.approximateSize(entryKey(from), entryKey(to));
  } finally {
    await db.close();
  }
}

void describe('LevelLogStore space', () => {
  void it('frees the bytes of compacted entries (not only their keys)', async () => {
    const dir = await tempDir();
    const store = new LevelLogStore(dir);
    await store.open();
    await fillLog(store);
    const snap = { index: 11_000, term: 1, confState: { voters: ['a'], learners: [] } };
    await store.compact(snap, 11_000);
    await store.close(); // waits for the reclaim
    const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    try {
      const dropped = await db.approximateSize(entryKey(1), entryKey(11_000));
      const kept = await db.approximateSize(entryKey(11_000), entryKey(12_001));
      assert.ok(dropped < 256 * 1024, `compacted entries still take ${dropped} bytes on disk`);
      assert.equal(await db.get(entryKey(10_999)), undefined);
      assert.ok((await db.get(entryKey(11_000))) !== undefined);
      assert.ok(kept > 900 * 1024, `the kept entries take only ${kept} bytes`);
    } finally {
      await db.close();
    }
    const again = new LevelLogStore(dir);
    const state = await again.open();
    try {
      assert.equal(again.firstIndex(), 11_000);
      assert.equal(again.lastIndex(), 12_000);
      assert.equal(state.snapshot?.index, 11_000);
    } finally {
      await again.close();
    }
  });

  void it('frees the bytes of a log replaced by an installed snapshot', async () => {
    const dir = await tempDir();
    const store = new LevelLogStore(dir);
    await store.open();
    await fillLog(store);
    const snapshot = { index: 20_000, term: 2, confState: { voters: ['a'], learners: [] } };
    await store.write({ snapshot, hardState: { term: 2, vote: 'a', commit: 20_000 } });
    await store.close(); // waits for the reclaim
    const left = await entryBytes(dir, 1, 12_001);
    assert.ok(left < 256 * 1024, `the replaced log still takes ${left} bytes on disk`);
  });
});
