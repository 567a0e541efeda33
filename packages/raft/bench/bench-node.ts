/**
 * One node of the multi-process benchmark (forked by raft-bench.ts): a RaftNode over gRPC with a
 * LevelDB log (fsync per Ready), answering the parent's requests over IPC. The load runs inside
 * the leader process, so the numbers are raft's, not a client protocol's.
 */
import { RaftNode } from '../src/node/raft-node.js';
import type { RaftNodeMetrics } from '../src/node/raft-node.js';
import type { StateMachine } from '../src/node/state-machine.js';
import { GrpcTransport } from '../src/transport/grpc-transport.js';
import { runLoad } from './load.js';
import type { LoadResult } from './load.js';

export type BenchRequest =
  | { kind: 'status' }
  | { kind: 'cpu' }
  | { kind: 'metrics' }
  | { kind: 'load'; concurrency: number; count: number; durationMs: number; payloadBytes: number }
  | { kind: 'stop' };

export type BenchReply =
  | { kind: 'status'; role: string; leader: string }
  | { kind: 'cpu'; micros: number }
  | { kind: 'metrics'; metrics: RaftNodeMetrics }
  | { kind: 'load'; result: LoadResult }
  | { kind: 'stopped' };

interface NodeConfig {
  id: string;
  dataDir: string;
  peers: Record<string, string>;
}

class CountingStateMachine implements StateMachine {
  applied = 0;
  async apply(entries: readonly { index: number }[]): Promise<void> {
    this.applied = entries[entries.length - 1]!.index;
  }
  async snapshot(): Promise<Uint8Array> {
    return new Uint8Array(8);
  }
  async restore(): Promise<void> {}
}

const config = JSON.parse(process.env.BENCH_NODE ?? '{}') as NodeConfig;
const node = new RaftNode({
  id: config.id,
  transport: new GrpcTransport({ id: config.id, listen: config.peers[config.id]! }),
  stateMachine: new CountingStateMachine(),
  dataDir: config.dataDir,
  peers: config.peers,
  tickMs: 50,
  electionTick: 10,
  snapshotThreshold: 1_000_000_000,
});
await node.start();

const reply = (r: BenchReply): void => {
  process.send?.(r);
};
process.on('message', (req: BenchRequest) => {
  void (async () => {
    switch (req.kind) {
      case 'status':
        reply({ kind: 'status', role: node.role, leader: node.leader });
        break;
      case 'cpu': {
        const u = process.cpuUsage();
        reply({ kind: 'cpu', micros: u.user + u.system });
        break;
      }
      case 'metrics':
        reply({ kind: 'metrics', metrics: node.status().metrics });
        break;
      case 'load':
        reply({ kind: 'load', result: await runLoad((d) => node.propose(d), req) });
        break;
      case 'stop':
        await node.stop();
        reply({ kind: 'stopped' });
        process.disconnect?.();
        break;
    }
  })();
});
