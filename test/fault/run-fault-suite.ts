/**
 * Fault-suite runner (W1 register under a seeded nemesis on a proxied 3-node cluster).
 *
 *   node --conditions=source --import tsx test/fault/run-fault-suite.ts [--tier C|N] [--seed S]
 *        [--ops N] [--faults F] [--minutes M] [--rate R] [--out DIR]
 *
 * Prints operations checked, faults by kind, anomalies and undecided results. The run directory
 * (history.jsonl, checker.json, repro.txt, node logs, and on anomaly the nodes' data) is kept on
 * anomaly and removed otherwise unless --keep. Exit code 0 = no anomaly and nothing undecided.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HistoryRecorder, checkDefiniteFailures, checkRegisterLinearizability } from './checker/index.js';
import { FaultCluster } from './harness/fault-cluster.js';
import { Nemesis } from './harness/nemesis.js';
import { RegisterWorkload } from './harness/register-workload.js';

const { values: a } = parseArgs({
  options: {
    tier: { type: 'string' },
    seed: { type: 'string' },
    ops: { type: 'string' },
    faults: { type: 'string' },
    minutes: { type: 'string' },
    rate: { type: 'string' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

const tier = a.tier ?? '';
const seed = a.seed !== undefined ? Number(a.seed) : Math.floor(Math.random() * 2 ** 31);
const minutes = a.minutes !== undefined ? Number(a.minutes) : tier === 'N' ? 60 : tier === 'C' ? 20 : 10;
const soak = a.minutes !== undefined && a.ops === undefined;
const ops =
  a.ops !== undefined ? Number(a.ops) : soak ? Number.MAX_SAFE_INTEGER : tier === 'C' ? 100_000 : 5_000;
const faults =
  a.faults !== undefined ? Number(a.faults) : soak ? Number.MAX_SAFE_INTEGER : tier === 'C' ? 60 : 10;
// One fault cycle ≈ 7 s; spread the ops over the faults unless a rate is given.
const rate =
  a.rate !== undefined
    ? Number(a.rate)
    : soak
      ? 150
      : Math.min(400, Math.max(20, Math.ceil(ops / (faults * 7))));
const ELECTION_TIMEOUT_MS = 2_000; // performance_multiplier 2: elections after 1–2 s
const out =
  a.out ?? join(tmpdir(), 'coffer-fault', `seed${seed}-${new Date().toISOString().replace(/[:.]/g, '')}`);
const repro = `node --conditions=source --import tsx test/fault/run-fault-suite.ts --seed ${seed} --ops ${a.ops ?? ops} --faults ${a.faults ?? faults} --minutes ${minutes} --rate ${rate}`;

const startedAt = Date.now();
const deadline = startedAt + minutes * 60_000;
const lines: string[] = [];
const log = (s: string): void => {
  const line = `[${((Date.now() - startedAt) / 1000).toFixed(1)}s] ${s}`;
  lines.push(line);
  console.log(line);
};

await mkdir(out, { recursive: true });
await writeFile(join(out, 'repro.txt'), repro + '\n');
log(
  `seed ${seed}; ops ${ops === Number.MAX_SAFE_INTEGER ? '∞' : ops}, faults ${faults === Number.MAX_SAFE_INTEGER ? '∞' : faults}, ${rate} ops/s, ≤ ${minutes} min; out ${out}`,
);
log(`repro: ${repro}`);

const cluster = await FaultCluster.create({ root: join(out, 'cluster') });
let anomalies = 0;
let undecided = 0;
let keepData = a.keep;
let interrupted = false;
const onSignal = (): void => {
  interrupted = true;
  void cluster.destroy(true).finally(() => process.exit(130));
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

try {
  await cluster.form();
  log(
    `cluster formed (${cluster.nodes.map((n) => `${n.id} api:${n.apiPort} cluster:${n.clusterPort} via proxy:${n.proxyPort}`).join(', ')})`,
  );
  const recorder = new HistoryRecorder({ file: join(out, 'history.jsonl') });
  const workload = new RegisterWorkload(recorder, cluster.nodes, cluster.rootToken, {
    seed,
    clients: 10,
    ops,
    rate,
    opsPerKey: 150,
    slots: 8,
    timeoutMs: 5_000,
    deadline,
  });
  const nemesis = new Nemesis(cluster, {
    seed,
    faults,
    deadline,
    holdMs: [1_000, 5_000],
    gapMs: [1_000, 3_000],
    log,
  });
  const load = workload.run();
  const progress = setInterval(
    () => log(`progress: ${workload.issued} ops issued, ${nemesis.injected} faults`),
    10_000,
  );
  try {
    await nemesis.run();
    log(`nemesis done: ${nemesis.injected} faults`);
    await load;
  } finally {
    clearInterval(progress);
    workload.stop();
    nemesis.stop();
  }
  log(`workload done: ${workload.issued} ops issued`);

  // Heal, then a leader within 10 election timeouts.
  const healStart = Date.now();
  await cluster.healAll();
  const healed = Date.now();
  let leaderMs: number | undefined;
  try {
    await cluster.active(10 * ELECTION_TIMEOUT_MS);
    leaderMs = Date.now() - healed;
  } catch {
    leaderMs = undefined;
  }
  const recoveryOk = leaderMs !== undefined;
  if (!recoveryOk) anomalies++;
  log(
    `healed in ${healed - healStart} ms (restarts included); leader after ${leaderMs ?? '> ' + String(10 * ELECTION_TIMEOUT_MS)} ms`,
  );

  const finals = recoveryOk ? await workload.finalReads() : 0;
  log(`final reads: ${finals}`);
  workload.close();
  await recorder.close();
  const history = recorder.history();

  const lin = checkRegisterLinearizability(history, { totalTimeoutMs: 300_000 });
  const defin = checkDefiniteFailures(history);
  const counts = { ok: 0, fail: 0, info: 0 };
  for (const h of history) counts[h.outcome]++;

  // State equality: converge, stop all, hash FSMs.
  let fsm: { equal: boolean; detail: string } = { equal: false, detail: 'not checked' };
  try {
    const applied = await cluster.awaitConverged(30_000);
    const hashes = await cluster.stopAndHash();
    const vals = [...hashes.values()];
    const equal = vals.every((v) => v.hash === vals[0]?.hash && v.applied === vals[0]?.applied);
    fsm = {
      equal,
      detail: `applied ${applied}; ${[...hashes].map(([id, s]) => `${id}: applied ${s.applied}, ${s.entries} entries, ${s.hash.slice(0, 12)}`).join('; ')}`,
    };
  } catch (e) {
    fsm = { equal: false, detail: `did not converge: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!fsm.equal) anomalies++;

  if (lin.valid === false) anomalies += Math.max(1, lin.failures.length);
  if (lin.valid === 'unknown') undecided += lin.unknownKeys.length || 1;
  if (lin.valid === false && lin.unknownKeys.length > 0) undecided += lin.unknownKeys.length;
  if (!defin.valid) anomalies += defin.violations.length;

  const checker = {
    linearizability:
      lin.valid === true
        ? { valid: true, stats: lin.stats }
        : lin.valid === false
          ? {
              valid: false,
              key: lin.key,
              failures: lin.failures.map((f) => ({ message: f.message, kind: f.kind, lines: f.lines })),
              unknownKeys: lin.unknownKeys,
              stats: lin.stats,
            }
          : { valid: 'unknown', reason: lin.reason, unknownKeys: lin.unknownKeys },
    definiteFailures: {
      valid: defin.valid,
      failedOps: defin.failedOps,
      violations: defin.violations.map((v) => v.message),
    },
    fsm,
    leaderAfterHealMs: leaderMs ?? null,
  };
  await writeFile(
    join(out, 'checker.json'),
    JSON.stringify(checker, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2),
  );

  log('----- summary -----');
  log(
    `operations checked: ${history.length} (ok ${counts.ok}, fail ${counts.fail}, info ${counts.info}); keys ${workload.keys.size}`,
  );
  log(
    `faults injected: ${nemesis.injected} (${[...nemesis.counts].map(([k, n]) => `${k} ${n}`).join(', ')})`,
  );
  log(
    `linearizability: ${lin.valid === true ? 'valid' : lin.valid === false ? `INVALID on ${lin.key}: ${lin.explanation.message}` : `unknown: ${lin.reason}`} (${lin.stats.ms} ms)`,
  );
  log(
    `definite failures: ${defin.valid ? 'none took effect' : `${defin.violations.length} took effect`} (${defin.failedOps} failed ops)`,
  );
  log(
    `leader after heal: ${leaderMs ?? 'none'} ms (bound ${10 * ELECTION_TIMEOUT_MS} ms); FSM equal: ${fsm.equal} (${fsm.detail})`,
  );
  log(
    `anomalies: ${anomalies}; undecided: ${undecided}; wall ${((Date.now() - startedAt) / 1000).toFixed(0)} s`,
  );
  if (anomalies > 0 || undecided > 0) keepData = true;
} catch (e) {
  log(`harness error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  anomalies++;
  keepData = true;
} finally {
  for (const [id, text] of cluster.logs())
    await writeFile(join(out, `${id}.log`), text).catch(() => undefined);
  await writeFile(join(out, 'run.log'), lines.join('\n') + '\n');
  if (!interrupted) await cluster.destroy(keepData);
  if (keepData) log(`artifacts kept in ${out} (repro: ${repro})`);
  else await rm(out, { recursive: true, force: true });
}
process.exit(anomalies > 0 || undecided > 0 ? 1 : 0);
