import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runBackendConformance } from '@coffer/barrier/conformance';
import { FileBackend } from '../src/file-backend.js';

function fileHarness(compression: boolean) {
  let dir: string | undefined;
  return {
    create: async () => {
      dir = await mkdtemp(join(tmpdir(), 'coffer-file-backend-'));
      return FileBackend.open({ path: dir, compression });
    },
    reopen: async () => {
      assert.ok(dir);
      return FileBackend.open({ path: dir, compression });
    },
    cleanup: async () => {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
      dir = undefined;
    },
  };
}

runBackendConformance('file', fileHarness(true));
runBackendConformance('file (compression off)', fileHarness(false));

void describe('FileBackend', () => {
  void it('lists a folder with a large subtree by seeking past sub-folders', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'coffer-file-backend-'));
    const b = await FileBackend.open({ path: dir });
    try {
      const txn = b.transaction.bind(b);
      const value = new Uint8Array([1]);
      // 3 sub-folders of 2,000 keys each, plus siblings whose names sort between and after them.
      for (const folder of ['a', 'b', 'ü']) {
        await txn(
          Array.from({ length: 2000 }, (_, i) => ({
            kind: 'put' as const,
            key: `big/${folder}/${i}`,
            value,
          })),
        );
      }
      for (const k of ['big/a0', 'big/a.', 'big/b', 'big/日', 'big/ü-', 'bigger']) await b.put(k, value);
      assert.deepEqual(await b.list('big/'), ['a.', 'a/', 'a0', 'b', 'b/', 'ü-', 'ü/', '日']);
      assert.deepEqual(await b.list(''), ['big/', 'bigger']);
      assert.equal((await b.list('big/ü/')).length, 2000);
    } finally {
      await b.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  void it('refuses a second open of the same directory while the first is open', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'coffer-file-backend-'));
    const b = await FileBackend.open({ path: dir });
    try {
      await assert.rejects(FileBackend.open({ path: dir }));
    } finally {
      await b.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
