/**
 * One member of the three-process cluster test, run as
 *   node --conditions=source --import tsx cluster-node.ts
 * with CLUSTER_NODE = {"id","dataDir","peers"} (peers: id → 127.0.0.1:port). A RaftNode over
 * GrpcTransport with a LevelDB log, and a state machine that appends every applied entry to
 * <dataDir>/applied.log as "index term value" lines. It answers the parent over IPC.
 */
import { open, readFile, rename, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EntryType } from '../../src/core/types.js';
import type { Entry, SnapshotMetadata } from '../../src/core/types.js';
import { RaftNode } from '../../src/node/raft-node.js';
import type { StateMachine } from '../../src/node/state-machine.js';
import { GrpcTransport } from '../../src/transport/grpc-transport.js';

export type ClusterRequest =
  | { id: number; kind: 'status' }
  | { id: number; kind: 'propose'; prefix: string; count: number; concurrency: number }
  | { id: number; kind: 'stop' };

export interface NodeStatus {
  readonly role: string;
  readonly leader: string;
  readonly term: number;
  readonly commit: number;
  readonly applied: number;
}

export type ClusterReply =
  | { id: number; kind: 'status'; status: NodeStatus }
  | { id: number; kind: 'proposed'; ok: number; errors: number; firstError: string }
  | { id: number; kind: 'stopped' }
  | { id: 0; kind: 'ready' };

interface Config {
  id: string;
  dataDir: string;
  peers: Record<string, string>;
}

const decoder = new TextDecoder();

/** Appends applied entries to a file; the file's last line is the durable applied index. */
class FileStateMachine implements StateMachine {
  readonly #path: string;
  #applied = 0;

  constructor(dataDir: string) {
    this.#path = join(dataDir, 'applied.log');
  }

  async appliedIndex(): Promise<number> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch {
      return 0;
    }
    // A kill in the middle of an append can leave a partial last line: drop it.
    const end = text.lastIndexOf('\n') + 1;
    if (end !== text.length) await truncate(this.#path, Buffer.byteLength(text.slice(0, end)));
    const lines = text
      .slice(0, end)
      .split('\n')
      .filter((l) => l !== '');
    const last = lines[lines.length - 1];
    this.#applied = last === undefined ? 0 : Number(last.split(' ')[0]);
    return this.#applied;
  }

  async apply(entries: readonly Entry[]): Promise<void> {
    let out = '';
    for (const e of entries) {
      if (e.index <= this.#applied) continue;
      this.#applied = e.index;
      // Every index is recorded (the file is the applied index); values only for data entries.
      const value = e.type === EntryType.Normal && e.data.length > 0 ? decoder.decode(e.data) : '-';
      out += `${e.index} ${e.term} ${value}\n`;
    }
    if (out === '') return;
    const fh = await open(this.#path, 'a');
    try {
      await fh.write(out);
    } finally {
      await fh.close();
    }
  }

  async snapshot(): Promise<Uint8Array> {
    return new Uint8Array(await readFile(this.#path));
  }

  async restore(data: AsyncIterable<Uint8Array>, meta: SnapshotMetadata): Promise<void> {
    const parts: Uint8Array[] = [];
    for await (const c of data) parts.push(c);
    const tmp = `${this.#path}.restore`;
    await writeFile(tmp, parts);
    await rename(tmp, this.#path);
    this.#applied = meta.index;
  }
}

const config = JSON.parse(process.env.CLUSTER_NODE ?? '{}') as Config;
const node = new RaftNode({
  id: config.id,
  transport: new GrpcTransport({ id: config.id, listen: config.peers[config.id]!, reconnectBackoffMs: 50 }),
  stateMachine: new FileStateMachine(config.dataDir),
  dataDir: config.dataDir,
  peers: config.peers,
  tickMs: 50,
  electionTick: 10,
  heartbeatTick: 1,
});
await node.start();

const send = (r: ClusterReply): void => {
  process.send?.(r);
};

async function proposeMany(
  prefix: string,
  count: number,
  concurrency: number,
): Promise<{ ok: number; errors: number; firstError: string }> {
  const enc = new TextEncoder();
  let next = 0;
  let ok = 0;
  let errors = 0;
  let firstError = '';
  async function worker(): Promise<void> {
    while (next < count) {
      const i = next++;
      try {
        await node.propose(enc.encode(`${prefix}${i}`));
        ok++;
      } catch (err) {
        errors++;
        if (firstError === '')
          firstError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ok, errors, firstError };
}

process.on('message', (req: ClusterRequest) => {
  void (async () => {
    switch (req.kind) {
      case 'status': {
        const s = node.status();
        send({
          id: req.id,
          kind: 'status',
          status: { role: s.role, leader: s.leader, term: s.term, commit: s.commit, applied: s.applied },
        });
        break;
      }
      case 'propose':
        send({
          id: req.id,
          kind: 'proposed',
          ...(await proposeMany(req.prefix, req.count, req.concurrency)),
        });
        break;
      case 'stop':
        await node.stop();
        send({ id: req.id, kind: 'stopped' });
        process.disconnect?.();
        break;
    }
  })();
});
send({ id: 0, kind: 'ready' });
