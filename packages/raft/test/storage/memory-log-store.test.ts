import { MemoryLogStore } from '../../src/storage/memory-log-store.js';
import { logStoreSuite } from './log-store-suite.js';

logStoreSuite('MemoryLogStore', {
  async create() {
    const store = new MemoryLogStore();
    return { store, reopen: () => store, cleanup: async () => {} };
  },
});
