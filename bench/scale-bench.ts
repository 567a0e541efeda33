/**
 * `npm run bench:scale`: how a 3-node Coffer cluster (raft storage, fsync on, 127.0.0.1) behaves
 * as data grows. Writes `--count` (default 1,000,000) distinct KV v2 secrets (256-byte values) to
 * the active node with `--concurrency` (default 64) keep-alive clients, then reports:
 *   - the write rate of the first and of the last `window` writes (window = min(100,000, count/10));
 *   - RSS per node, sampled every second while writing (max) and at the end;
 *   - data size on disk per node (raft log + FSM + snapshots);
 *   - restart to active: all 3 stopped (SIGTERM), started, unsealed; time until a write succeeds;
 *   - snapshot save (`GET sys/storage/raft/snapshot` to a file) and restore (`POST`) times.
 * Prints a summary and appends it to docs/performance.md (unless --no-doc).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BenchSender } from '../packages/server/bench/bench-http.js';
import { eventually, type HaNodeProcess } from '../packages/server/test/ha/ha-cluster.js';
import { onCleanup, runCleanup } from './bench-cleanup.js';
import { boolFlag, numberFlag } from './bench-flags.js';
import { CofferCluster } from './coffer-cluster.js';
import { processRssBytes } from './process-cpu.js';
import { appendToPerformanceDoc, markdownTable, runEnvironment } from './perf-report.js';

const argv = process.argv.slice(2);
const count = Math.round(numberFlag(argv, 'count', 1_000_000));
const concurrency = Math.round(numberFlag(argv, 'concurrency', 64));
const writeDoc = !boolFlag(argv, 'no-doc');
const windowSize = Math.max(1, Math.min(100_000, Math.floor(count / 10)));
const VALUE = 'v'.repeat(256);
const MiB = 1024 * 1024;
/** How long one write may keep failing (an election, a step-down) before the run stops. */
const RETRY_FOR_MS = 60_000;

async function du(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) total += await du(p);
    else if (entry.isFile()) total += (await stat(p)).size;
  }
  return total;
}

function streamRequest(
  node: HaNodeProcess,
  token: string,
  method: 'GET' | 'POST',
  file: string,
  size?: number,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: node.apiPort,
        method,
        path: '/v1/sys/storage/raft/snapshot',
        headers: {
          'X-Vault-Token': token,
          ...(size === undefined
            ? {}
            : { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) }),
        },
        timeout: 30 * 60_000,
      },
      (res) => {
        if (method === 'GET' && res.statusCode === 200)
          pipeline(res, createWriteStream(file)).then(() => resolve({ status: 200, text: '' }), reject);
        else {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c.slice(0, 2000)));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: text.slice(0, 2000) }));
        }
      },
    );
    req.on('error', reject);
    if (method === 'POST') createReadStream(file).pipe(req);
    else req.end();
  });
}

async function main(): Promise<void> {
  const env = runEnvironment();
  console.log(`bench:scale — ${count.toLocaleString('en-US')} secrets, concurrency ${concurrency}; ${env}`);
  const cluster = await CofferCluster.start();
  onCleanup(() => cluster.destroy());
  const work = await mkdtemp(join(tmpdir(), 'coffer-bench-scale-'));
  onCleanup(() => rm(work, { recursive: true, force: true }));
  const sender = new BenchSender({ maxSockets: concurrency, timeoutMs: 60_000 });
  onCleanup(async () => sender.close());
  const token = cluster.token;
  const active = await cluster.active();
  let target = active;
  let lastFailure = 0;
  let activeChanges = 0;

  // 1. Load, with timestamps of every window boundary and RSS samples.
  const nodes = cluster.ha.nodes;
  const maxRss = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  const sampleRss = (): void => {
    for (const n of nodes) {
      const rss = n.alive ? processRssBytes(n.server.child.pid ?? 0) : 0;
      maxRss.set(n.id, Math.max(maxRss.get(n.id) ?? 0, rss));
    }
  };
  const sampler = setInterval(sampleRss, 1000);
  onCleanup(async () => clearInterval(sampler));
  let next = 0;
  let done = 0;
  let failed = 0;
  const start = performance.now();
  let firstWindowMs = NaN;
  let lastWindowStart = NaN;
  const progressEvery = Math.max(windowSize, Math.floor(count / 20));
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let i = next++; i < count; i = next++) {
        // A write refused while the cluster elects a new leader (503, or 500 from a step-down
        // mid-write) is retried through the node that is active then; each retry is counted and
        // reported. Only a write that fails for RETRY_FOR_MS in a row stops the run.
        const path = `secret/data/scale/${i % 1000}/s${i}`;
        const firstTry = performance.now();
        for (;;) {
          const status = await sender
            .send(target, 'POST', path, token, { data: { value: VALUE } })
            .catch(() => 0);
          if (status === 200) break;
          failed++;
          lastFailure = status;
          if (performance.now() - firstTry > RETRY_FOR_MS)
            throw new Error(`a write failed for ${RETRY_FOR_MS / 1000} s (last status ${status})`);
          await new Promise((r) => setTimeout(r, 200));
          const now = await cluster.active().catch(() => target);
          if (now !== target) activeChanges++;
          target = now;
        }
        done++;
        if (done === windowSize) firstWindowMs = performance.now() - start;
        if (done === count - windowSize) lastWindowStart = performance.now();
        if (done % progressEvery === 0)
          console.log(
            `  ${done.toLocaleString('en-US')} written, ${Math.round(done / ((performance.now() - start) / 1000))}/s overall`,
          );
      }
    }),
  );
  const loadMs = performance.now() - start;
  const lastWindowMs = performance.now() - (count === windowSize ? start : lastWindowStart);
  clearInterval(sampler);
  sampleRss();
  const endRss = new Map(nodes.map((n) => [n.id, processRssBytes(n.server.child.pid ?? 0)]));
  // Where the RSS is: V8's heap (used / reserved) and memory outside it (Buffers, native addons).
  const heap = new Map<string, { used: number; total: number; external: number }>();
  for (const n of nodes) {
    const res = await n.request('GET', 'sys/metrics?format=prometheus', { token }).catch(() => undefined);
    const metric = (name: string): number =>
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(res?.text ?? '')?.[1] ?? NaN);
    heap.set(n.id, {
      used: metric('nodejs_heap_size_used_bytes'),
      total: metric('nodejs_heap_size_total_bytes'),
      external: metric('nodejs_external_memory_bytes'),
    });
  }
  const firstRate = windowSize / (firstWindowMs / 1000);
  const lastRate = windowSize / (lastWindowMs / 1000);
  console.log(
    `  loaded in ${(loadMs / 1000).toFixed(0)} s; first ${windowSize} at ${Math.round(firstRate)}/s, last ${windowSize} at ${Math.round(lastRate)}/s; ` +
      `RSS max ${[...maxRss].map(([id, b]) => `${id} ${(b / MiB).toFixed(0)} MiB`).join(', ')}; ${failed} refused attempts retried`,
  );

  // 2. Snapshot save and restore at this size.
  const file = join(work, 'scale.snap');
  let t = performance.now();
  const save = await streamRequest(await cluster.active(), token, 'GET', file);
  const saveMs = performance.now() - t;
  if (save.status !== 200) throw new Error(`snapshot save answered ${save.status} ${save.text}`);
  const snapBytes = (await stat(file)).size;
  console.log(`  snapshot saved: ${(snapBytes / MiB).toFixed(0)} MiB in ${(saveMs / 1000).toFixed(1)} s`);
  t = performance.now();
  const restore = await streamRequest(await cluster.active(), token, 'POST', file, snapBytes);
  const restoreMs = performance.now() - t;
  // A failed restore is a result to report (with the server's answer), not a reason to stop.
  const restoreOutcome =
    restore.status === 204
      ? `restore ${(restoreMs / 1000).toFixed(1)} s`
      : `restore FAILED after ${(restoreMs / 1000).toFixed(1)} s: ${restore.status} ${restore.text.trim()}`;
  console.log(`  snapshot ${restoreOutcome}`);

  // 3. Disk, then restart to active.
  const disk = new Map<string, number>();
  for (const n of nodes) disk.set(n.id, await du(join(n.dir, 'data')));
  await Promise.all(nodes.map((n) => n.stop()));
  t = performance.now();
  await Promise.all(nodes.map((n) => n.start()));
  await Promise.all(
    nodes.map(async (n) => {
      const res = await n.unseal(cluster.keys);
      if (res.status !== 200) throw new Error(`unseal ${n.id} after restart: ${res.status} ${res.text}`);
    }),
  );
  const probe = new BenchSender({ maxSockets: 1, timeoutMs: 5000 });
  try {
    await eventually('a write after restart', 120_000, async () => {
      const node = await cluster.active();
      return (await probe.send(node, 'POST', 'secret/data/after-restart', token, { data: { v: 1 } })) === 200
        ? true
        : undefined;
    });
  } finally {
    probe.close();
  }
  const restartMs = performance.now() - t;
  const check = await (
    await cluster.active()
  ).request('GET', `secret/data/scale/${(count - 1) % 1000}/s${count - 1}`, {
    token,
  });
  if (check.status !== 200) throw new Error(`secret s${count - 1} missing after restart: ${check.status}`);

  const mib = (b: number): string => (b / MiB).toFixed(0);
  const table = markdownTable(
    [
      'node',
      'RSS max while writing MiB',
      'RSS at end MiB',
      'V8 heap used / total MiB',
      'external MiB',
      'data on disk MiB',
    ],
    nodes.map((n) => [
      n.id,
      mib(maxRss.get(n.id) ?? 0),
      mib(endRss.get(n.id) ?? 0),
      `${mib(heap.get(n.id)?.used ?? NaN)} / ${mib(heap.get(n.id)?.total ?? NaN)}`,
      mib(heap.get(n.id)?.external ?? NaN),
      mib(disk.get(n.id) ?? 0),
    ]),
  );
  const summary = [
    `${env}. ${count.toLocaleString('en-US')} KV v2 secrets of 256 bytes, ${concurrency} concurrent clients, ` +
      `${failed} refused write attempts retried${failed > 0 ? ` (last status ${lastFailure}; the active node changed ${activeChanges} times)` : ''}, loaded in ${(loadMs / 1000).toFixed(0)} s (${Math.round(count / (loadMs / 1000))} writes/s overall).`,
    '',
    `- write rate, first ${windowSize.toLocaleString('en-US')}: **${Math.round(firstRate)}/s**; last ${windowSize.toLocaleString('en-US')}: **${Math.round(lastRate)}/s** (${((100 * (lastRate - firstRate)) / firstRate).toFixed(0)} %)`,
    `- snapshot: ${mib(snapBytes)} MiB, save ${(saveMs / 1000).toFixed(1)} s, ${restoreOutcome}`,
    `- restart (all 3 stopped, started, unsealed) to first successful write: **${(restartMs / 1000).toFixed(1)} s**`,
    '',
    table,
  ].join('\n');
  console.log(`\n${summary}`);
  if (writeDoc) await appendToPerformanceDoc('bench:scale', summary);
}

try {
  await main();
} catch (err) {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
} finally {
  await runCleanup();
}
