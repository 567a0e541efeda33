/**
 * Raft benchmark (npm run bench:raft): proposals/s and commit latency for a 3-node cluster,
 * (a) in one process over MemoryTransport with in-memory storage (the cost of consensus alone),
 * (b) as three processes over gRPC with fsync'd LevelDB logs.
 * 256-byte payloads, 1 and 64 concurrent proposers; each run is bounded by count and time.
 *
 * Environment: BENCH_COUNT (proposals per run, default 200000 in-process / 100000 gRPC),
 * BENCH_SECONDS (max seconds per run, default 10), BENCH_ONLY=a|b, BENCH_CPU_PROF=<dir> (profile
 * the node processes of (b) into <dir>; profile (a) with node --cpu-prof).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClassicLevel } from 'classic-level';
import { Role } from '../src/core/types.js';
import { RaftNode } from '../src/node/raft-node.js';
import type { RaftNodeMetrics } from '../src/node/raft-node.js';
import type { StateMachine } from '../src/node/state-machine.js';
import { MemoryLogStore } from '../src/storage/memory-log-store.js';
import { MemorySnapshotStore } from '../src/storage/memory-snapshot-store.js';
import { MemoryNetwork } from '../src/transport/memory-network.js';
import { runLoad } from './load.js';
import type { LoadResult } from './load.js';
import type { BenchReply, BenchRequest } from './bench-node.js';

const PAYLOAD = 256;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ONLY = process.env.BENCH_ONLY;

function line(label: string, r: LoadResult, cpuMicros: number): string {
  const cpu = r.proposals > 0 ? (cpuMicros / r.proposals).toFixed(0) : '-';
  return `${label.padEnd(22)} c=${String(r.concurrency).padStart(2)}  ${r.perSecond.toFixed(0).padStart(7)} proposals/s  p50 ${r.p50Ms.toFixed(2).padStart(6)} ms  p99 ${r.p99Ms.toFixed(2).padStart(6)} ms  cpu ${cpu.padStart(4)} µs/proposal  (${r.proposals} in ${r.seconds.toFixed(1)} s${r.errors > 0 ? `, ${r.errors} errors` : ''})`;
}

function cpuNow(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
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

async function inProcess(): Promise<void> {
  const count = Number(process.env.BENCH_COUNT ?? 200_000);
  const network = new MemoryNetwork({ seed: 1 });
  const ids = ['n1', 'n2', 'n3'];
  const peers = Object.fromEntries(ids.map((id) => [id, `mem://${id}`]));
  const nodes = ids.map(
    (id, i) =>
      new RaftNode({
        id,
        transport: network.transport(id),
        stateMachine: new CountingStateMachine(),
        logStore: new MemoryLogStore(),
        snapshotStore: new MemorySnapshotStore(),
        peers,
        tickMs: 100,
        electionTick: 10,
        seed: i + 1,
        snapshotThreshold: 1_000_000_000,
      }),
  );
  for (const n of nodes) await n.start();
  nodes[0]!.campaign();
  while (!nodes.some((n) => n.role === Role.Leader)) await new Promise((r) => setTimeout(r, 10));
  const leader = nodes.find((n) => n.role === Role.Leader)!;
  for (const c of [1, 64]) {
    const cpu0 = cpuNow();
    const r = await runLoad((d) => leader.propose(d), {
      concurrency: c,
      count: c === 1 ? Math.min(count, 50_000) : count,
      durationMs: SECONDS * 1000,
      payloadBytes: PAYLOAD,
    });
    console.log(line('(a) 1 process, memory', r, cpuNow() - cpu0));
  }
  for (const n of nodes) await n.stop();
  network.close();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() =>
        typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Median latency of a one-entry LevelDB write with sync: true on this disk (context for (b)). */
async function fsyncProbe(dir: string): Promise<number> {
  const db = new ClassicLevel<Buffer, Buffer>(join(dir, 'probe'), {
    keyEncoding: 'buffer',
    valueEncoding: 'buffer',
  });
  await db.open();
  const times: number[] = [];
  const value = Buffer.alloc(300);
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    await db.batch([{ type: 'put', key: Buffer.from(`k${i}`), value }], { sync: true });
    times.push(performance.now() - t);
  }
  await db.close();
  times.sort((a, b) => a - b);
  return times[50]!;
}

async function threeProcesses(): Promise<void> {
  const count = Number(process.env.BENCH_COUNT ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'coffer-raft-bench-'));
  const children: ChildProcess[] = [];
  try {
    console.log(
      `(b) disk: a LevelDB sync write takes ${(await fsyncProbe(dir)).toFixed(2)} ms (median of 100, before the run)`,
    );
    const ids = ['n1', 'n2', 'n3'];
    const ports = await Promise.all(ids.map(() => freePort()));
    const peers = Object.fromEntries(ids.map((id, i) => [id, `127.0.0.1:${ports[i]}`]));
    const script = fileURLToPath(new URL('./bench-node.ts', import.meta.url));
    const replies = new Map<ChildProcess, (r: BenchReply) => void>();
    for (const id of ids) {
      const child = fork(script, [], {
        execArgv: [
          '--conditions=source',
          '--import',
          'tsx',
          ...(process.env.BENCH_CPU_PROF !== undefined
            ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
            : []),
        ],
        env: { ...process.env, BENCH_NODE: JSON.stringify({ id, dataDir: join(dir, id), peers }) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child.on('message', (m: BenchReply) => replies.get(child)?.(m));
      children.push(child);
    }
    const ask = (child: ChildProcess, req: BenchRequest): Promise<BenchReply> =>
      new Promise((resolve) => {
        replies.set(child, resolve);
        child.send(req);
      });
    let leader: ChildProcess | undefined;
    const deadline = Date.now() + 30_000;
    while (leader === undefined) {
      if (Date.now() > deadline) throw new Error('no leader elected within 30 s');
      for (const child of children) {
        const r = await ask(child, { kind: 'status' });
        if (r.kind === 'status' && r.role === 'leader') leader = child;
      }
      if (leader === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    const cpuAll = async (): Promise<number> => {
      let total = 0;
      for (const child of children) {
        const r = await ask(child, { kind: 'cpu' });
        if (r.kind === 'cpu') total += r.micros;
      }
      return total;
    };
    const leaderMetrics = async (): Promise<RaftNodeMetrics> => {
      const r = await ask(leader!, { kind: 'metrics' });
      if (r.kind !== 'metrics') throw new Error('unexpected reply');
      return r.metrics;
    };
    for (const c of [1, 64]) {
      const m0 = await leaderMetrics();
      const cpu0 = await cpuAll();
      const r = await ask(leader, {
        kind: 'load',
        concurrency: c,
        count: c === 1 ? Math.min(count, 20_000) : count,
        durationMs: SECONDS * 1000,
        payloadBytes: PAYLOAD,
      });
      if (r.kind !== 'load') throw new Error('unexpected reply');
      console.log(line('(b) 3 procs, gRPC+fsync', r.result, (await cpuAll()) - cpu0));
      const m1 = await leaderMetrics();
      const fsyncs = m1.fsyncs - m0.fsyncs;
      const entries = m1.entriesPersisted - m0.entriesPersisted;
      console.log(
        `${''.padEnd(27)}leader: ${m1.readyBatches - m0.readyBatches} Readys, ${fsyncs} fsyncs, ${(entries / Math.max(1, fsyncs)).toFixed(1)} entries/fsync`,
      );
    }
    for (const child of children) await ask(child, { kind: 'stop' });
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve))),
      ),
    );
  } finally {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

const load = (await import('node:os')).loadavg()[0]!.toFixed(1);
console.log(
  `raft bench: 3 nodes, ${PAYLOAD}-byte payloads, runs bounded to ${SECONDS} s (cpu = all node processes; 1-min load average ${load})`,
);
if (ONLY !== 'b') await inProcess();
if (ONLY !== 'a') await threeProcesses();
