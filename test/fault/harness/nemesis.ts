/**
 * Seeded nemesis: one fault at a time — inject, hold, heal, gap — drawn from kill/restart,
 * pause/resume, isolate-leader, minority/majority (random node cut off, blackhole or reset),
 * bridge and one-way, and (fault-matrix F2/F3/F5/F7/F8/F12) kill-all, long pauses, slow links,
 * membership churn (remove a node — the leader about half the time — wipe it, bring it back as
 * a new server; sometimes first check that a wiped node under its old id is refused, I7), forced
 * snapshot installs (cut a follower off until the leader compacted past it) and crash
 * failpoints. Leader-biased where the kind says so. Every step is bounded in time, and every
 * fault is healed (all nodes running, unsealed, voters, a leader) before it returns.
 */
import { FAILPOINTS, type FailpointName } from '@coffer/raft';
import { Prng } from '../checker/prng.js';
import { RESET, delay } from './link-proxy.js';
import { withTimeout, type FaultCluster, type FaultNode } from './fault-cluster.js';

export { FAILPOINTS };
/**
 * The failpoints the nemesis arms (every point but `restore-mid`: a snapshot restore rolls the
 * state back by design, which a register history would flag; snapshot-restore.test covers it).
 */
export const NEMESIS_FAILPOINTS: readonly FailpointName[] = FAILPOINTS.filter((f) => f !== 'restore-mid');

export const FAULT_KINDS = [
  'kill-leader',
  'kill-random',
  'pause-leader',
  'pause-random',
  'isolate-leader',
  'minority',
  'minority-reset',
  'bridge',
  'one-way-leader',
  'kill-all',
  'pause-long',
  'slow-link',
  'membership',
  'snapshot-install',
  'failpoint',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface NemesisOptions {
  readonly seed: number;
  readonly faults: number;
  readonly deadline: number;
  readonly holdMs: readonly [number, number];
  readonly gapMs: readonly [number, number];
  readonly log: (line: string) => void;
  /** Restricts the random draw to these kinds (default: all of FAULT_KINDS). */
  readonly kinds?: readonly FaultKind[];
  /** Failpoints the `failpoint` kind cycles through (default NEMESIS_FAILPOINTS). */
  readonly failpoints?: readonly FailpointName[];
}

/** What one `failpoint` fault did. */
export interface FailpointOutcome {
  readonly point: FailpointName;
  readonly hit: number;
  readonly node: string;
  readonly fired: boolean;
}

/** A violation the nemesis itself observed (not a checker result): e.g. I7 not enforced. */
export interface NemesisAnomaly {
  readonly kind: FaultKind;
  readonly message: string;
}

/** Long pauses: longer than 10 election timeouts (≈ 2 s each with performance_multiplier 2). */
const PAUSE_LONG_MS = 21_000;
/** Bound for a fault's own waits (joins, installs, deaths). */
const STEP_MS = 60_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Nemesis {
  readonly counts = new Map<FaultKind, number>();
  injected = 0;
  /** Forced snapshot installs observed (the follower's installed-snapshot counter moved). */
  snapshotInstalls = 0;
  /** Membership changes completed (a removal, or a join that ended as a voter). */
  membershipChanges = 0;
  /** Wiped nodes restarted under their old, still-member id whose join was refused (I7). */
  staleIdRefusals = 0;
  readonly failpointOutcomes: FailpointOutcome[] = [];
  readonly anomalies: NemesisAnomaly[] = [];
  #stop = false;
  #generation = 0;
  #failpointIndex = 0;
  /** The armed node whose outcome is not recorded yet. */
  #armedNow: { node: FaultNode; point: FailpointName; hit: number } | undefined;
  readonly #c: FaultCluster;
  readonly #o: NemesisOptions;
  readonly #prng: Prng;
  readonly #kinds: readonly FaultKind[];

  constructor(cluster: FaultCluster, o: NemesisOptions) {
    this.#c = cluster;
    this.#o = o;
    this.#prng = new Prng(o.seed ^ 0x5eed);
    this.#kinds = o.kinds ?? FAULT_KINDS;
    if (this.#kinds.length === 0) throw new Error('Nemesis: no fault kinds to draw from');
  }

  stop(): void {
    this.#stop = true;
  }

  async run(): Promise<void> {
    while (!this.#stop && this.injected < this.#o.faults && Date.now() < this.#o.deadline) {
      const kind = this.#kinds[this.#prng.int(this.#kinds.length)] as FaultKind;
      const hold = this.#prng.between(...this.#o.holdMs);
      const pick = this.#prng.int(3);
      await this.inject(kind, hold, pick);
      await sleep(this.#prng.between(...this.#o.gapMs));
    }
  }

  /**
   * One fault, for directed scenarios: injects `kind` (holding it `hold` ms where that applies;
   * `pick` selects a node/variant), heals it fully, and counts it.
   */
  async inject(kind: FaultKind, hold: number, pick: number): Promise<void> {
    await this.#one(kind, hold, pick);
    this.injected++;
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  async #target(leaderBiased: boolean, pick: number): Promise<FaultNode> {
    if (leaderBiased) {
      const l = await this.#c.leaderOrUndefined();
      if (l !== undefined) return l;
    }
    return this.#c.nodes[pick % this.#c.nodes.length] as FaultNode;
  }

  async #one(kind: FaultKind, hold: number, pick: number): Promise<void> {
    const c = this.#c;
    const t0 = Date.now();
    const log = (what: string): void =>
      this.#o.log(`[nemesis +${((Date.now() - t0) / 1000).toFixed(1)}s] ${kind}: ${what}`);
    switch (kind) {
      case 'kill-leader':
      case 'kill-random': {
        const n = await this.#target(kind === 'kill-leader', pick);
        log(`SIGKILL ${n.id}, restart after ${hold.toFixed(0)} ms`);
        await c.kill(n);
        await sleep(hold);
        await c.restart(n);
        log(`${n.id} restarted and unsealed`);
        return;
      }
      case 'pause-leader':
      case 'pause-random': {
        const n = await this.#target(kind === 'pause-leader', pick);
        log(`SIGSTOP ${n.id} for ${hold.toFixed(0)} ms`);
        n.pause();
        await sleep(hold);
        n.resume();
        return;
      }
      case 'isolate-leader': {
        const n = await this.#target(true, pick);
        log(`blackhole all links of ${n.id} for ${hold.toFixed(0)} ms`);
        c.isolate(n.id);
        await sleep(hold);
        c.heal();
        return;
      }
      case 'minority':
      case 'minority-reset': {
        const n = c.nodes[pick] as FaultNode;
        log(`{${n.id}} | rest (${kind === 'minority' ? 'blackhole' : 'reset'}) for ${hold.toFixed(0)} ms`);
        c.isolate(n.id, kind === 'minority' ? undefined : RESET);
        await sleep(hold);
        c.heal();
        return;
      }
      case 'bridge': {
        const n = c.nodes[pick] as FaultNode;
        log(`bridge through ${n.id} for ${hold.toFixed(0)} ms`);
        c.bridge(n.id);
        await sleep(hold);
        c.heal();
        return;
      }
      case 'one-way-leader': {
        const l = await this.#target(true, pick);
        const others = c.nodes.filter((x) => x !== l);
        log(`bytes from ${l.id} to the others held (one-way) for ${hold.toFixed(0)} ms`);
        c.links.update((t) => {
          for (const o of others) t.set(l.id, o.id, { kind: 'blackhole' });
        });
        await sleep(hold);
        c.heal();
        return;
      }
      case 'kill-all': {
        const down = Math.min(hold, 2_000);
        log(`SIGKILL all nodes, restart all after ${down.toFixed(0)} ms`);
        await c.killAll();
        await sleep(down);
        await Promise.all(c.nodes.map((n) => c.restart(n)));
        await this.#settle(log);
        log('all restarted and unsealed');
        return;
      }
      case 'pause-long': {
        const n = await this.#target(true, pick);
        log(`SIGSTOP ${n.id} for ${PAUSE_LONG_MS} ms (> 10 election timeouts)`);
        n.pause();
        await sleep(PAUSE_LONG_MS);
        n.resume();
        await this.#settle(log);
        return;
      }
      case 'slow-link': {
        c.links.update((t) => {
          for (const a of c.nodes)
            for (const b of c.nodes) if (a !== b) t.set(a.id, b.id, delay(50 + this.#prng.int(251)));
        });
        log(`all links delayed (${c.links.describe()}) for ${hold.toFixed(0)} ms`);
        await sleep(hold);
        c.heal();
        return;
      }
      case 'membership':
        await this.#membership(pick, log);
        return;
      case 'snapshot-install':
        await this.#snapshotInstall(pick, log);
        return;
      case 'failpoint':
        await this.#failpoint(pick, log);
        return;
    }
  }

  // ---- membership (F7, I7) -------------------------------------------------------------------

  /**
   * Removes a node (the leader when `pick` is even: it steps down first, since our HA node
   * refuses to remove itself), wipes it and restarts it under a new raft id: it retry_joins as
   * a learner, is unsealed, and autopilot promotes it. When `pick` is 1, first restarts a wiped
   * follower under its old, still-member id and checks that its join is refused (I7); that one is
   * then removed and rejoins under the same id. `armed`: restart the leader with this failpoint
   * first (raft-before-conf-commit).
   */
  async #membership(
    pick: number,
    log: (what: string) => void,
    armed?: { point: FailpointName; hit: number },
  ): Promise<void> {
    const c = this.#c;
    let leader = await c.active();
    let armedNode: FaultNode | undefined;
    if (armed !== undefined) {
      armedNode = leader;
      await this.#arm(armedNode, armed, log);
      leader = await c.active();
    }
    const staleId = pick === 1 && armed === undefined;
    const removeLeader = pick % 2 === 0 && armed === undefined;
    const followers = c.nodes.filter((n) => n !== leader && n !== armedNode);
    const victim = removeLeader ? leader : (followers[pick % followers.length] ?? followers[0]!);
    if (staleId) {
      log(`I7: SIGKILL ${victim.id} (${victim.raftId}), wipe it, restart it under the same id`);
      await victim.kill();
      await victim.wipe();
      await victim.start();
      const active = await c.active();
      const r = await withTimeout(
        victim.request('POST', 'sys/storage/raft/join', { body: { leader_api_addr: active.url } }),
        15_000,
      );
      await sleep(3_000);
      const st = await victim.request('GET', 'sys/seal-status');
      const refused = r.status === 400 && /already a member/.test(r.text);
      if (refused && st.body?.['initialized'] === false) {
        this.staleIdRefusals++;
        log(`I7: join under the old id refused (${r.status}), node stays uninitialized`);
      } else {
        const msg = `I7 violated: a wiped node rejoining as ${victim.raftId} got join ${r.status} ${r.text.slice(0, 200)}; initialized=${String(st.body?.['initialized'])}`;
        this.anomalies.push({ kind: 'membership', message: msg });
        log(msg);
      }
    } else if (victim === leader) {
      log(`step-down ${victim.id} (leader) before removing it`);
      await this.#stepDownAway(victim);
    }
    log(`remove-peer ${victim.raftId} (${victim.id})`);
    await this.#removeUntilGone(victim, log);
    this.membershipChanges++;
    if (!staleId) {
      await victim.kill();
      await victim.wipe();
      await victim.setRaftId(`${victim.id}-g${++this.#generation}`);
      await victim.start();
      log(`${victim.id} wiped, restarted as new server ${victim.raftId}`);
    }
    await this.#rejoin(victim, log);
    this.membershipChanges++;
    // Still armed (the point was never reached): record it, and run the node clean again.
    if (armedNode !== undefined && this.#armedNow?.node === armedNode)
      await this.#restartClean(armedNode, log, armedNode.alive);
    await this.#settle(log);
    log(`${victim.raftId} is a voter again`);
  }

  /** Step-down on `n` (the leader) until another node leads; bounded. */
  async #stepDownAway(n: FaultNode): Promise<void> {
    const c = this.#c;
    const deadline = Date.now() + STEP_MS;
    while (Date.now() < deadline) {
      const l = await c.leaderOrUndefined();
      if (l !== undefined && l !== n) return;
      if (l === n)
        await withTimeout(n.request('PUT', 'sys/step-down', { token: c.rootToken }), 10_000).catch(
          () => undefined,
        );
      await sleep(500);
    }
    throw new Error(`${n.id} did not hand over leadership`);
  }

  /** remove-peer through whichever node leads, until the id is gone; restarts dead bystanders (clean). */
  async #removeUntilGone(victim: FaultNode, log: (what: string) => void): Promise<void> {
    const c = this.#c;
    const deadline = Date.now() + STEP_MS;
    for (;;) {
      for (const n of c.nodes) if (n !== victim && !n.alive) await this.#restartClean(n, log);
      try {
        const servers = await c.configuration();
        if (!servers.some((s) => s.node_id === victim.raftId)) return;
        const l = await c.active();
        if (l === victim) await this.#stepDownAway(victim);
        const r = await c.removePeer(victim.raftId);
        if (r.status >= 300) log(`remove-peer answered ${r.status}: ${r.text.slice(0, 160)}`);
      } catch (e) {
        log(`remove-peer attempt failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (Date.now() > deadline) throw new Error(`${victim.raftId} still a member after ${STEP_MS} ms`);
      await sleep(500);
    }
  }

  /** Waits until `n` (running, retry_join) received a join challenge, unseals it, waits until it is a voter. */
  async #rejoin(n: FaultNode, log: (what: string) => void): Promise<void> {
    const c = this.#c;
    const deadline = Date.now() + 2 * STEP_MS;
    for (;;) {
      if (!n.alive) await n.start();
      try {
        const st = await withTimeout(n.request('GET', 'sys/seal-status'), 5_000);
        if (st.body?.['initialized'] === true && st.body['sealed'] === true) await n.unseal(c.keys);
        const s = (await c.configuration()).find((x) => x.node_id === n.raftId);
        if (s?.voter === true) return;
      } catch {
        // starting, electing
      }
      if (Date.now() > deadline) {
        log(`${n.raftId} did not become a voter in time`);
        throw new Error(`${n.raftId} did not become a voter within ${2 * STEP_MS} ms`);
      }
      await sleep(500);
    }
  }

  // ---- forced snapshot install (F8) ----------------------------------------------------------

  /**
   * Cuts a follower off (connections reset), writes until the leader has taken two snapshots since (so its log
   * starts past the follower's last index: threshold ≥ 1 and trailing logs < threshold), heals,
   * and waits until the follower installed a snapshot. `armed`: a failpoint is armed on the
   * leader (send) or the follower (install) first; then waits for that node's death instead,
   * restarts it clean, and waits for convergence.
   */
  async #snapshotInstall(
    pick: number,
    log: (what: string) => void,
    armed?: { point: FailpointName; hit: number; on: 'leader' | 'follower' },
  ): Promise<void> {
    const c = this.#c;
    const threshold = c.options.snapshotThreshold ?? 8192;
    let leader = await c.active();
    const followers = c.nodes.filter((n) => n !== leader);
    const follower = followers[pick % followers.length] ?? followers[0]!;
    let armedNode: FaultNode | undefined;
    if (armed !== undefined) {
      armedNode = armed.on === 'leader' ? leader : follower;
      await this.#arm(armedNode, armed, log);
      if (!armedNode.alive) {
        // Fired while catching up (it may have needed a snapshot right away).
        await this.#restartClean(armedNode, log);
        await this.#settle(log);
        return;
      }
      if (armed.on === 'leader' && !(await c.makeLeader(armedNode)))
        log(`could not make ${armedNode.id} leader`);
      leader = await c.active();
      if (leader === follower) {
        log(`${follower.id} leads now; isolating a different follower is not possible, skipping`);
        await this.#settle(log);
        return;
      }
    }
    const installed0 = (await c.metrics(follower)).get('coffer_raft_snapshots_installed_total') ?? 0;
    const taken0 = (await c.metrics(leader)).get('coffer_raft_snapshots_taken_total') ?? 0;
    log(
      `cut off ${follower.id} (reset); write until ${leader.id} compacted past it (threshold ${threshold})`,
    );
    // Reset, not blackhole: a blackholed link holds the leader's appends and delivers them on
    // heal (like TCP retransmission), so the follower would catch up without a snapshot.
    c.isolate(follower.id, RESET);
    let compacted = false;
    try {
      const wrote = await c.fill(Math.max(4 * threshold + 100, 300), {
        timeoutMs: STEP_MS,
        until: async () => {
          const l = await c.leaderOrUndefined();
          if (l === undefined || l !== leader) return false;
          compacted = ((await c.metrics(l)).get('coffer_raft_snapshots_taken_total') ?? 0) >= taken0 + 2;
          return compacted;
        },
      });
      log(`${wrote} writes; leader compacted past the follower: ${compacted}`);
    } finally {
      c.heal();
    }
    if (armedNode !== undefined && armed !== undefined) {
      const fired = await this.#awaitFailpoint(armedNode, armed.point, STEP_MS);
      this.#recordFailpoint(armed, armedNode, fired, log);
      if (!armedNode.alive) await this.#restartClean(armedNode, log);
      else await this.#restartClean(armedNode, log, true);
      await this.#settle(log);
      return;
    }
    try {
      await eventuallyBounded(STEP_MS, async () => {
        const n = (await c.metrics(follower)).get('coffer_raft_snapshots_installed_total') ?? 0;
        return n > installed0;
      });
      this.snapshotInstalls++;
      log(`${follower.id} installed a snapshot`);
    } catch {
      const msg = `${follower.id} installed no snapshot within ${STEP_MS} ms (compacted past it: ${compacted})`;
      log(msg);
      if (compacted) this.anomalies.push({ kind: 'snapshot-install', message: msg });
    }
    await this.#settle(log);
  }

  // ---- failpoints (F12) ----------------------------------------------------------------------

  async #failpoint(pick: number, log: (what: string) => void): Promise<void> {
    const c = this.#c;
    const points = this.#o.failpoints ?? NEMESIS_FAILPOINTS;
    const point = points[this.#failpointIndex++ % points.length] as FailpointName;
    switch (point) {
      case 'raft-snapshot-send-mid':
        await this.#snapshotInstall(pick, log, { point, hit: 1, on: 'leader' });
        return;
      case 'raft-snapshot-install-mid':
        await this.#snapshotInstall(pick, log, { point, hit: 1 + this.#prng.int(3), on: 'follower' });
        return;
      case 'raft-before-conf-commit':
        await this.#membership(pick, log, { point, hit: 1 });
        return;
      case 'restore-mid':
        log('restore-mid is not armed by the nemesis (see NEMESIS_FAILPOINTS)');
        return;
      default: {
        // Log sync / apply points: the leader (made leader again after the re-arming restart) in
        // about half the draws, else a follower; writes drive the node to the point.
        const armed = { point, hit: 1 + this.#prng.int(5) };
        const leaderBiased = pick !== 1;
        const l = await c.active();
        const target = leaderBiased ? l : (c.nodes.find((n) => n !== l) as FaultNode);
        await this.#arm(target, armed, log);
        // A point hit while catching up after the arming restart has already fired: nothing to lead.
        if (leaderBiased && target.alive && !(await c.makeLeader(target)))
          log(`could not make ${target.id} leader`);
        const ok = c.fill(400, { timeoutMs: 30_000, until: () => !target.alive });
        const fired = await this.#awaitFailpoint(target, point, 30_000);
        await ok;
        this.#recordFailpoint(armed, target, fired, log);
        await this.#restartClean(target, log, target.alive);
        await this.#settle(log);
      }
    }
  }

  /** Restarts `n` with the failpoint armed and unseals it. */
  async #arm(
    n: FaultNode,
    armed: { point: FailpointName; hit: number },
    log: (what: string) => void,
  ): Promise<void> {
    log(`restart ${n.id} with COFFER_FAILPOINT=${armed.point}:${armed.hit}`);
    this.#armedNow = { node: n, ...armed };
    const up = await this.#c.restartWithEnv(n, { COFFER_FAILPOINT: `${armed.point}:${armed.hit}` });
    if (!up) return; // fired already while starting
    await this.#caughtUp(STEP_MS).catch(() => undefined);
  }

  /** Waits (bounded) until `n`'s process is gone; true when its log says the failpoint fired. */
  async #awaitFailpoint(n: FaultNode, point: FailpointName, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (n.alive && Date.now() < deadline) await sleep(100);
    return !n.alive && n.logs().includes(`coffer failpoint ${point} fired`);
  }

  #recordFailpoint(
    armed: { point: FailpointName; hit: number },
    n: FaultNode,
    fired: boolean,
    log: (what: string) => void,
  ): void {
    this.#armedNow = undefined;
    this.failpointOutcomes.push({ point: armed.point, hit: armed.hit, node: n.id, fired });
    log(`${armed.point}:${armed.hit} on ${n.id} ${fired ? 'fired' : 'did not fire'}`);
  }

  /** Restarts `n` without failpoints (SIGKILL first when `running`) and unseals it. */
  async #restartClean(n: FaultNode, log: (what: string) => void, running = false): Promise<void> {
    const a = this.#armedNow;
    if (a !== undefined && a.node === n) {
      const fired = !n.alive && n.logs().includes(`coffer failpoint ${a.point} fired`);
      this.#recordFailpoint(a, n, fired, log);
    }
    if (running) await n.kill();
    await this.#c.restart(n);
    log(`${n.id} restarted clean and unsealed`);
  }

  /**
   * Heals everything and waits (bounded) for a leader and for every node to have applied what
   * the most advanced one had applied when the wait began (equal indexes would need a pause in
   * the client load).
   */
  async #settle(log: (what: string) => void): Promise<void> {
    await this.#c.healAll();
    await this.#c.active(STEP_MS);
    try {
      await this.#caughtUp(STEP_MS);
    } catch (e) {
      log(`not caught up: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  async #caughtUp(ms: number): Promise<void> {
    const applied = async (n: FaultNode): Promise<number> =>
      Number((await withTimeout(n.leader(), 2_000))['raft_applied_index'] ?? -1);
    let target = -1;
    await eventuallyBounded(ms, async () => {
      // A node that died meanwhile (e.g. its failpoint fired) is not waited for.
      const live = this.#c.nodes.filter((n) => n.alive && !n.paused);
      const idx = await Promise.all(live.map((n) => applied(n)));
      if (target < 0) target = Math.max(...idx);
      return idx.every((i) => i >= target);
    });
  }
}

async function eventuallyBounded(ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // retry
    }
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await sleep(250);
  }
}
