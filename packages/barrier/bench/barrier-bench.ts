/**
 * Barrier throughput on the file backend: `npm run bench:barrier`.
 *
 * 1 KiB values through an unsealed barrier (AES-256-GCM, path as AAD) onto LevelDB with an
 * fsync per write. Four phases — put and get, sequential and 64 concurrent — each bounded by
 * BENCH_OPS operations (default 5,000) or BENCH_SECONDS (default 10 s), whichever comes first.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Barrier, FileBackend } from '../src/index.js';

const OPS = Number(process.env.BENCH_OPS ?? 5000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const VALUE_BYTES = 1024;
const CONCURRENCY = 64;

interface Result {
  readonly name: string;
  readonly ops: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** Runs `op(i)` for i = 0.. with `workers` in flight until OPS ops or SECONDS elapse. */
async function phase(name: string, workers: number, op: (i: number) => Promise<unknown>): Promise<Result> {
  const latencies: number[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  let next = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next < OPS && performance.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      await op(i);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    name,
    ops: latencies.length,
    seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-bench-'));
  const backend = await FileBackend.open({ path: dir });
  try {
    const barrier = await Barrier.open(backend);
    const { shares } = await barrier.initialize({ secretShares: 1, secretThreshold: 1 });
    await barrier.unseal(shares[0] as Uint8Array);
    const value = randomBytes(VALUE_BYTES);
    const key = (prefix: string, i: number): string => `bench/${prefix}/${String(i).padStart(6, '0')}`;

    const results: Result[] = [];
    const seqPut = await phase('put sequential', 1, (i) => barrier.put(key('seq', i), value));
    results.push(seqPut);
    results.push(await phase('get sequential', 1, (i) => barrier.get(key('seq', i % seqPut.ops))));
    const conPut = await phase(`put ${CONCURRENCY} concurrent`, CONCURRENCY, (i) =>
      barrier.put(key('con', i), value),
    );
    results.push(conPut);
    results.push(
      await phase(`get ${CONCURRENCY} concurrent`, CONCURRENCY, (i) =>
        barrier.get(key('con', i % conPut.ops)),
      ),
    );

    console.log(
      `barrier on FileBackend (LevelDB, fsync per write), ${VALUE_BYTES} B values, ≤${OPS} ops or ${SECONDS} s per phase`,
    );
    console.log(
      `${'phase'.padEnd(22)}${'ops'.padStart(7)}${'ops/s'.padStart(10)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}`,
    );
    for (const r of results) {
      console.log(
        `${r.name.padEnd(22)}${String(r.ops).padStart(7)}${(r.ops / r.seconds).toFixed(0).padStart(10)}` +
          `${r.p50.toFixed(3).padStart(10)}${r.p99.toFixed(3).padStart(10)}`,
      );
    }
  } finally {
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
