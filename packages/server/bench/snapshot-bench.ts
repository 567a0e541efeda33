/**
 * Snapshot benchmark on a local three-process cluster (127.0.0.1, raft storage, retry_join):
 *
 *  1. writes `--secrets` KV v2 secrets (default 100,000; ~100-byte values) concurrently to the
 *     active node;
 *  2. save: `GET sys/storage/raft/snapshot` streamed to a file — time, size, throughput;
 *  3. restore: the file streamed to `POST sys/storage/raft/snapshot` (same cluster: verified, then
 *     proposed through raft in ≤512 KiB chunks, applied on every node) — time and throughput;
 *  4. peak RSS of each server process during save and during restore (Linux VmHWM, reset before
 *     each phase through /proc/<pid>/clear_refs), and a spot check of the data on every node.
 *
 * Usage: node --conditions=source --import tsx packages/server/bench/snapshot-bench.ts
 *          [--secrets=100000] [--concurrency=64] [--timeout-s=900] [--json]
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { HaCluster, eventually, type HaNodeProcess } from '../test/ha/ha-cluster.js';
import { BenchSender, intFlag } from './bench-http.js';

interface Options {
  readonly secrets: number;
  readonly concurrency: number;
  readonly timeoutS: number;
  readonly json: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const get = (name: string, fallback: number): number => intFlag(argv, name, fallback);
  return {
    secrets: get('secrets', 100_000),
    concurrency: get('concurrency', 64),
    timeoutS: get('timeout-s', 900),
    json: argv.includes('--json'),
  };
}

const sender = new BenchSender({ maxSockets: 256, timeoutMs: 60_000 });
const send = sender.send.bind(sender);

/** Resets the peak-RSS counter of a process (Linux: writing 5 to clear_refs). */
async function resetPeak(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5').catch(() => undefined);
}

async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m === null ? NaN : Math.round(Number(m[1]) / 1024);
}

const pidOf = (n: HaNodeProcess): number => n.server.child.pid ?? 0;

async function phase<T>(
  nodes: readonly HaNodeProcess[],
  work: () => Promise<T>,
): Promise<{ result: T; ms: number; peakRssMiB: Record<string, number> }> {
  for (const n of nodes) await resetPeak(pidOf(n));
  const start = process.hrtime.bigint();
  const result = await work();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const peak: Record<string, number> = {};
  for (const n of nodes) peak[n.id] = await peakRssMiB(pidOf(n));
  return { result, ms, peakRssMiB: peak };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const deadline = setTimeout(() => {
    console.error(`bench: gave up after ${o.timeoutS} s`);
    process.exit(3);
  }, o.timeoutS * 1000);
  deadline.unref();
  const work = await mkdtemp(join(tmpdir(), 'coffer-snapshot-bench-'));
  const cluster = await HaCluster.create(['b1', 'b2', 'b3'], { logLevel: 'warn' }, (_n, all) =>
    all.map((n) => n.url),
  );
  try {
    await cluster.startAll();
    const [n1, n2, n3] = cluster.nodes as [HaNodeProcess, HaNodeProcess, HaNodeProcess];
    const init = await cluster.init(n1, 1, 1);
    for (const n of [n2, n3]) {
      await eventually(`${n.id} to join`, 60_000, async () =>
        (await n.request('GET', 'sys/seal-status')).body?.['initialized'] === true ? true : undefined,
      );
      await n.unseal(init.keys);
    }
    await cluster.awaitVoters(n1, init.rootToken, ['b1', 'b2', 'b3']);
    const active = await cluster.active();
    const token = init.rootToken;
    if (
      (await send(active, 'POST', 'sys/mounts/secret', token, { type: 'kv', options: { version: '2' } })) !==
      204
    )
      throw new Error('mount failed');

    // 1. Load.
    const value = 'v'.repeat(100);
    let next = 0;
    let failed = 0;
    const loadStart = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        for (let i = next++; i < o.secrets; i = next++) {
          const status = await send(active, 'POST', `secret/data/app/${i % 1000}/s${i}`, token, {
            data: { value, i },
          });
          if (status !== 200) failed++;
        }
      }),
    );
    const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
    if (failed > 0) throw new Error(`${failed} writes failed`);

    // 2. Save.
    const file = join(work, 'bench.snap');
    const saved = await phase(cluster.nodes, async () => {
      await new Promise<void>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: active.apiPort,
            path: '/v1/sys/storage/raft/snapshot',
            headers: { 'X-Vault-Token': token },
          },
          (res) => {
            if (res.statusCode !== 200) reject(new Error(`save answered ${res.statusCode}`));
            else pipeline(res, createWriteStream(file)).then(resolve, reject);
          },
        );
        req.on('error', reject);
        req.end();
      });
      return (await stat(file)).size;
    });

    // Later writes, to check they are gone after the restore.
    for (let i = 0; i < 10; i++)
      await send(active, 'POST', `secret/data/later/${i}`, token, { data: { value } });

    // 3. Restore.
    const restored = await phase(cluster.nodes, async () => {
      return new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: active.apiPort,
            method: 'POST',
            path: '/v1/sys/storage/raft/snapshot',
            headers: {
              'X-Vault-Token': token,
              'Content-Type': 'application/octet-stream',
              'Content-Length': saved.result,
            },
            timeout: o.timeoutS * 1000,
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        createReadStream(file).pipe(req);
      });
    });
    if (restored.result !== 204) throw new Error(`restore answered ${restored.result}`);

    // 4. Spot check through every node.
    for (const n of cluster.nodes) {
      if (
        (await send(n, 'GET', `secret/data/app/${(o.secrets - 1) % 1000}/s${o.secrets - 1}`, token)) !== 200
      )
        throw new Error(`a restored secret is missing via ${n.id}`);
      if ((await send(n, 'GET', 'secret/data/later/3', token)) !== 404)
        throw new Error(`a later write survived the restore via ${n.id}`);
    }

    const mib = saved.result / (1024 * 1024);
    const result = {
      secrets: o.secrets,
      load: { ms: Math.round(loadMs), writesPerS: Math.round(o.secrets / (loadMs / 1000)) },
      snapshotBytes: saved.result,
      save: {
        ms: Math.round(saved.ms),
        mibPerS: +(mib / (saved.ms / 1000)).toFixed(1),
        secretsPerS: Math.round(o.secrets / (saved.ms / 1000)),
        peakRssMiB: saved.peakRssMiB,
      },
      restore: {
        ms: Math.round(restored.ms),
        mibPerS: +(mib / (restored.ms / 1000)).toFixed(1),
        secretsPerS: Math.round(o.secrets / (restored.ms / 1000)),
        peakRssMiB: restored.peakRssMiB,
      },
    };
    if (o.json) console.log(JSON.stringify(result));
    else {
      console.log(
        `secrets: ${o.secrets} (loaded in ${(loadMs / 1000).toFixed(1)} s, ${result.load.writesPerS} writes/s)`,
      );
      console.log(`snapshot: ${mib.toFixed(1)} MiB`);
      console.log(
        `save:    ${(saved.ms / 1000).toFixed(2)} s, ${result.save.mibPerS} MiB/s, peak RSS ${JSON.stringify(saved.peakRssMiB)} MiB`,
      );
      console.log(
        `restore: ${(restored.ms / 1000).toFixed(2)} s, ${result.restore.mibPerS} MiB/s, peak RSS ${JSON.stringify(restored.peakRssMiB)} MiB`,
      );
    }
  } finally {
    sender.close();
    await cluster.destroy();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
