/**
 * `npm run bench:cluster`: Coffer (3 nodes, raft storage, fsync on) side by side with etcd
 * (3 members, Debian `etcd-server`, v3 JSON gateway), all on 127.0.0.1, driven by the same
 * closed-loop HTTP load generator (autocannon) with the same settings, alternating systems,
 * `--reps` repetitions, medians reported. Prints one table and appends a dated copy to
 * docs/performance.md.
 *
 * Flags: --seconds N (per cell, default 10)  --reps N (default 3)  --quick (3 s, 1 rep)
 *        --only id,id (cells: write-1 write-16 write-64 read-64 fwd-64 token-64)
 *        --no-etcd  --no-doc (do not append to docs/performance.md)
 *        --cpu-prof DIR (start the Coffer servers with --cpu-prof into DIR; summary printed)
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { onCleanup, runCleanup } from './bench-cleanup.js';
import { boolFlag, flagValue, numberFlag } from './bench-flags.js';
import { CofferCluster } from './coffer-cluster.js';
import { summariseCpuProfiles } from './cpu-profile-summary.js';
import { EtcdCluster, ensureEtcdInstalled, etcdVersion } from './etcd-cluster.js';
import { runCell, type CellResult, type LoadSpec } from './load-cell.js';
import { appendToPerformanceDoc, fmt, markdownTable, median, runEnvironment } from './perf-report.js';

const argv = process.argv.slice(2);
const quick = boolFlag(argv, 'quick');
const seconds = numberFlag(argv, 'seconds', quick ? 3 : 10);
const reps = Math.round(numberFlag(argv, 'reps', quick ? 1 : 3));
const withEtcd = !boolFlag(argv, 'no-etcd');
const writeDoc = !boolFlag(argv, 'no-doc');
const only = flagValue(argv, 'only')?.split(',');
const profileDir = flagValue(argv, 'cpu-prof');

/** 256 bytes, the value of every write (etcd's benchmark size). */
const VALUE = 'v'.repeat(256);
const VALUE_B64 = Buffer.from(VALUE).toString('base64');
const READ_KEYS = 1000;
const b64 = (s: string): string => Buffer.from(s).toString('base64');

type System = 'coffer' | 'etcd';

interface Cell {
  readonly id: string;
  readonly label: string;
  readonly connections: number;
  /** Compared with this cell's etcd result, or (`versus`) with another Coffer cell. */
  readonly etcd: boolean;
  readonly versus?: string;
}

const CELLS: readonly Cell[] = [
  { id: 'write-1', label: 'KV v2 write 256 B / etcd PUT', connections: 1, etcd: true },
  { id: 'write-16', label: 'KV v2 write 256 B / etcd PUT', connections: 16, etcd: true },
  { id: 'write-64', label: 'KV v2 write 256 B / etcd PUT', connections: 64, etcd: true },
  { id: 'read-64', label: 'KV v2 read / etcd linearizable range', connections: 64, etcd: true },
  {
    id: 'fwd-64',
    label: 'KV v2 write via standby (ratio: vs direct write-64)',
    connections: 64,
    etcd: false,
    versus: 'write-64',
  },
  { id: 'token-64', label: 'token create (no etcd counterpart)', connections: 64, etcd: false },
].filter((c) => only === undefined || only.includes(c.id));

let writeSeq = 0;

async function cofferSpec(cell: Cell, cluster: CofferCluster): Promise<LoadSpec> {
  const node = cell.id === 'fwd-64' ? await cluster.standby() : await cluster.active();
  const base = {
    url: node.url,
    connections: cell.connections,
    seconds,
    headers: { 'X-Vault-Token': cluster.token, 'Content-Type': 'application/json' },
    pids: cluster.pids,
  };
  if (cell.id === 'read-64')
    return { ...base, method: 'GET', next: (n) => ({ path: `/v1/secret/data/r-${n % READ_KEYS}` }) };
  if (cell.id === 'token-64')
    return { ...base, method: 'POST', next: () => ({ path: '/v1/auth/token/create', body: '{"ttl":"1h"}' }) };
  const body = JSON.stringify({ data: { value: VALUE } });
  return { ...base, method: 'POST', next: () => ({ path: `/v1/secret/data/w-${writeSeq++}`, body }) };
}

async function etcdSpec(cell: Cell, etcd: EtcdCluster): Promise<LoadSpec> {
  const port = await etcd.leaderPort();
  const base = {
    url: `http://127.0.0.1:${port}`,
    connections: cell.connections,
    seconds,
    headers: { 'Content-Type': 'application/json' },
    pids: etcd.pids,
  };
  if (cell.id === 'read-64')
    return {
      ...base,
      method: 'POST',
      next: (n) => ({ path: '/v3/kv/range', body: `{"key":"${b64(`r-${n % READ_KEYS}`)}"}` }),
    };
  return {
    ...base,
    method: 'POST',
    next: () => ({ path: '/v3/kv/put', body: `{"key":"${b64(`w-${writeSeq++}`)}","value":"${VALUE_B64}"}` }),
  };
}

/** Runs `task` over 0..count-1 with at most `limit` in flight. */
async function pool(count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

async function seed(cluster: CofferCluster, etcd: EtcdCluster | undefined): Promise<void> {
  const active = await cluster.active();
  await pool(READ_KEYS, 16, async (i) => {
    const res = await active.request('POST', `secret/data/r-${i}`, {
      token: cluster.token,
      body: { data: { value: VALUE } },
    });
    if (res.status !== 200) throw new Error(`seed r-${i}: ${res.status} ${res.text}`);
  });
  if (etcd !== undefined) {
    const port = await etcd.leaderPort();
    await pool(READ_KEYS, 16, (i) => etcd.put(port, `r-${i}`, VALUE));
  }
}

function describe(sys: System, cell: Cell, r: CellResult): string {
  return (
    `${sys.padEnd(6)} ${cell.id.padEnd(9)} ${fmt.int(r.reqPerSec).padStart(7)} req/s  p50 ${fmt.ms(r.p50Ms)} ms  ` +
    `p99 ${fmt.ms(r.p99Ms)} ms  ${r.cpuMsPerReq.toFixed(3)} CPU-ms/req  machine ${fmt.pct(r.machineBusyPct)}` +
    (r.failed > 0 ? `  FAILED ${r.failed}` : '')
  );
}

async function main(): Promise<void> {
  if (withEtcd) ensureEtcdInstalled();
  const env = runEnvironment(withEtcd ? { etcd: etcdVersion() } : {});
  console.log(`bench:cluster — ${seconds} s per cell, ${reps} rep(s); ${env}`);
  let profiles: string | undefined;
  if (profileDir !== undefined) {
    profiles = resolve(profileDir);
    await mkdir(profiles, { recursive: true });
  }
  const cluster = await CofferCluster.start(profiles === undefined ? {} : { cpuProfileDir: profiles });
  onCleanup(() => cluster.destroy());
  const etcd = withEtcd ? await EtcdCluster.start() : undefined;
  if (etcd !== undefined) onCleanup(() => etcd.destroy());
  console.log('clusters up; seeding read keys and warming up…');
  await seed(cluster, etcd);
  const warm: Cell = { id: 'warm', label: '', connections: 64, etcd: true };
  await runCell({ ...(await cofferSpec(warm, cluster)), seconds: 2 });
  if (etcd !== undefined) await runCell({ ...(await etcdSpec(warm, etcd)), seconds: 2 });

  if (profiles !== undefined) for (const pid of cluster.pids) process.kill(pid, 'SIGUSR2');
  const results = new Map<string, CellResult[]>();
  const record = (sys: System, cell: Cell, r: CellResult): void => {
    const key = `${sys}/${cell.id}`;
    results.set(key, [...(results.get(key) ?? []), r]);
    console.log(describe(sys, cell, r));
  };
  for (let rep = 0; rep < reps; rep++) {
    console.log(`— repetition ${rep + 1}/${reps}`);
    for (const cell of CELLS) {
      const order: System[] = rep % 2 === 0 ? ['coffer', 'etcd'] : ['etcd', 'coffer'];
      for (const sys of order) {
        if (sys === 'etcd' && (etcd === undefined || !cell.etcd)) continue;
        const spec = sys === 'coffer' ? await cofferSpec(cell, cluster) : await etcdSpec(cell, etcd!);
        record(sys, cell, await runCell(spec));
      }
    }
  }

  const med = (sys: System, id: string, pick: (r: CellResult) => number): number =>
    median((results.get(`${sys}/${id}`) ?? []).map(pick));
  const rows = CELLS.map((cell) => {
    const c = (pick: (r: CellResult) => number): number => med('coffer', cell.id, pick);
    const e = (pick: (r: CellResult) => number): number => (cell.etcd ? med('etcd', cell.id, pick) : NaN);
    const rps = c((r) => r.reqPerSec);
    const ratio =
      cell.versus !== undefined
        ? rps / med('coffer', cell.versus, (r) => r.reqPerSec)
        : rps / e((r) => r.reqPerSec);
    const failed = (results.get(`coffer/${cell.id}`) ?? []).reduce((s, r) => s + r.failed, 0);
    return [
      `${cell.label}${failed > 0 ? ` (${failed} failed)` : ''}`,
      String(cell.connections),
      fmt.int(rps),
      fmt.ms(c((r) => r.p50Ms)),
      fmt.ms(c((r) => r.p99Ms)),
      c((r) => r.cpuMsPerReq).toFixed(3),
      fmt.int(e((r) => r.reqPerSec)),
      fmt.ms(e((r) => r.p50Ms)),
      fmt.ms(e((r) => r.p99Ms)),
      cell.etcd ? e((r) => r.cpuMsPerReq).toFixed(3) : '–',
      fmt.ratio(ratio),
      fmt.pct(median((results.get(`coffer/${cell.id}`) ?? []).map((r) => r.machineBusyPct))),
    ];
  });
  const table = markdownTable(
    [
      'test',
      'conns',
      'Coffer req/s',
      'p50 ms',
      'p99 ms',
      'CPU-ms/req',
      'etcd req/s',
      'p50 ms',
      'p99 ms',
      'CPU-ms/req',
      'Coffer/etcd',
      'busy',
    ],
    rows,
  );
  const loadAfter = runEnvironment().replace(/^.*load average before /, '');
  const notes =
    `${env}; load average after ${loadAfter}. ${seconds} s per cell, median of ${reps} rep(s), ` +
    'systems alternating; CPU-ms/req = utime+stime of the 3 server processes per successful request; ' +
    'busy = whole machine (2 cores) during the Coffer cell.';
  console.log(`\n${table}\n\n${notes}`);
  if (writeDoc) await appendToPerformanceDoc('bench:cluster', `${notes}\n\n${table}`);
  if (profiles !== undefined) {
    await cluster.destroy();
    console.log(`\n${await summariseCpuProfiles(profiles, 25)}`);
  }
}

try {
  await main();
} catch (err) {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
} finally {
  await runCleanup();
}
