import type { SnapshotMeta } from '../../src/snapshot-meta.js';

/** Metadata as the raft layer would pass it, with `overrides` applied. */
export function testMeta(overrides: Partial<SnapshotMeta> = {}): SnapshotMeta {
  return {
    index: 4242,
    term: 7,
    configuration: {
      servers: [
        { id: 'node-1', address: '10.0.0.1:8201', suffrage: 'voter' },
        { id: 'node-2', address: '10.0.0.2:8201', suffrage: 'voter' },
        { id: 'node-3', address: '10.0.0.3:8201', suffrage: 'nonvoter' },
      ],
    },
    createdAt: '2024-05-06T07:08:09.123Z',
    keyringFingerprint: 'a3f1c2d4e5b6a7980123456789abcdef0123456789abcdef0123456789abcdef',
    meta: { cluster_id: 'c-123', reason: 'manual', labels: { env: 'test' } },
    ...overrides,
  };
}
