import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EntryType } from '../../src/core/types.js';
import type { Entry, SnapshotMetadata } from '../../src/core/types.js';
import type { LogStore } from '../../src/storage/log-store.js';

/** Creates a fresh store; `reopen` returns a new handle on the same durable state (a restart). */
export interface LogStoreHarness {
  create(): Promise<{ store: LogStore; reopen: () => LogStore; cleanup: () => Promise<void> }>;
}

function ents(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++)
    out.push({ index: i, term, type: EntryType.Normal, data: new TextEncoder().encode(`e${i}t${term}`) });
  return out;
}

const conf = { voters: ['a', 'b', 'c'], learners: [] };

/** The LogStore conformance suite: every implementation must pass it. */
export function logStoreSuite(name: string, harness: LogStoreHarness): void {
  void describe(`LogStore conformance: ${name}`, () => {
    async function withStore(
      fn: (store: LogStore, reopen: () => Promise<LogStore>) => Promise<void>,
    ): Promise<void> {
      const h = await harness.create();
      let current = h.store;
      try {
        await current.open();
        await fn(current, async () => {
          await current.close();
          current = h.reopen();
          return current;
        });
      } finally {
        await current.close();
        await h.cleanup();
      }
    }

    void it('starts empty', async () => {
      const h = await harness.create();
      try {
        const state = await h.store.open();
        assert.deepEqual(state.hardState, { term: 0, vote: '', commit: 0 });
        assert.equal(state.snapshot, undefined);
        assert.equal(state.appliedConf, undefined);
        assert.deepEqual(state.entries, []);
        assert.equal(h.store.firstIndex(), 1);
        assert.equal(h.store.lastIndex(), 0);
      } finally {
        await h.store.close();
        await h.cleanup();
      }
    });

    void it('recovers entries, hard state and applied conf after a restart', async () => {
      await withStore(async (store, reopen) => {
        await store.write({ entries: ents(1, 5, 1), hardState: { term: 1, vote: 'a', commit: 3 } });
        await store.write({ appliedConf: { index: 2, confState: conf } });
        const again = await reopen();
        const state = await again.open();
        assert.deepEqual(state.entries, ents(1, 5, 1));
        assert.deepEqual(state.hardState, { term: 1, vote: 'a', commit: 3 });
        assert.deepEqual(state.appliedConf, { index: 2, confState: conf });
        assert.equal(again.firstIndex(), 1);
        assert.equal(again.lastIndex(), 5);
      });
    });

    void it('truncates the conflicting suffix when entries overwrite', async () => {
      await withStore(async (store, reopen) => {
        await store.write({ entries: ents(1, 10, 1) });
        await store.write({ entries: ents(6, 7, 2) });
        assert.equal(store.lastIndex(), 7);
        const state = await (await reopen()).open();
        assert.deepEqual(state.entries, [...ents(1, 5, 1), ...ents(6, 7, 2)]);
      });
    });

    void it('overwrites from the first index', async () => {
      await withStore(async (store, reopen) => {
        await store.write({ entries: ents(1, 3, 1) });
        await store.write({ entries: ents(1, 2, 3) });
        const state = await (await reopen()).open();
        assert.deepEqual(state.entries, ents(1, 2, 3));
      });
    });

    void it('rejects entries that leave a gap', async () => {
      await withStore(async (store) => {
        await store.write({ entries: ents(1, 3, 1) });
        await assert.rejects(store.write({ entries: ents(5, 6, 1) }), RangeError);
        assert.equal(store.lastIndex(), 3);
      });
    });

    void it('compacts below an index, keeping the anchor entry and trailing logs', async () => {
      await withStore(async (store, reopen) => {
        await store.write({ entries: ents(1, 100, 1), hardState: { term: 1, vote: 'a', commit: 100 } });
        const snap: SnapshotMetadata = { index: 90, term: 1, confState: conf };
        await store.compact(snap, 81);
        assert.equal(store.firstIndex(), 81);
        assert.equal(store.lastIndex(), 100);
        const again = await reopen();
        const state = await again.open();
        assert.deepEqual(state.snapshot, snap);
        assert.deepEqual(state.entries, ents(81, 100, 1));
        assert.equal(again.firstIndex(), 81);
        await assert.rejects(again.compact(snap, 95), RangeError);
        await again.compact({ ...snap, index: 95 }, 95);
        assert.equal(again.firstIndex(), 95);
        assert.deepEqual((await (await reopen()).open()).entries, ents(95, 100, 1));
      });
    });

    void it('an installed snapshot replaces the whole log', async () => {
      await withStore(async (store, reopen) => {
        await store.write({ entries: ents(1, 20, 1) });
        const snap: SnapshotMetadata = { index: 50, term: 3, confState: conf };
        await store.write({ snapshot: snap, hardState: { term: 3, vote: '', commit: 50 } });
        assert.equal(store.firstIndex(), 51);
        assert.equal(store.lastIndex(), 50);
        await store.write({ entries: ents(51, 52, 3) });
        const state = await (await reopen()).open();
        assert.deepEqual(state.snapshot, snap);
        assert.deepEqual(state.entries, ents(51, 52, 3));
        assert.deepEqual(state.hardState, { term: 3, vote: '', commit: 50 });
      });
    });

    void it('a local snapshot older than an installed one does not replace its record', async () => {
      await withStore(async (store, reopen) => {
        await store.write({ entries: ents(1, 30, 1) });
        const installed: SnapshotMetadata = { index: 50, term: 2, confState: conf };
        const local: SnapshotMetadata = { index: 25, term: 1, confState: conf };
        // The local snapshot was taken at 25 while the leader's snapshot at 50 was being
        // installed; its compaction lands after the install was recorded.
        const install = store.write({ snapshot: installed, hardState: { term: 2, vote: '', commit: 50 } });
        const compact = store.compact(local, 20);
        await Promise.all([install, compact]);
        await store.write({ entries: ents(51, 52, 2) });
        assert.equal(store.firstIndex(), 51);
        const state = await (await reopen()).open();
        assert.deepEqual(state.snapshot, installed);
        assert.deepEqual(state.entries, ents(51, 52, 2));
      });
    });

    void it('rejects entries at or before the snapshot index', async () => {
      await withStore(async (store) => {
        await store.write({ snapshot: { index: 10, term: 1, confState: conf } });
        await assert.rejects(store.write({ entries: ents(10, 11, 1) }), RangeError);
      });
    });

    void it('keeps binary payloads and conf-change entries intact', async () => {
      await withStore(async (store, reopen) => {
        const data = new Uint8Array(1000);
        for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
        const e: Entry[] = [
          { index: 1, term: 2 ** 40, type: EntryType.ConfChange, data },
          { index: 2, term: 2 ** 40, type: EntryType.Normal, data: new Uint8Array(0) },
        ];
        await store.write({ entries: e });
        const state = await (await reopen()).open();
        assert.deepEqual(state.entries, e);
      });
    });

    void it('serializes concurrent writes in call order', async () => {
      await withStore(async (store, reopen) => {
        const writes: Promise<void>[] = [];
        for (let i = 1; i <= 50; i++)
          writes.push(store.write({ entries: ents(i, i, 1), hardState: { term: 1, vote: '', commit: i } }));
        await Promise.all(writes);
        const state = await (await reopen()).open();
        assert.deepEqual(state.entries, ents(1, 50, 1));
        assert.equal(state.hardState.commit, 50);
      });
    });
  });
}
