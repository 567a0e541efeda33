import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LEADER_RECORD_KEY, readLeaderRecord, writeLeaderRecord } from '../../src/ha/cluster-records.js';
import { memoryStorage } from '../logical/memory-storage.js';

const decoder = new TextDecoder();

void describe('leader record', () => {
  void it('round-trips the active node addresses, with no forwarding address: standbys forward to cluster_addr', async () => {
    const storage = memoryStorage();
    const record = {
      nodeId: 'n1',
      term: 7,
      apiAddr: 'http://127.0.0.1:8200',
      clusterAddr: '127.0.0.1:8201',
      activeTime: new Date('2024-05-01T10:00:00.000Z'),
    };
    await writeLeaderRecord(storage, record);
    assert.deepEqual(await readLeaderRecord(storage), record);
    const raw = JSON.parse(decoder.decode(await storage.get(LEADER_RECORD_KEY))) as Record<string, unknown>;
    assert.deepEqual(Object.keys(raw).sort(), ['active_time', 'api_addr', 'cluster_addr', 'node_id', 'term']);
  });

  void it('reads a record written with the former second port, ignoring its forwarding_addr', async () => {
    const storage = memoryStorage();
    const old = {
      node_id: 'n1',
      term: 3,
      api_addr: 'http://127.0.0.1:8200',
      cluster_addr: '127.0.0.1:8201',
      forwarding_addr: '127.0.0.1:41234',
      active_time: '2024-05-01T10:00:00.000Z',
    };
    await storage.put(LEADER_RECORD_KEY, new TextEncoder().encode(JSON.stringify(old)));
    assert.deepEqual(await readLeaderRecord(storage), {
      nodeId: 'n1',
      term: 3,
      apiAddr: 'http://127.0.0.1:8200',
      clusterAddr: '127.0.0.1:8201',
      activeTime: new Date('2024-05-01T10:00:00.000Z'),
    });
  });
});
