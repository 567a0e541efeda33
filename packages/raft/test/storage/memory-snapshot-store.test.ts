import { MemorySnapshotStore } from '../../src/storage/memory-snapshot-store.js';
import { snapshotStoreSuite } from './snapshot-store-suite.js';

snapshotStoreSuite('MemorySnapshotStore', {
  async create() {
    const store = new MemorySnapshotStore();
    return { store, reopen: () => store, cleanup: async () => {} };
  },
});
