/**
 * Raft storage write benchmark:
 *   node --conditions=source --import tsx packages/server/bench/raft-storage-bench.ts
 *
 * A 3-node cluster in one process: MemoryTransport between the nodes, real LevelDB for each
 * node's raft log (fsync per Ready) and FSM (fsync per apply batch), in a temp directory. Puts of
 * 256-byte values to distinct keys through the leader's RaftBackend, BENCH_OPS (default 5,000)
 * per concurrency level (1 and 64), after a 200-put warm-up. Prints puts/s, p50/p99 latency and
 * the leader's fsyncs per put (group commit), and writes JSON to BENCH_OUT when set.
 *
 * Nothing ticks (tickMs 0; the leader is elected by hand): commit needs no timer, and a bench
 * that can trigger elections under load measures the election timeout, not storage.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryNetwork, Role } from '@coffer/raft';
import { openRaftStorage, type RaftStorage } from '../src/raft-storage/open-raft-storage.js';

const OPS = Number(process.env['BENCH_OPS'] ?? '5000');
const VALUE_BYTES = 256;
const WARMUP = 200;
const IDS = ['a', 'b', 'c'] as const;

interface Row {
  readonly concurrency: number;
  readonly ops: number;
  readonly putsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly leaderFsyncsPerPut: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function run(
  storage: RaftStorage,
  prefix: string,
  ops: number,
  concurrency: number,
): Promise<{ latencies: number[]; seconds: number }> {
  const value = randomBytes(VALUE_BYTES);
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < ops; i = next++) {
        const t0 = performance.now();
        await storage.backend.put(`${prefix}/${i}`, value);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'coffer-raft-storage-bench-'));
  const network = new MemoryNetwork({ seed: 1 });
  const peers = Object.fromEntries(IDS.map((id) => [id, `mem://${id}`]));
  const nodes: RaftStorage[] = [];
  try {
    for (const id of IDS) {
      nodes.push(
        await openRaftStorage({
          dir: join(root, id),
          nodeId: id,
          transport: network.transport(id),
          peers,
          tickMs: 0,
          snapshotThreshold: 1_000_000,
        }),
      );
    }
    const leader = nodes[0]!;
    leader.raftNode.campaign();
    while (leader.raftNode.role !== Role.Leader || leader.fsm.appliedTerm !== leader.raftNode.status().term)
      await sleep(1);
    await run(leader, 'warmup', WARMUP, 8);

    const rows: Row[] = [];
    for (const concurrency of [1, 64]) {
      const fsyncsBefore = leader.raftNode.status().metrics.fsyncs;
      const { latencies, seconds } = await run(leader, `c${concurrency}`, OPS, concurrency);
      const fsyncs = leader.raftNode.status().metrics.fsyncs - fsyncsBefore;
      const sorted = [...latencies].sort((x, y) => x - y);
      rows.push({
        concurrency,
        ops: OPS,
        putsPerSec: Math.round(OPS / seconds),
        p50Ms: Number(percentile(sorted, 50).toFixed(2)),
        p99Ms: Number(percentile(sorted, 99).toFixed(2)),
        leaderFsyncsPerPut: Number((fsyncs / OPS).toFixed(3)),
      });
    }
    console.log(
      `raft storage: 3 nodes in-process (MemoryTransport), LevelDB log + FSM, ${VALUE_BYTES}-byte values, ${OPS} puts per row`,
    );
    console.log('concurrency  puts/s    p50 ms   p99 ms   leader log fsyncs/put');
    for (const r of rows) {
      console.log(
        `${String(r.concurrency).padStart(11)}  ${String(r.putsPerSec).padStart(6)}  ${r.p50Ms.toFixed(2).padStart(8)} ${r.p99Ms.toFixed(2).padStart(8)}   ${r.leaderFsyncsPerPut}`,
      );
    }
    const out = process.env['BENCH_OUT'];
    if (out !== undefined) await writeFile(out, JSON.stringify({ valueBytes: VALUE_BYTES, rows }, null, 2));
  } finally {
    for (const n of nodes) await n.close().catch(() => undefined);
    network.close();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
