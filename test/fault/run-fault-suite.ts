/**
 * Fault-suite runner: W1 register + W2 set + W4 counter, concurrently, on one proxied 3-node
 * cluster, through sequential fault phases (fault-matrix §6d), each with its own history segment
 * checked after heal (WGL per key, set, counter, definite failures), then FSM hashes and a canary
 * scan of every node's data directory.
 *
 *   npm run test:fault                   tier C: F0 F1 F2 F3 F4 F7 F8 F12; targets ≥ 100k ops, ≥ 60 faults, ≤ 20 min
 *   npm run soak -- --minutes N          tier N: phases of 300 s, cycled until N minutes
 *   … run-fault-suite.ts --tier C --phases F1,F4 --phase-seconds 20 --seed S     part of a plan
 *   … run-fault-suite.ts --scenario NAME                                         a named regression scenario
 *
 * Options: --seed, --rate (ops/s, all clients), --clients, --minutes (hard bound), --out DIR, --keep.
 * Exit code 0 = no anomaly, nothing undecided and (full tier C) every target met. The run
 * directory (run.log, repro.txt, history-<phase>.jsonl, checker-<phase>.json, node logs, data
 * dirs) is kept on failure and removed otherwise unless --keep.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HistoryRecorder, checkHistory, type HistoryCheck } from './checker/index.js';
import { Prng } from './checker/prng.js';
import { scanForCanaries } from './harness/canary-scan.js';
import { CounterWorkload } from './harness/counter-workload.js';
import { FaultCluster, type FaultClusterOptions, type FaultNode } from './harness/fault-cluster.js';
import { phasePlan, SCENARIOS, type PhaseSpec } from './harness/fault-phases.js';
import { MixedLoad } from './harness/mixed-load.js';
import * as nemesisModule from './harness/nemesis.js';
import { Nemesis } from './harness/nemesis.js';
import { NodeClient } from './harness/node-client.js';
import { RESET } from './harness/link-proxy.js';
import { RegisterWorkload } from './harness/register-workload.js';
import { SetWorkload } from './harness/set-workload.js';

const { values: a } = parseArgs({
  options: {
    tier: { type: 'string' },
    seed: { type: 'string' },
    minutes: { type: 'string' },
    rate: { type: 'string' },
    clients: { type: 'string' },
    phases: { type: 'string' },
    'phase-seconds': { type: 'string' },
    scenario: { type: 'string' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

const scenario = a.scenario !== undefined ? SCENARIOS[a.scenario] : undefined;
if (a.scenario !== undefined && scenario === undefined) {
  console.error(`unknown scenario ${a.scenario}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}
const tier = a.tier === 'N' ? 'N' : 'C';
if (a.tier !== undefined && a.tier !== 'C' && a.tier !== 'N') {
  console.error(`--tier must be C or N`);
  process.exit(2);
}
const seed = scenario?.seed ?? (a.seed !== undefined ? Number(a.seed) : Math.floor(Math.random() * 2 ** 31));
const onlyPhases = scenario?.phases ?? a.phases?.split(',').map((s) => s.trim());
const phaseSeconds = a['phase-seconds'] !== undefined ? Number(a['phase-seconds']) : undefined;
const rate = a.rate !== undefined ? Number(a.rate) : 220;
const clientCount = a.clients !== undefined ? Number(a.clients) : 24;
const minutes = a.minutes !== undefined ? Number(a.minutes) : tier === 'C' ? 25 : 60;
/** Tier C targets are enforced only for the full plan at full length. */
const fullTierC = tier === 'C' && onlyPhases === undefined && phaseSeconds === undefined;
const TARGET = { ops: 100_000, faults: 60, wallMs: 20 * 60_000, snapshotInstalls: 3 };
const ELECTION_TIMEOUT_MS = 2_000; // performance_multiplier 2: elections after 1–2 s
/** Kept free at the end of a soak for heal, final reads, checks, hashes and the canary scan. */
const FINAL_MARGIN_MS = 90_000;
/**
 * Tier C keeps inside its 20 minutes on a slower machine by shortening the phases still to come
 * (never below TIER_C_MIN_PHASE_S) when the earlier ones ran long: each phase is planned from
 * the time left in this budget, less TIER_C_PHASE_OVERHEAD_MS per remaining phase (heal, final
 * reads, checks) and the final convergence, hashes and canary scan.
 */
const TIER_C_WALL_BUDGET_MS = 19 * 60_000;
const TIER_C_PHASE_OVERHEAD_MS = 20_000;
const TIER_C_FINAL_MS = 20_000;
const TIER_C_MIN_PHASE_S = 30;

const out =
  a.out ?? join(tmpdir(), 'coffer-fault', `seed${seed}-${new Date().toISOString().replace(/[:.]/g, '')}`);
const reproOf = (phases?: readonly string[]): string =>
  `node --conditions=source --import tsx test/fault/run-fault-suite.ts --tier ${tier} --seed ${seed}` +
  (phases ? ` --phases ${phases.join(',')}` : '') +
  (phaseSeconds !== undefined ? ` --phase-seconds ${phaseSeconds}` : '') +
  ` --rate ${rate} --clients ${clientCount}` +
  (tier === 'N' ? ` --minutes ${minutes}` : '');

const startedAt = Date.now();
const deadline = startedAt + minutes * 60_000;
const lines: string[] = [];
const log = (s: string): void => {
  const line = `[${((Date.now() - startedAt) / 1000).toFixed(1)}s] ${s}`;
  lines.push(line);
  console.log(line);
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const errText = (e: unknown): string => (e instanceof Error ? (e.stack ?? e.message) : String(e));

// ---- the nemesis interface (kinds, failpoints, inject) ----
type Inject = (kind: string, hold: number, pick: number) => Promise<void>;
const allKinds: readonly string[] = (nemesisModule as { FAULT_KINDS?: readonly string[] }).FAULT_KINDS ?? [];
const failpoints: readonly string[] =
  (nemesisModule as { NEMESIS_FAILPOINTS?: readonly string[] }).NEMESIS_FAILPOINTS ??
  (nemesisModule as { FAILPOINTS?: readonly string[] }).FAILPOINTS ??
  [];
/**
 * Used only while the nemesis has no `inject(kind, hold, pick)`: the kinds that need nothing
 * beyond the cluster API (kill, kill-all, pause, the partition shapes).
 */
const FALLBACK_KINDS = [
  'kill-leader',
  'kill-random',
  'kill-all',
  'pause-leader',
  'pause-random',
  'isolate-leader',
  'minority',
  'minority-reset',
  'bridge',
  'one-way-leader',
];

await mkdir(out, { recursive: true });
const hasInject = typeof (Nemesis.prototype as { inject?: unknown }).inject === 'function';
const { phases: plan, missing } = phasePlan(tier, {
  failpoints,
  has: (k) => (hasInject ? allKinds.includes(k) : FALLBACK_KINDS.includes(k)),
});
const selected = plan
  .filter((p) => onlyPhases === undefined || onlyPhases.includes(p.id))
  .map((p) => (phaseSeconds !== undefined ? { ...p, seconds: phaseSeconds } : p));
if (selected.length === 0) {
  console.error(`no phases selected (plan: ${plan.map((p) => p.id).join(' ')})`);
  process.exit(2);
}
await writeFile(join(out, 'repro.txt'), reproOf(onlyPhases) + '\n');
log(
  `tier ${tier}, seed ${seed}, ${rate} ops/s, ${clientCount} clients, ≤ ${minutes} min; phases ${selected.map((p) => `${p.id} ${p.seconds}s`).join(', ')}; out ${out}`,
);
if (missing.length > 0)
  log(`fault kinds not offered by the nemesis yet (left out): ${[...new Set(missing)].join(', ')}`);
log(`repro: ${reproOf(onlyPhases)}`);

const clusterOptions: FaultClusterOptions = {
  root: join(out, 'cluster'),
  // F8: compact often enough that a follower cut off for a few seconds needs a snapshot.
  snapshotThreshold: 1024,
  trailingLogs: 128,
};
const cluster = await FaultCluster.create(clusterOptions);
const nemesis = new Nemesis(cluster, {
  seed,
  faults: 0,
  deadline,
  holdMs: [500, 3_000],
  gapMs: [500, 2_000],
  log,
});
const injectFn = (nemesis as unknown as { inject?: Inject }).inject;
const inject: Inject | undefined = typeof injectFn === 'function' ? injectFn.bind(nemesis) : undefined;
if (inject === undefined)
  log(`nemesis has no inject(): the runner injects ${FALLBACK_KINDS.join(' ')} itself`);

interface PhaseResult {
  readonly name: string;
  readonly spec: PhaseSpec;
  readonly faults: Map<string, number>;
  readonly check: HistoryCheck | undefined;
  readonly anomalies: number;
  readonly undecided: number;
  /** Harness failures (a fault or heal that could not be carried out): the run fails, but not Coffer. */
  readonly errors: number;
  readonly leaderAfterHealMs: number | undefined;
  readonly ms: number;
}

const results: PhaseResult[] = [];
const canaries: string[] = [];
let anomalies = 0;
let undecided = 0;
let harnessErrors = 0;
let keepData = a.keep;
let interrupted = false;
const failedPhases: string[] = [];
const onSignal = (): void => {
  interrupted = true;
  void cluster.destroy(true).finally(() => process.exit(130));
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
// Hard bound: whatever happens, the run ends 5 minutes after its deadline.
const watchdog = setTimeout(
  () => {
    log(`watchdog: the run exceeded ${minutes} min + 5 min; aborting`);
    void writeFile(join(out, 'run.log'), lines.join('\n') + '\n')
      .then(() => cluster.destroy(true))
      .finally(() => process.exit(3));
  },
  deadline - Date.now() + 5 * 60_000,
);
watchdog.unref();

interface NemesisStats {
  readonly snapshotInstalls?: number;
  readonly membershipChanges?: number;
  readonly staleIdRefusals?: number;
  readonly anomalies?: readonly { readonly kind: string; readonly message: string }[];
  readonly failpointOutcomes?: readonly { readonly point: string; readonly fired: boolean }[];
}
const nemesisStats = (): NemesisStats => nemesis as unknown as NemesisStats;
const nemesisFailpoints = (): readonly { readonly point: string; readonly fired: boolean }[] =>
  nemesisStats().failpointOutcomes ?? [];

/** One fault, by kind; `failpoint:NAME` selects a failpoint. Returns the kind actually injected. */
async function injectOne(kind: string, hold: number, pick: number): Promise<string> {
  if (inject !== undefined) {
    if (kind.startsWith('failpoint:')) {
      // The nemesis cycles through its failpoints in order; one injection per failpoint covers all.
      const before = nemesisFailpoints().length;
      await inject('failpoint', hold, failpoints.indexOf(kind.slice('failpoint:'.length)));
      const o = nemesisFailpoints()[before];
      return o !== undefined ? `failpoint:${o.point}${o.fired ? '' : '(not fired)'}` : 'failpoint';
    }
    await inject(kind, hold, pick);
    return kind;
  }
  return fallbackInject(kind, hold, pick);
}

async function fallbackInject(kind: string, hold: number, pick: number): Promise<string> {
  const c = cluster;
  const target = async (leader: boolean): Promise<FaultNode> =>
    (leader ? await c.leaderOrUndefined() : undefined) ?? (c.nodes[pick % c.nodes.length] as FaultNode);
  const say = (what: string): void => log(`[nemesis] ${kind}: ${what}`);
  switch (kind) {
    case 'kill-leader':
    case 'kill-random': {
      const n = await target(kind === 'kill-leader');
      say(`SIGKILL ${n.id}, restart after ${hold.toFixed(0)} ms`);
      await c.kill(n);
      await sleep(hold);
      await c.restart(n);
      break;
    }
    case 'kill-all':
      say(`SIGKILL all, restart after ${hold.toFixed(0)} ms`);
      await Promise.all(c.nodes.map((n) => c.kill(n)));
      await sleep(hold);
      await Promise.all(c.nodes.map((n) => c.restart(n)));
      break;
    case 'pause-leader':
    case 'pause-random': {
      const n = await target(kind === 'pause-leader');
      say(`SIGSTOP ${n.id} for ${hold.toFixed(0)} ms`);
      n.pause();
      await sleep(hold);
      n.resume();
      break;
    }
    case 'isolate-leader':
    case 'minority':
    case 'minority-reset': {
      const n = await target(kind === 'isolate-leader');
      say(
        `{${n.id}} | rest (${kind === 'minority-reset' ? 'reset' : 'blackhole'}) for ${hold.toFixed(0)} ms`,
      );
      c.isolate(n.id, kind === 'minority-reset' ? RESET : undefined);
      await sleep(hold);
      c.heal();
      break;
    }
    case 'bridge': {
      const n = await target(false);
      say(`bridge through ${n.id} for ${hold.toFixed(0)} ms`);
      c.bridge(n.id);
      await sleep(hold);
      c.heal();
      break;
    }
    case 'one-way-leader': {
      const l = await target(true);
      say(`bytes from ${l.id} to the others held for ${hold.toFixed(0)} ms`);
      for (const o of c.nodes) if (o !== l) c.oneWay(l.id, o.id);
      await sleep(hold);
      c.heal();
      break;
    }
    default:
      throw new Error(`fault kind ${kind} needs the nemesis' inject()`);
  }
  return kind;
}

async function runFaults(
  spec: PhaseSpec,
  until: number,
  prng: Prng,
  counts: Map<string, number>,
): Promise<void> {
  if (spec.kinds.length === 0) return;
  let round: string[] = [];
  await sleep(prng.between(...spec.gapMs));
  while (Date.now() < until - spec.holdMs[0]) {
    if (round.length === 0) {
      round = [...spec.kinds];
      for (let i = round.length - 1; i > 0; i--) {
        const j = prng.int(i + 1);
        [round[i], round[j]] = [round[j] as string, round[i] as string];
      }
    }
    const kind = round.shift() as string;
    const hold = Math.min(prng.between(...spec.holdMs), Math.max(spec.holdMs[0], until - Date.now()));
    const done = await injectOne(kind, hold, prng.int(3));
    counts.set(done, (counts.get(done) ?? 0) + 1);
    await sleep(prng.between(...spec.gapMs));
  }
}

async function runPhase(spec: PhaseSpec, name: string, seconds: number): Promise<PhaseResult> {
  const t0 = Date.now();
  const prng = new Prng(seed ^ (results.length * 0x9e3779b1));
  const recorder = new HistoryRecorder({ file: join(out, `history-${name}.jsonl`) });
  const pool = Array.from({ length: clientCount }, () =>
    cluster.nodes.map((n) => new NodeClient(n, cluster.rootToken, 5_000)),
  );
  const w1 = new RegisterWorkload(recorder, {
    prefix: `${name}/r`,
    slots: 8,
    opsPerKey: 150,
    maxInfoPerKey: 5,
  });
  const w2 = new SetWorkload(recorder, { prefix: `${name}/s`, slots: 4, opsPerKey: 150, maxInfoPerKey: 5 });
  const w4 = new CounterWorkload(recorder, {
    prefix: `${name}/c`,
    slots: 3,
    opsPerKey: 150,
    maxInfoPerKey: 5,
  });
  const until = t0 + seconds * 1000;
  const load = new MixedLoad({
    seed,
    phase: name,
    clients: pool,
    rate,
    deadline: until,
    workloads: [
      { workload: w1, weight: 0.55 },
      { workload: w2, weight: 0.3 },
      { workload: w4, weight: 0.15 },
    ],
    onCanary: (c) => canaries.push(c),
  });
  const faults = new Map<string, number>();
  log(`== phase ${name}: ${spec.title}, ${seconds} s, kinds ${spec.kinds.join(' ') || '(none)'}`);
  const progress = setInterval(
    () =>
      log(
        `   ${name}: ${load.issued} ops, ${[...faults.values()].reduce((x, y) => x + y, 0)} faults, ${recorder.pendingCount} in flight`,
      ),
    15_000,
  );
  let leaderAfterHealMs: number | undefined;
  let check: HistoryCheck | undefined;
  let phaseAnomalies = 0;
  let phaseUndecided = 0;
  let phaseErrors = 0;
  const harnessError = (what: string, e: unknown): void => {
    phaseErrors++;
    log(`   ${name}: HARNESS ERROR (${what}): ${errText(e)}`);
  };
  const stats0 = {
    installs: nemesisStats().snapshotInstalls ?? 0,
    changes: nemesisStats().membershipChanges ?? 0,
    refusals: nemesisStats().staleIdRefusals ?? 0,
    anomalies: nemesisStats().anomalies?.length ?? 0,
  };
  try {
    const running = load.run();
    try {
      await runFaults(spec, until, prng, faults);
    } catch (e) {
      harnessError('fault injection; no more faults this phase', e);
    }
    await running;
    try {
      await cluster.healAll();
    } catch (e) {
      harnessError('heal', e);
    }
    const healed = Date.now();
    try {
      await cluster.active(10 * ELECTION_TIMEOUT_MS);
      leaderAfterHealMs = Date.now() - healed;
    } catch {
      phaseAnomalies++;
      log(`   ${name}: NO LEADER within ${10 * ELECTION_TIMEOUT_MS} ms after heal (I6)`);
    }
    const finals = { reads: 0, failed: 0 };
    for (const w of [w1, w2, w4]) {
      const f = await w.finalReads(pool[0] ?? []);
      finals.reads += f.reads;
      finals.failed += f.failed;
    }
    await recorder.close();
    const history = recorder.history();
    check = checkHistory(history, {
      isCounterKey: (k) => k.startsWith(`${name}/c`),
      isSetKey: (k) => k.startsWith(`${name}/s`),
      totalTimeoutMs: 120_000,
    });
    phaseAnomalies += check.anomalies;
    phaseUndecided += check.undecided;
    const faultText = [...faults].map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
    log(
      `   ${name}: ${check.ops} ops (ok ${check.outcomes.ok}, fail ${check.outcomes.fail}, info ${check.outcomes.info}; W1 ${load.ops.get('W1') ?? 0}, W2 ${load.ops.get('W2') ?? 0}, W4 ${load.ops.get('W4') ?? 0}, final reads ${finals.reads}${finals.failed > 0 ? `, ${finals.failed} FAILED` : ''}; ${load.refused} refused connects not recorded); faults: ${faultText}; leader ${leaderAfterHealMs ?? '—'} ms after heal`,
    );
    for (const l of check.lines) log(`   ${name}: ${l}`);
    const st = nemesisStats();
    const newAnomalies = (st.anomalies ?? []).slice(stats0.anomalies);
    log(
      `   ${name}: nemesis: ${(st.snapshotInstalls ?? 0) - stats0.installs} snapshot installs, ${(st.membershipChanges ?? 0) - stats0.changes} membership changes, ${(st.staleIdRefusals ?? 0) - stats0.refusals} stale-id rejoins refused, ${newAnomalies.length} nemesis anomalies${newAnomalies.length > 0 ? `: ${newAnomalies.map((x) => `${x.kind}: ${x.message}`).join('; ')}` : ''}`,
    );
    phaseAnomalies += newAnomalies.length;
    await writeFile(
      join(out, `checker-${name}.json`),
      JSON.stringify(
        {
          phase: name,
          faults: Object.fromEntries(faults),
          leaderAfterHealMs: leaderAfterHealMs ?? null,
          outcomes: check.outcomes,
          lines: check.lines,
          linearizability: check.linearizability,
          set: { valid: check.set.valid, reason: check.set.reason, anomalies: check.set.anomalies },
          counter: {
            valid: check.counter.valid,
            anomalies: check.counter.anomalies,
            counters: check.counter.counters,
          },
          definiteFailures: check.definiteFailures,
        },
        (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
        2,
      ),
    );
  } catch (e) {
    harnessError('phase', e);
    load.stop();
    await recorder.close().catch(() => undefined);
  } finally {
    clearInterval(progress);
    for (const row of pool) for (const c of row) c.close();
  }
  log(
    `   ${name}: anomalies ${phaseAnomalies}, undecided ${phaseUndecided}, harness errors ${phaseErrors} (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
  );
  return {
    name,
    spec,
    faults,
    check,
    anomalies: phaseAnomalies,
    undecided: phaseUndecided,
    errors: phaseErrors,
    leaderAfterHealMs,
    ms: Date.now() - t0,
  };
}

let exitCode = 0;
try {
  await cluster.form();
  log(
    `cluster formed (${cluster.nodes.map((n) => `${n.id} api:${n.apiPort} cluster:${n.clusterPort} via proxy:${n.proxyPort}`).join(', ')})`,
  );
  let cycle = 0;
  for (;;) {
    for (const [i, spec] of selected.entries()) {
      let seconds = spec.seconds;
      if (tier === 'C') {
        const rest = selected.slice(i);
        const planned = rest.reduce((n, p) => n + p.seconds, 0);
        const leftS =
          (startedAt +
            TIER_C_WALL_BUDGET_MS -
            TIER_C_FINAL_MS -
            rest.length * TIER_C_PHASE_OVERHEAD_MS -
            Date.now()) /
          1000;
        if (leftS < planned) {
          seconds = Math.max(TIER_C_MIN_PHASE_S, Math.floor((spec.seconds * leftS) / planned));
          log(
            `   behind the ${TIER_C_WALL_BUDGET_MS / 60_000}-min budget: ${spec.id} shortened to ${seconds} s`,
          );
        }
      }
      if (tier === 'N') {
        const left = deadline - FINAL_MARGIN_MS - Date.now();
        if (left < 30_000) break;
        seconds = Math.min(seconds, Math.floor(left / 1000) - 15);
      }
      const name = tier === 'N' ? `${spec.id}c${cycle}` : spec.id;
      const r = await runPhase(spec, name, seconds);
      results.push(r);
      anomalies += r.anomalies;
      undecided += r.undecided;
      harnessErrors += r.errors;
      if (r.anomalies > 0 || r.undecided > 0 || r.errors > 0) failedPhases.push(spec.id);
      if (tier === 'C' && Date.now() > deadline) {
        log(`hard bound of ${minutes} min reached; remaining phases skipped`);
        break;
      }
    }
    cycle++;
    if (tier === 'C' || deadline - FINAL_MARGIN_MS - Date.now() < 30_000) break;
  }

  // After the last heal: every node converges to the same FSM, then no canary at rest.
  let fsmEqual = false;
  try {
    await cluster.healAll();
    const applied = await cluster.awaitConverged(60_000);
    const hashes = await cluster.stopAndHash();
    const vals = [...hashes.values()];
    fsmEqual = vals.every((v) => v.hash === vals[0]?.hash && v.applied === vals[0]?.applied);
    log(
      `FSM hashes ${fsmEqual ? 'equal' : 'DIFFER'}: applied ${applied}; ${[...hashes].map(([id, s]) => `${id}: applied ${s.applied}, ${s.entries} entries, ${s.hash.slice(0, 12)}`).join('; ')}`,
    );
  } catch (e) {
    log(`FSM check failed: ${errText(e)}`);
  }
  if (!fsmEqual) anomalies++;
  const scanStart = Date.now();
  const hits = await scanForCanaries(
    cluster.nodes.map((n) => n.dir),
    [...new Set(canaries)],
  );
  log(
    `canary scan: ${canaries.length} canaries, ${hits.length} hits in ${cluster.nodes.length} data dirs (${Date.now() - scanStart} ms)${
      hits.length > 0
        ? `: ${hits
            .slice(0, 5)
            .map((h) => `${h.file} ${h.encoding}`)
            .join('; ')}`
        : ''
    }`,
  );
  anomalies += hits.length;
} catch (e) {
  log(`HARNESS ERROR: ${errText(e)}`);
  harnessErrors++;
}

// ---- summary ----
const wallMs = Date.now() - startedAt;
const totalOps = results.reduce((n, r) => n + (r.check?.ops ?? 0), 0);
const byKind = new Map<string, number>();
for (const r of results) for (const [k, n] of r.faults) byKind.set(k, (byKind.get(k) ?? 0) + n);
const totalFaults = [...byKind.values()].reduce((x, y) => x + y, 0);
const outcome = { ok: 0, fail: 0, info: 0 };
for (const r of results)
  if (r.check) for (const k of ['ok', 'fail', 'info'] as const) outcome[k] += r.check.outcomes[k];
log('----- summary -----');
for (const r of results) {
  log(
    `${r.name.padEnd(6)} ${String(r.check?.ops ?? 0).padStart(7)} ops  ${String([...r.faults.values()].reduce((x, y) => x + y, 0)).padStart(3)} faults  anomalies ${r.anomalies}  undecided ${r.undecided}${r.errors > 0 ? `  harness errors ${r.errors}` : ''}  ${(r.ms / 1000).toFixed(0)} s`,
  );
}
log(`operations checked: ${totalOps} (ok ${outcome.ok}, fail ${outcome.fail}, info ${outcome.info})`);
log(
  `nemesis totals: ${nemesisStats().snapshotInstalls ?? 0} snapshot installs, ${nemesisStats().membershipChanges ?? 0} membership changes, failpoints fired: ${
    nemesisFailpoints()
      .filter((f) => f.fired)
      .map((f) => f.point)
      .join(' ') || 'none'
  }`,
);
log(`faults injected: ${totalFaults} (${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'})`);
log(
  `anomalies: ${anomalies}; undecided: ${undecided}${harnessErrors > 0 ? `; HARNESS ERRORS: ${harnessErrors}` : ''}`,
);
log(`wall: ${(wallMs / 1000).toFixed(0)} s`);
const misses: string[] = [];
if (fullTierC) {
  if (totalOps < TARGET.ops) misses.push(`operations checked ${totalOps} < ${TARGET.ops}`);
  if (totalFaults < TARGET.faults) misses.push(`faults injected ${totalFaults} < ${TARGET.faults}`);
  if (wallMs > TARGET.wallMs) misses.push(`wall time ${(wallMs / 60_000).toFixed(1)} min > 20 min`);
  // Coverage: every kind of every phase injected, every failpoint fired, ≥ 3 snapshot installs.
  for (const spec of selected)
    for (const kind of new Set(spec.kinds))
      if ((byKind.get(kind) ?? 0) === 0) misses.push(`fault ${kind} never injected`);
  const fired = new Set(
    nemesisFailpoints()
      .filter((f) => f.fired)
      .map((f) => f.point),
  );
  for (const point of failpoints) if (!fired.has(point)) misses.push(`failpoint ${point} never fired`);
  const installs = nemesisStats().snapshotInstalls ?? 0;
  if (installs < TARGET.snapshotInstalls)
    misses.push(`snapshot installs ${installs} < ${TARGET.snapshotInstalls}`);
  log(misses.length === 0 ? 'tier C targets met' : `TIER C TARGET MISSED: ${misses.join('; ')}`);
} else log('targets not enforced (partial plan)');
{
  // One line in the test-count form CI reads: each phase's checks, the end-of-run checks (FSM
  // hashes equal, no canary at rest: folded into `anomalies`) and, for the full plan, the targets.
  const failed = results.filter((r) => r.anomalies > 0 || r.undecided > 0 || r.errors > 0).length;
  const endFailed = anomalies > results.reduce((n, r) => n + r.anomalies, 0) || harnessErrors > 0 ? 1 : 0;
  const targetsFailed = misses.length > 0 ? 1 : 0;
  const checks = results.length + 1 + (fullTierC ? 1 : 0);
  const bad = failed + endFailed + targetsFailed;
  log(`${checks - bad} passed, ${bad} failed`);
}
if (anomalies > 0 || undecided > 0 || harnessErrors > 0) {
  keepData = true;
  exitCode = 1;
  if (failedPhases.length > 0) log(`repro (failing phases): ${reproOf([...new Set(failedPhases)])}`);
}
if (misses.length > 0) exitCode = exitCode || 4;

for (const [id, text] of cluster.logs()) await writeFile(join(out, `${id}.log`), text).catch(() => undefined);
await writeFile(join(out, 'run.log'), lines.join('\n') + '\n');
if (!interrupted) await cluster.destroy(keepData);
if (keepData) log(`artifacts kept in ${out}`);
else await rm(out, { recursive: true, force: true });
clearTimeout(watchdog);
process.exit(exitCode);
