/**
 * HA benchmark on a local three-process cluster (127.0.0.1, raft storage, retry_join):
 *
 *  1. write latency of a small KV v2 write sent to the active node directly vs. sent to a standby
 *     (forwarded over gRPC/mTLS), sequential, one keep-alive connection each;
 *  2. failover: SIGKILL the active node `rounds` times; each time, measure from the kill to the
 *     first successful write through a surviving node; then restart, unseal and let the killed
 *     node catch up before the next round.
 *
 * Usage: node --conditions=source --import tsx packages/server/bench/failover-bench.ts
 *          [--rounds=10] [--writes=500] [--multiplier=2] [--json]
 */
import { HaCluster, eventually, type HaNodeProcess } from '../test/ha/ha-cluster.js';
import { BenchSender, intFlag } from './bench-http.js';

interface Options {
  readonly rounds: number;
  readonly writes: number;
  readonly multiplier: number;
  readonly json: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const get = (name: string, fallback: number): number => intFlag(argv, name, fallback);
  return {
    rounds: get('rounds', 10),
    writes: get('writes', 500),
    multiplier: get('multiplier', 2),
    json: argv.includes('--json'),
  };
}

const sender = new BenchSender({ maxSockets: 1, timeoutMs: 15_000 });
const send = sender.send.bind(sender);

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function summary(samples: readonly number[]): {
  median: number;
  p95: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
} {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return {
    median: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    mean,
    min: sorted[0] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

async function timedWrites(
  node: HaNodeProcess,
  token: string,
  prefix: string,
  count: number,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    const status = await send(node, 'POST', `secret/data/${prefix}-${i % 50}`, token, {
      data: { v: 'x'.repeat(16), i },
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (status !== 200) throw new Error(`write through ${node.id} answered ${status}`);
    out.push(ms);
  }
  return out;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const cluster = await HaCluster.create(
    ['b1', 'b2', 'b3'],
    { performanceMultiplier: opts.multiplier, logLevel: 'error' },
    (_n, all) => all.map((n) => n.url),
  );
  try {
    await cluster.startAll();
    const [b1, b2, b3] = cluster.nodes as [HaNodeProcess, HaNodeProcess, HaNodeProcess];
    const init = await cluster.init(b1, 1, 1);
    const token = init.rootToken;
    for (const node of [b2, b3]) {
      await eventually(`${node.id} join challenge`, 30_000, async () =>
        (await node.request('GET', 'sys/seal-status')).body?.['initialized'] === true ? true : undefined,
      );
      await node.unseal(init.keys);
    }
    await cluster.awaitVoters(b1, token, ['b1', 'b2', 'b3']);
    if (
      (
        await b1.request('POST', 'sys/mounts/secret', {
          token,
          body: { type: 'kv', options: { version: '2' } },
        })
      ).status !== 204
    )
      throw new Error('mount failed');

    // 1. Latency: direct vs forwarded.
    const active = await cluster.active();
    const standby = cluster.nodes.find((n) => n !== active) as HaNodeProcess;
    await timedWrites(active, token, 'warm-a', 50);
    await timedWrites(standby, token, 'warm-s', 50);
    const direct = summary(await timedWrites(active, token, 'direct', opts.writes));
    const forwarded = summary(await timedWrites(standby, token, 'fwd', opts.writes));

    // 2. Failover.
    const failovers: number[] = [];
    for (let round = 0; round < opts.rounds; round++) {
      const victim = await cluster.active();
      const writer = cluster.nodes.find((n) => n !== victim && n.alive) as HaNodeProcess;
      // Make sure the writer's connection is warm and the cluster healthy before the kill.
      if ((await send(writer, 'POST', 'secret/data/pre', token, { data: { round } })) !== 200)
        throw new Error('pre-kill write failed');
      const killedAt = performance.now();
      await victim.kill();
      let recovered: number | undefined;
      while (performance.now() - killedAt < 60_000) {
        if (
          (await send(writer, 'POST', `secret/data/failover-${round}`, token, { data: { round } })) === 200
        ) {
          recovered = performance.now() - killedAt;
          break;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      if (recovered === undefined) throw new Error(`round ${round}: no write succeeded within 60 s`);
      failovers.push(recovered);
      if (!opts.json)
        process.stdout.write(`failover ${round + 1}/${opts.rounds}: ${recovered.toFixed(0)} ms\n`);
      await victim.start();
      await victim.unseal(init.keys);
      const next = await cluster.active();
      const commit = (await next.leader())['raft_committed_index'] as number;
      await eventually(`${victim.id} to catch up`, 30_000, async () =>
        ((await victim.leader())['raft_applied_index'] as number) >= commit ? true : undefined,
      );
      await eventually('a healthy cluster', 30_000, async () => {
        const res = await next.request('GET', 'sys/storage/raft/autopilot/state', { token });
        const data = res.body?.['data'] as { healthy?: boolean } | undefined;
        return data?.healthy === true ? true : undefined;
      });
    }
    const failover = summary(failovers);
    const result = {
      performance_multiplier: opts.multiplier,
      writes: opts.writes,
      direct_ms: direct,
      forwarded_ms: forwarded,
      failover_ms: { ...failover, samples: failovers.map((x) => Math.round(x)) },
    };
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const f = (x: number): string => x.toFixed(2);
      process.stdout.write(
        `\nperformance_multiplier=${opts.multiplier}, ${opts.writes} sequential 16-byte KV v2 writes each\n` +
          `direct    write: median ${f(direct.median)} ms  p95 ${f(direct.p95)} ms  p99 ${f(direct.p99)} ms  mean ${f(direct.mean)} ms\n` +
          `forwarded write: median ${f(forwarded.median)} ms  p95 ${f(forwarded.p95)} ms  p99 ${f(forwarded.p99)} ms  mean ${f(forwarded.mean)} ms\n` +
          `failover (SIGKILL active → first successful write), ${opts.rounds} rounds: median ${failover.median.toFixed(0)} ms  ` +
          `min ${failover.min.toFixed(0)} ms  max ${failover.max.toFixed(0)} ms  mean ${failover.mean.toFixed(0)} ms\n`,
      );
    }
  } finally {
    sender.close();
    await cluster.destroy();
  }
}

await main();
