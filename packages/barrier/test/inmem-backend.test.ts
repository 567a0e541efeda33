import { runBackendConformance } from '@coffer/barrier/conformance';
import { InmemBackend } from '../src/inmem-backend.js';

runBackendConformance('inmem', {
  create: async () => new InmemBackend(),
  cleanup: async () => {},
});
