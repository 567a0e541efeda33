import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileSnapshotStore } from '../../src/storage/file-snapshot-store.js';
import { LogCorruptionError } from '../../src/storage/log-corruption-error.js';
import { snapshotStoreSuite } from './snapshot-store-suite.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-snapstore-'));
  dirs.push(dir);
  return dir;
}
void after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

snapshotStoreSuite('FileSnapshotStore', {
  async create() {
    const dir = await tempDir();
    return {
      store: new FileSnapshotStore(dir),
      reopen: () => new FileSnapshotStore(dir),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
});

void describe('FileSnapshotStore on disk', () => {
  const meta = { index: 7, term: 3, confState: { voters: ['a'], learners: [] } };

  void it('deletes incomplete snapshots (no .meta) on open', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, '0000000000000003-0000000000000009.snap.tmp'), 'partial');
    await writeFile(join(dir, '0000000000000003-0000000000000009.snap'), 'no meta');
    const store = new FileSnapshotStore(dir);
    assert.deepEqual(await store.open(), []);
    assert.deepEqual(await readdir(dir), []);
  });

  void it('a write whose stream fails leaves no file behind', async () => {
    const dir = await tempDir();
    const store = new FileSnapshotStore(dir);
    await store.open();
    async function* broken(): AsyncIterable<Uint8Array> {
      yield new Uint8Array(100_000);
      throw new Error('sender went away');
    }
    await assert.rejects(store.write(meta, broken()), /sender went away/);
    assert.deepEqual(await readdir(dir), []);
  });

  void it('retain waits for a commit of the same snapshot under way', async () => {
    const dir = await tempDir();
    const store = new FileSnapshotStore(dir);
    await store.open();
    const older = { ...meta, index: 5 };
    await store.write(older, new Uint8Array([1]));
    // The older snapshot arrives again while retention deletes it: whichever runs first, the
    // store must end up consistent (held ⇔ both files on disk).
    await Promise.all([
      store.retain(meta),
      store.write(older, new Uint8Array([2])),
      store.write(meta, new Uint8Array([3])),
    ]);
    const files = (await readdir(dir)).sort();
    const base = '0000000000000003-0000000000000005';
    assert.equal(files.includes(`${base}.snap`), store.has(older), `files ${files.join(' ')}`);
    assert.equal(files.includes(`${base}.meta`), store.has(older), `files ${files.join(' ')}`);
    await store.close();
    const again = new FileSnapshotStore(dir);
    await again.open();
  });

  void it('detects corrupted bytes while streaming', async () => {
    const dir = await tempDir();
    const store = new FileSnapshotStore(dir);
    await store.open();
    await store.write(meta, new Uint8Array([1, 2, 3, 4]));
    await writeFile(join(dir, '0000000000000003-0000000000000007.snap'), new Uint8Array([1, 2, 3, 5]));
    await assert.rejects(async () => {
      for await (const _ of store.read(meta)) void _;
    }, LogCorruptionError);
  });
});
