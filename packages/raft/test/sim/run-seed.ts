import { ConfChangeType, Role } from '../../src/core/index.js';
import type { ConfChange, NodeId, Status } from '../../src/core/index.js';
import { Prng } from './prng.js';
import { SIM_TICK_MS, SimCluster } from './sim-cluster.js';
import type { SimNodeConfig } from './sim-node.js';

/** What one seed did (for reporting that the simulation exercised what it claims to). */
export interface SeedStats {
  readonly seed: number;
  readonly steps: number;
  readonly acked: number;
  readonly leaders: number;
  readonly crashes: number;
  readonly confChanges: number;
  readonly snapshots: number;
  readonly reads: number;
  readonly transfers: number;
  /** Steps during which some live node was leader. */
  readonly leaderSteps: number;
  /** ReadIndex requests answered from a leader lease (counted on the nodes alive at the end). */
  readonly leaseReads: number;
}

/** Variations of the simulated cluster beyond what the seed picks. */
export interface SeedOptions {
  /** Leader-lease reads on every node (forces check-quorum on). */
  readonly lease?: boolean;
}

/** A failed seed, with the one-line command that replays it. */
export class SeedFailure extends Error {
  constructor(
    readonly seed: number,
    readonly step: number,
    steps: number,
    cause: unknown,
    lease = false,
  ) {
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    const stepsVar = (steps === 2000 ? '' : `SIM_STEPS=${steps} `) + (lease ? 'SIM_LEASE=1 ' : '');
    super(
      `seed ${seed}${lease ? ' (leases)' : ''} failed at step ${step}: ${reason}\n` +
        `  replay: SIM_SEED=${seed} ${stepsVar}npm test -- packages/raft/test/sim/regressions   (SIM_TRACE=1 prints every event)`,
    );
    this.name = 'SeedFailure';
    if (cause instanceof Error && cause.stack !== undefined) this.stack = `${this.message}\n${cause.stack}`;
  }
}

const POOL: readonly NodeId[] = ['n1', 'n2', 'n3', 'n4', 'n5'];

const encoder = new TextEncoder();

function confChange(type: ConfChangeType, nodeId: NodeId): ConfChange {
  return { type, nodeId, context: encoder.encode(`addr-${nodeId}`) };
}

/**
 * One seeded random run: a 3–5 node cluster under random proposals, reads, message loss,
 * duplication and reordering, partitions, crashes (losing un-fsynced state) and restarts,
 * membership changes (add/promote/remove, including the leader), compaction (followers behind
 * the compacted log catch up by snapshot) and leadership transfers. Invariants are checked after
 * every step; at the end the network heals and the cluster must converge and accept a write.
 */
/** Fault intensity of a seed: how often each kind of event happens per step. */
interface Profile {
  readonly name: string;
  readonly crash: number;
  readonly crashLeader: number;
  readonly restart: number;
  readonly partition: number;
  readonly isolateLeader: number;
  readonly heal: number;
  readonly propose: number;
  readonly read: number;
  /** Chance to cut off or crash a leader the moment it is elected (before its first entry spreads). */
  readonly hitNewLeader: number;
}

const PROFILES: readonly Profile[] = [
  // Mostly healthy: long stretches of replication, occasional faults.
  {
    name: 'calm',
    crash: 0.001,
    crashLeader: 0.0005,
    restart: 0.02,
    partition: 0.001,
    isolateLeader: 0.0005,
    heal: 0.008,
    propose: 0.12,
    read: 0.03,
    hitNewLeader: 0,
  },
  // Frequent faults of every kind.
  {
    name: 'stormy',
    crash: 0.004,
    crashLeader: 0.001,
    restart: 0.02,
    partition: 0.004,
    isolateLeader: 0.001,
    heal: 0.006,
    propose: 0.08,
    read: 0.03,
    hitNewLeader: 0.05,
  },
  // Leaders keep dying or getting cut off: many terms with divergent uncommitted tails.
  {
    name: 'churn',
    crash: 0.001,
    crashLeader: 0.004,
    restart: 0.03,
    partition: 0.001,
    isolateLeader: 0.004,
    heal: 0.006,
    propose: 0.12,
    read: 0.04,
    hitNewLeader: 0.3,
  },
  // Long partitions around the leader: a deposed leader keeps running beside a new one.
  {
    name: 'split',
    crash: 0.0005,
    crashLeader: 0.0005,
    restart: 0.03,
    partition: 0.002,
    isolateLeader: 0.004,
    heal: 0.003,
    propose: 0.12,
    read: 0.06,
    hitNewLeader: 0.1,
  },
];

export function runSeed(
  seed: number,
  steps = 2000,
  trace?: (line: string) => void,
  options: SeedOptions = {},
): SeedStats {
  const rng = new Prng(seed);
  const profile = rng.pick(PROFILES);
  const founderCount = rng.pick([3, 3, 3, 4, 5]);
  const founders = POOL.slice(0, founderCount);
  let cfg: Partial<SimNodeConfig> = {
    electionTick: rng.pick([5, 10]),
    heartbeatTick: 1,
    preVote: rng.chance(0.85),
    checkQuorum: rng.chance(0.85),
    maxSizePerMsg: rng.pick([1, 64, 512, 1024 * 1024]),
    maxInflightMsgs: rng.pick([1, 2, 4, 16, 256]),
    maxInflightBytes: rng.pick([0, 0, 300]),
    maxCommittedSizePerReady: rng.pick([64, 1024 * 1024]),
  };
  if (options.lease === true) {
    // The margin a real node uses (RaftNode): 80 % of the electionTick − 1 ticks a voter counts.
    const electionTick = cfg.electionTick ?? 10;
    cfg = { ...cfg, checkQuorum: true, leaseMs: Math.floor(0.8 * (electionTick - 1) * SIM_TICK_MS) };
  }
  const c = new SimCluster(founders, rng.next() * 2 ** 32, cfg);
  c.trace = trace;
  c.network.dropRate = rng.pick([0, 0.01, 0.03, 0.08]);
  c.network.dupRate = rng.pick([0, 0.02, 0.05]);
  const compactKeep = rng.pick([0, 2, 10]);

  let step = 0;
  let confChanges = 0;
  let transfers = 0;
  let leaderSteps = 0;
  let leadersSeen = 0;
  const log = (s: string): void => trace?.(`[${step}] ${s}`);
  log(
    `profile ${profile.name} founders ${founders.join(',')} cfg ${JSON.stringify(cfg)} drop ${c.network.dropRate} dup ${c.network.dupRate}`,
  );

  const leaderStatus = (): Status | undefined => {
    const id = c.leader();
    return id === undefined ? undefined : c.node(id).raw?.status();
  };

  const doConfChange = (): void => {
    const st = leaderStatus();
    if (st === undefined || c.frozen.has(st.id)) return;
    const voters = st.config.voters;
    const learners = st.config.learners;
    const nonMembers = POOL.filter((id) => !voters.includes(id) && !learners.includes(id));
    const options: ConfChange[] = [];
    for (const id of nonMembers) {
      options.push(confChange(ConfChangeType.AddLearner, id));
      options.push(confChange(ConfChangeType.AddVoter, id));
    }
    for (const id of learners) options.push(confChange(ConfChangeType.AddVoter, id));
    if (voters.length > 2) for (const id of voters) options.push(confChange(ConfChangeType.RemoveNode, id));
    for (const id of learners) options.push(confChange(ConfChangeType.RemoveNode, id));
    if (options.length === 0) return;
    const cc = rng.pick(options);
    const r = c.proposeConfChange(st.id, cc);
    log(`conf change ${cc.type} ${cc.nodeId} on ${st.id}: ${JSON.stringify(r)}`);
    if (typeof r !== 'string') {
      confChanges++;
      if (cc.type !== ConfChangeType.RemoveNode) c.addJoiner(cc.nodeId);
    }
  };

  const randomPartition = (): void => {
    const ids = [...c.nodes.keys()];
    if (rng.chance(0.5)) {
      const id = rng.pick(ids);
      c.network.isolate(id);
      log(`isolate ${id}`);
    } else {
      const a: NodeId[] = [];
      const b: NodeId[] = [];
      for (const id of ids) (rng.chance(0.5) ? a : b).push(id);
      c.network.partition([a, b]);
      log(`partition ${a.join(',')} | ${b.join(',')}`);
    }
  };

  // Cumulative thresholds of the per-step event distribution.
  const p = profile;
  const events: [number, () => void][] = [];
  let acc = 0;
  const on = (prob: number, f: () => void): void => {
    acc += prob;
    events.push([acc, f]);
  };
  on(0.12, () => c.tick());
  on(0.02, () => c.tick(rng.pick([...c.nodes.keys()])));
  on(p.propose, () => {
    const leader = c.leader();
    const id = leader !== undefined && rng.chance(0.9) ? leader : rng.pick([...c.nodes.keys()]);
    const size = rng.pick([0, 0, 20, 200]);
    if (c.frozen.has(id)) return; // a stopped process takes no requests
    const res = c.propose(id, size);
    if (typeof res !== 'string') log(`propose on ${id} → ${res.index}@${res.term}`);
  });
  on(p.read, () => {
    const live = c.liveNodes();
    if (live.length !== 0) {
      const n = rng.pick(live);
      if (c.frozen.has(n.id)) return;
      const ctx = c.readIndex(n.id);
      log(`read on ${n.id}: ${ctx}`);
    }
  });
  on(p.crash, () => {
    const live = c.liveNodes();
    if (live.length > 1) c.crash(rng.pick(live).id);
  });
  on(0.002, () => {
    // A crash in the middle of a Ready: after the fsync but before sending/applying, or before
    // the fsync with the leader's appends already out. Snapshot installs are preferred victims.
    const mid = [...c.nodes.values()].filter((n) => n.pending !== undefined);
    if (mid.length === 0) return;
    const snap = mid.filter((n) => n.pending?.rd.snapshot !== undefined);
    const n = rng.pick(snap.length !== 0 ? snap : mid);
    log(`crash ${n.id} mid-Ready (phase ${n.pending?.phase})`);
    c.crash(n.id);
  });
  on(p.crashLeader, () => {
    const l = c.leader();
    if (l !== undefined) c.crash(l);
  });
  on(p.restart, () => {
    const down = [...c.nodes.values()].filter((n) => !n.alive);
    if (down.length !== 0) c.restart(rng.pick(down).id);
  });
  on(p.partition, randomPartition);
  on(p.isolateLeader, () => {
    const l = c.leader();
    if (l !== undefined) {
      c.network.isolate(l);
      log(`isolate leader ${l}`);
    }
  });
  on(p.heal, () => {
    c.network.heal();
    log('heal');
  });
  on(0.015, () => {
    const live = c.liveNodes();
    if (live.length !== 0) {
      const n = rng.pick(live);
      if (!c.frozen.has(n.id) && n.compact(compactKeep))
        log(`compact ${n.id} at ${n.fsm.applied} keep ${compactKeep}`);
    }
  });
  on(0.006, doConfChange);
  on(0.004, () => {
    const st = leaderStatus();
    if (st !== undefined) {
      const to = rng.pick(st.config.voters);
      if (c.frozen.has(st.id)) return;
      c.node(st.id).raw?.transferLeader(to);
      transfers++;
      log(`transfer ${st.id} → ${to}`);
    }
  });
  on(0.002, () => {
    const live = c.liveNodes();
    if (live.length === 0) return;
    const n = live[rng.int(live.length)];
    if (n !== undefined && !c.frozen.has(n.id)) n.raw?.campaign();
  });
  if (options.lease === true) {
    // A stopped process (SIGSTOP), usually the leader: no ticks, no Readies, messages to it wait,
    // while the shared clock runs on. Thawed, it drains what queued up (acks of old heartbeats).
    on(0.004, () => {
      const l = c.leader();
      const id = l !== undefined && rng.chance(0.7) ? l : rng.pick([...c.nodes.keys()]);
      c.frozen.add(id);
      log(`freeze ${id}`);
    });
    // Reads on any node that believes it leads, stale leaders included: the ones a lease must stop.
    on(0.08, () => {
      const leaders = c
        .liveNodes()
        .filter((n) => !c.frozen.has(n.id) && n.raw?.basicStatus().role === Role.Leader);
      if (leaders.length === 0) return;
      const n = rng.pick(leaders);
      log(`read on leader ${n.id}: ${c.readIndex(n.id)}`);
    });
    on(0.005, () => {
      if (c.frozen.size === 0) return;
      const id = rng.pick([...c.frozen]);
      c.frozen.delete(id);
      log(`thaw ${id}`);
    });
  }
  // The rest: Ready processing and message delivery, about equally.
  const rest = (1 - acc) / 2;
  on(rest, () => {
    const busy = [...c.nodes.values()].filter((n) => n.hasWork() && !c.frozen.has(n.id));
    if (busy.length === 0) return;
    const n = rng.pick(busy);
    // Usually a whole Ready cycle; sometimes a single phase, so events interleave mid-Ready.
    if (rng.chance(0.3)) {
      c.advancePhase(n.id);
    } else {
      c.advancePhase(n.id);
      while (n.pending !== undefined) c.advancePhase(n.id);
    }
  });
  on(rest, () => {
    for (let k = rng.int(6); k >= 0; k--) c.deliverRandom();
  });

  try {
    for (step = 0; step < steps; step++) {
      const r = rng.next();
      let i = 0;
      while (i < events.length - 1 && r >= (events[i] as [number, () => void])[0]) i++;
      (events[i] as [number, () => void])[1]();
      const leader = c.leader();
      if (leader !== undefined) leaderSteps++;
      if (c.checker.leadersSeen > leadersSeen) {
        leadersSeen = c.checker.leadersSeen;
        if (leader !== undefined && rng.chance(p.hitNewLeader)) {
          if (rng.chance(0.5)) {
            c.network.isolate(leader);
            log(`isolate new leader ${leader}`);
          } else {
            c.crash(leader);
          }
        }
      }
    }

    // Liveness: heal everything and require convergence and one more acknowledged write.
    log('settle');
    c.frozen.clear();
    c.network.heal();
    c.network.dropRate = 0;
    c.network.dupRate = 0;
    for (const n of c.nodes.values()) if (!n.alive) c.restart(n.id);
    settle(c, () => step++);
  } catch (err) {
    throw new SeedFailure(seed, step, steps, err, options.lease === true);
  }
  let crashes = 0;
  let leaseReads = 0;
  for (const n of c.nodes.values()) {
    crashes += n.crashes;
    leaseReads += n.raw?.leaseReadsServed ?? 0;
  }
  return {
    seed,
    steps,
    acked: c.checker.acked.size,
    leaders: c.checker.leadersSeen,
    crashes,
    confChanges,
    snapshots: c.checker.snapshotsInstalled,
    reads: c.checker.readsServed,
    transfers,
    leaderSteps,
    leaseReads,
  };
}

/** After healing: a leader emerges, members catch up to every acknowledged write, a new write commits. */
function settle(c: SimCluster, onStep: () => void): void {
  const maxTicks = 400;
  let finalWrite: string | undefined;
  for (let t = 0; t < maxTicks; t++) {
    c.stabilize(5000);
    const leader = c.leader();
    if (leader !== undefined) {
      const st = c.node(leader).raw?.status();
      if (st !== undefined && st.role === Role.Leader) {
        const members = [...st.config.voters, ...st.config.learners];
        const caughtUp = members.every((id) => (c.nodes.get(id)?.fsm.applied ?? 0) >= c.checker.maxAcked);
        if (finalWrite === undefined && caughtUp) {
          const r = c.propose(leader);
          if (typeof r !== 'string') finalWrite = `${r.index}@${r.term}`;
        }
        if (finalWrite !== undefined) {
          const [index, term] = finalWrite.split('@').map(Number) as [number, number];
          const a = c.checker.acked.get(index);
          if (
            a !== undefined &&
            a.term === term &&
            members.every((id) => (c.nodes.get(id)?.fsm.applied ?? 0) >= index)
          ) {
            return;
          }
          // The write went to a leader that has since lost its term: it may be gone (or another
          // write acknowledged in its slot); propose anew.
          if ((a === undefined || a.term !== term) && st.term !== term) finalWrite = undefined;
        }
      }
    }
    c.tick();
    onStep();
  }
  const states = [...c.nodes.values()]
    .map((n) => {
      const s = n.raw?.status();
      return `${n.id}: ${s?.role} term ${s?.term} lead ${s?.leader} commit ${s?.commit} applied ${n.fsm.applied} conf ${JSON.stringify(s?.config)} progress ${JSON.stringify([...(s?.progress ?? new Map()).entries()])}`;
    })
    .join('\n  ');
  throw new Error(`liveness: cluster did not converge within ${maxTicks} ticks after healing\n  ${states}`);
}
