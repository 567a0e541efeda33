/**
 * Child process of raft-storage-kill.test.ts, run as
 *   node --conditions=source --import tsx kill-writer.ts <dir>
 * A single-node raft storage in <dir> that writes forever (8 concurrent writers: puts, and every
 * fourth write a transaction that also deletes) and reports each acknowledged put key to the
 * parent over IPC ({ ack: key }), until the parent SIGKILLs it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryNetwork, Role } from '@coffer/raft';
import { openRaftStorage } from '../../src/raft-storage/open-raft-storage.js';

export interface KillWriterMessage {
  readonly ready?: true;
  readonly ack?: string;
}

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: kill-writer.ts <dir>');
const send = (m: KillWriterMessage): void => {
  process.send?.(m);
};
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

const storage = await openRaftStorage({
  dir,
  nodeId: 'solo',
  transport: new MemoryNetwork().transport('solo'),
  peers: { solo: 'mem://solo' },
  tickMs: 0,
  snapshotThreshold: 1_000_000,
});
storage.raftNode.campaign();
while (storage.raftNode.role !== Role.Leader) await sleep(1);
send({ ready: true });

async function writer(j: number): Promise<void> {
  for (let seq = 0; ; seq++) {
    const key = `w${j}/${String(seq).padStart(6, '0')}`;
    if (seq % 4 === 3) {
      await storage.backend.transaction([
        { kind: 'put', key, value: bytes(`v${j}-${seq}`) },
        { kind: 'put', key: `last/${j}`, value: bytes(key) },
        { kind: 'delete', key: `w${j}/${String(seq - 2).padStart(6, '0')}` },
      ]);
    } else {
      await storage.backend.put(key, bytes(`v${j}-${seq}`));
    }
    send({ ack: key });
  }
}

await Promise.all(Array.from({ length: 8 }, (_, j) => writer(j)));
