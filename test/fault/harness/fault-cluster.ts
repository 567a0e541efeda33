/**
 * Three real Coffer processes on 127.0.0.1 with raft storage, all cluster traffic (raft RPCs, join,
 * request forwarding) through LinkProxy instances the harness controls.
 *
 * Wiring: node X binds its cluster port on `cluster_address = 127.0.0.1:<real X>` but advertises
 * `cluster_addr = https://127.0.0.1:<proxy X>`; peers learn X's address from the raft records, so
 * every dial to X goes through proxy X. Proxy X identifies the dialling node through /proc (see
 * link-proxy.ts), so each of the 6 directed links has its own mode: isolate, minority/majority,
 * bridge and one-way partitions all work. The HTTP API (clients, retry_join's leader_api_addr)
 * is not proxied.
 *
 * Process faults: SIGKILL + restart + unseal, SIGSTOP/SIGCONT. Every process and proxy is torn
 * down by `destroy()` (and processes also on harness exit, by the e2e harness).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type HttpResult } from '../../../packages/server/test/e2e/harness.js';
import {
  HaNodeProcess,
  eventually,
  type ClusterOptions,
  type NodeSpec,
} from '../../../packages/server/test/ha/ha-cluster.js';
import { fsmState, type FsmState } from '../../../packages/server/test/snapshot/snapshot-helpers.js';
import { BLACKHOLE, LinkProxy, LinkTable, PASS, procIdentify, type LinkMode } from './link-proxy.js';

export interface FaultClusterOptions extends ClusterOptions {
  readonly ids?: readonly string[];
  /** Root directory (default: a new temp dir). */
  readonly root?: string;
  /** raft `snapshot_threshold` (server default 8192); ≈ 50 makes forced snapshot installs cheap (F8). */
  readonly snapshotThreshold?: number;
  /** raft `trailing_logs` (server default 10000); ≈ 10 with a small threshold. */
  readonly trailingLogs?: number;
}

/**
 * A node whose advertised cluster address is its proxy. `id` names the machine (links, proxies,
 * data directory); `raftId` is the raft `node_id` it runs under, which changes when the
 * membership fault wipes it and brings it back as a new server.
 */
export class FaultNode extends HaNodeProcess {
  readonly proxyPort: number;
  raftId: string;
  #paused = false;
  #spec: NodeSpec | undefined;
  #options: FaultClusterOptions = {};

  constructor(id: string, apiPort: number, clusterPort: number, proxyPort: number, dir: string) {
    super(id, apiPort, clusterPort, dir);
    this.proxyPort = proxyPort;
    this.raftId = id;
  }

  /** Runs under raft node_id `raftId` from the next start (rewrites the config). */
  async setRaftId(raftId: string): Promise<void> {
    this.raftId = raftId;
    if (this.#spec !== undefined) await this.writeConfig(this.#spec, this.#options);
  }

  override async writeConfig(spec: NodeSpec, options: FaultClusterOptions): Promise<void> {
    this.#spec = spec;
    this.#options = options;
    const tuning =
      (options.snapshotThreshold === undefined
        ? ''
        : `  snapshot_threshold = ${options.snapshotThreshold}\n`) +
      (options.trailingLogs === undefined ? '' : `  trailing_logs = ${options.trailingLogs}\n`);
    const retry = (spec.retryJoin ?? [])
      .map((addr) => `  retry_join {\n    leader_api_addr = "${addr}"\n  }\n`)
      .join('');
    await writeFile(
      this.configFile,
      `storage "raft" {
  path    = "${join(this.dir, 'data')}"
  node_id = "${this.raftId}"
  performance_multiplier = ${options.performanceMultiplier ?? 2}
${tuning}${retry}}

listener "tcp" {
  address         = "127.0.0.1:${this.apiPort}"
  cluster_address = "127.0.0.1:${this.clusterPort}"
  tls_disable     = true
}

api_addr      = "${this.url}"
cluster_addr  = "https://127.0.0.1:${this.proxyPort}"
disable_mlock = true
log_level     = "${options.logLevel ?? process.env['COFFER_TEST_LOG_LEVEL'] ?? 'info'}"
`,
    );
  }

  get pid(): number | undefined {
    try {
      return this.alive ? this.server.child.pid : undefined;
    } catch {
      return undefined;
    }
  }

  get paused(): boolean {
    return this.#paused && this.alive;
  }

  pause(): void {
    if (!this.alive) return;
    this.server.child.kill('SIGSTOP');
    this.#paused = true;
  }

  resume(): void {
    if (this.alive) this.server.child.kill('SIGCONT');
    this.#paused = false;
  }

  override async kill(): Promise<void> {
    if (this.alive && this.#paused) this.server.child.kill('SIGCONT');
    this.#paused = false;
    await super.kill();
  }
}

export class FaultCluster {
  readonly root: string;
  readonly nodes: FaultNode[];
  readonly links = new LinkTable();
  readonly proxies: LinkProxy[] = [];
  readonly options: FaultClusterOptions;
  keys: readonly string[] = [];
  rootToken = '';

  private constructor(root: string, nodes: FaultNode[], options: FaultClusterOptions) {
    this.root = root;
    this.nodes = nodes;
    this.options = options;
  }

  static async create(options: FaultClusterOptions = {}): Promise<FaultCluster> {
    const root = options.root ?? (await mkdtemp(join(tmpdir(), 'coffer-fault-')));
    const nodes: FaultNode[] = [];
    for (const id of options.ids ?? ['n1', 'n2', 'n3']) {
      const dir = join(root, id);
      await mkdir(dir, { recursive: true });
      nodes.push(new FaultNode(id, await freePort(), await freePort(), await freePort(), dir));
    }
    const c = new FaultCluster(root, nodes, options);
    const identify = procIdentify(() => new Map(c.nodes.map((n) => [n.id, n.pid])));
    for (const n of nodes) {
      const p = new LinkProxy({
        to: n.id,
        targetPort: n.clusterPort,
        table: c.links,
        identify,
        port: n.proxyPort,
      });
      await p.start();
      c.proxies.push(p);
    }
    const urls = nodes.map((n) => n.url);
    for (const n of nodes) await n.writeConfig({ id: n.id, retryJoin: urls }, options);
    return c;
  }

  node(id: string): FaultNode {
    const n = this.nodes.find((x) => x.id === id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** Starts all nodes, initializes the first (1 key share), unseals all, waits for 3 voters, mounts KV v2 at secret/. */
  async form(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.start()));
    const first = this.nodes[0] as FaultNode;
    // A 5xx (an overloaded machine: a raft confirmation timed out) is retried, as an operator
    // would; the node's warnings and errors go with the failure when the retries run out.
    const withRetries = async (what: string, n: FaultNode, call: () => Promise<HttpResult>) => {
      let last: HttpResult | undefined;
      for (let attempt = 0; attempt < 4; attempt++) {
        last = await call();
        if (last.status < 500) return last;
        await new Promise((r) => setTimeout(r, 1_000));
      }
      const warnings = n
        .logs()
        .split('\n')
        .filter((l) => /"level":(40|50|60)/.test(l))
        .slice(-10)
        .join('\n');
      throw new Error(`${what} ${n.id}: ${last?.status} ${last?.text}\n${warnings}`);
    };
    const res = await withRetries('init', first, () =>
      first.request('PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } }),
    );
    if (res.status !== 200 || res.body === undefined)
      throw new Error(`init failed: ${res.status} ${res.text}`);
    this.keys = res.body['keys'] as string[];
    this.rootToken = res.body['root_token'] as string;
    for (const n of this.nodes) {
      if (n !== first) {
        await eventually(`${n.id} to join`, 30_000, async () =>
          (await n.request('GET', 'sys/seal-status')).body?.['initialized'] === true ? true : undefined,
        );
      }
      const u = await withRetries('unseal', n, () => n.unseal(this.keys));
      if (u.body?.['sealed'] !== false) throw new Error(`unseal ${n.id}: ${u.status} ${u.text}`);
    }
    await eventually('3 voters', 60_000, async () => {
      const r = await first.request('GET', 'sys/storage/raft/configuration', { token: this.rootToken });
      if (r.status !== 200) return undefined;
      const servers = (
        r.body?.['data'] as { config: { servers: { node_id: string; voter: boolean }[] } }
      ).config.servers.filter((s) => s.voter);
      return servers.length === this.nodes.length ? true : undefined;
    });
    const m = await (
      await this.active()
    ).request('POST', 'sys/mounts/secret', {
      token: this.rootToken,
      body: { type: 'kv', options: { version: '2' } },
    });
    if (m.status !== 204 && m.status !== 200) throw new Error(`mount: ${m.status} ${m.text}`);
  }

  /** The node whose sys/leader says is_self, among live unpaused nodes. */
  async active(timeoutMs = 20_000): Promise<FaultNode> {
    return eventually('an active node', timeoutMs, async () => {
      for (const n of this.nodes) {
        if (!n.alive || n.paused) continue;
        try {
          const l = await withTimeout(n.leader(), 2_000);
          if (l['is_self'] === true) return n;
        } catch {
          // sealed, starting, unreachable
        }
      }
      return undefined;
    });
  }

  /** The current leader if one answers quickly, else undefined. */
  async leaderOrUndefined(): Promise<FaultNode | undefined> {
    try {
      return await this.active(1_500);
    } catch {
      return undefined;
    }
  }

  /** SIGKILL. */
  async kill(n: FaultNode): Promise<void> {
    await n.kill();
  }

  /** Restarts a killed node and unseals it. */
  async restart(n: FaultNode): Promise<void> {
    if (n.alive) return;
    await n.start();
    await eventually(`${n.id} to unseal`, 30_000, async () => {
      const u = await n.unseal(this.keys);
      return u.body?.['sealed'] === false ? true : undefined;
    });
  }

  /** SIGKILLs every live node at once (the signals go out back to back), then waits for the exits. */
  async killAll(): Promise<void> {
    const live = this.nodes.filter((n) => n.alive);
    for (const n of live) {
      if (n.paused) n.resume();
      n.server.child.kill('SIGKILL');
    }
    await Promise.all(live.map((n) => n.kill()));
  }

  /**
   * SIGKILLs `n` (if running) and starts it with extra environment `env` (e.g. an armed
   * `COFFER_FAILPOINT`), then tries to unseal it for up to `unsealMs`; resolves false when the
   * process died meanwhile (a failpoint may fire as soon as raft runs).
   */
  async restartWithEnv(n: FaultNode, env: NodeJS.ProcessEnv, unsealMs = 30_000): Promise<boolean> {
    await n.kill();
    await n.start(env);
    try {
      await eventually(`${n.id} to unseal`, unsealMs, async () => {
        if (!n.alive) return false;
        const u = await n.unseal(this.keys);
        return u.body?.['sealed'] === false ? true : undefined;
      });
    } catch {
      // reported below
    }
    return n.alive;
  }

  /** The raft configuration as the active node reports it. */
  async configuration(): Promise<RaftServer[]> {
    const a = await this.active();
    const r = await withTimeout(
      a.request('GET', 'sys/storage/raft/configuration', { token: this.rootToken }),
      5_000,
    );
    if (r.status !== 200) throw new Error(`raft configuration: ${r.status} ${r.text}`);
    return (r.body?.['data'] as { config: { servers: RaftServer[] } }).config.servers;
  }

  /** Waits until `raftId` is a voter (`true`) or absent from the configuration (`false`). */
  async awaitMembership(raftId: string, voter: boolean, timeoutMs = 60_000): Promise<void> {
    await eventually(`${raftId} to be ${voter ? 'a voter' : 'removed'}`, timeoutMs, async () => {
      const s = (await this.configuration()).find((x) => x.node_id === raftId);
      return (voter ? s?.voter === true : s === undefined) ? true : undefined;
    });
  }

  /** `sys/storage/raft/remove-peer` through the active node. */
  async removePeer(raftId: string): Promise<{ status: number; text: string }> {
    const a = await this.active();
    return withTimeout(
      a.request('POST', 'sys/storage/raft/remove-peer', {
        token: this.rootToken,
        body: { server_id: raftId },
      }),
      15_000,
    );
  }

  /**
   * Prometheus metrics of one node (`coffer_raft_*`), by name. A standby checks the token through
   * the active node, so right after a restart or a leadership change it answers 503 until it knows
   * the new leader: that is retried for up to `timeoutMs`.
   */
  async metrics(n: FaultNode, timeoutMs = 15_000): Promise<Map<string, number>> {
    const deadline = Date.now() + timeoutMs;
    let r = await this.#metricsOnce(n);
    while (r.status === 503 && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 250));
      r = await this.#metricsOnce(n);
    }
    if (r.status !== 200) throw new Error(`metrics of ${n.id}: ${r.status} ${r.text.slice(0, 200)}`);
    const out = new Map<string, number>();
    for (const line of r.text.split('\n')) {
      const m = /^(coffer_raft_[a-z_]+)(?:\{[^}]*\})? ([-+0-9.eE]+)$/.exec(line);
      if (m !== null) out.set(m[1] as string, Number(m[2]));
    }
    return out;
  }

  #metricsOnce(n: FaultNode): Promise<{ status: number; text: string }> {
    return withTimeout(n.request('GET', 'sys/metrics?format=prometheus', { token: this.rootToken }), 5_000);
  }

  /**
   * Makes `n` the leader: step-down on the current leader while every other node is paused for a
   * moment (leadership goes to the most caught-up reachable voter). Bounded; false if it failed.
   */
  async makeLeader(n: FaultNode, timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!n.alive) return false;
      const l = await this.leaderOrUndefined();
      if (l === n) return true;
      if (l === undefined || !n.alive) {
        await new Promise((r) => setTimeout(r, 300));
        continue;
      }
      const others = this.nodes.filter((x) => x !== l && x !== n && x.alive && !x.paused);
      for (const o of others) o.pause();
      try {
        // Step-down hands leadership to the most up-to-date voter: a write the paused nodes
        // cannot acknowledge makes that `n` (else ties go to whichever voter is listed first).
        await withTimeout(
          l.request('POST', 'secret/data/nemesis-fill/make-leader', {
            token: this.rootToken,
            body: { data: { to: n.id } },
          }),
          3_000,
        ).catch(() => undefined);
        await withTimeout(l.request('PUT', 'sys/step-down', { token: this.rootToken }), 5_000).catch(
          () => undefined,
        );
      } finally {
        for (const o of others) o.resume();
      }
      await eventually('a leader after step-down', 10_000, async () =>
        (await this.leaderOrUndefined()) !== undefined ? true : undefined,
      ).catch(() => undefined);
    }
    return (await this.leaderOrUndefined()) === n;
  }

  /**
   * Writes `count` KV entries (keys under `secret/data/nemesis-fill/`) through the active node,
   * `concurrency` at a time, stopping early when `until()` says so. Bounded by `timeoutMs`.
   * Returns the number acknowledged.
   */
  async fill(
    count: number,
    opts: { concurrency?: number; timeoutMs?: number; until?: () => boolean | Promise<boolean> } = {},
  ): Promise<number> {
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    let next = 0;
    let ok = 0;
    let done = false;
    const worker = async (): Promise<void> => {
      while (!done && next < count && Date.now() < deadline) {
        const i = next++;
        if (i % 10 === 0 && opts.until !== undefined && (await opts.until())) {
          done = true;
          return;
        }
        try {
          const a = await this.active(5_000);
          const r = await withTimeout(
            a.request('POST', `secret/data/nemesis-fill/${i % 64}`, {
              token: this.rootToken,
              body: { data: { i } },
            }),
            5_000,
          );
          if (r.status === 200) ok++;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, () => worker()));
    return ok;
  }

  // ---- network faults (directed links) ----

  /** Cuts every link between the groups `a` and `b` (both directions) with `mode`. */
  partition(a: readonly string[], b: readonly string[], mode: LinkMode = BLACKHOLE): void {
    this.links.update((t) => {
      for (const x of a) {
        for (const y of b) {
          t.set(x, y, mode);
          t.set(y, x, mode);
        }
      }
    });
  }

  isolate(id: string, mode: LinkMode = BLACKHOLE): void {
    this.partition(
      [id],
      this.nodes.map((n) => n.id).filter((x) => x !== id),
      mode,
    );
  }

  /** Bridge: `middle` sees both others, which do not see each other. */
  bridge(middle: string, mode: LinkMode = BLACKHOLE): void {
    const [a, b] = this.nodes.map((n) => n.id).filter((x) => x !== middle) as [string, string];
    this.partition([a], [b], mode);
  }

  /** One direction only: bytes from `from` to `to` are held (both on connections from→to and to→from). */
  oneWay(from: string, to: string, mode: LinkMode = BLACKHOLE): void {
    this.links.update((t) => t.set(from, to, mode));
  }

  heal(): void {
    this.links.healAll();
  }

  /** Heals the network, resumes paused nodes, restarts and unseals dead ones. */
  async healAll(): Promise<void> {
    this.heal();
    for (const n of this.nodes) if (n.paused) n.resume();
    for (const n of this.nodes) if (!n.alive) await this.restart(n);
    void PASS;
  }

  /** Waits until every live node reports the same raft_applied_index twice in a row. */
  async awaitConverged(timeoutMs = 30_000): Promise<number> {
    let last = -1;
    return eventually('applied indexes to converge', timeoutMs, async () => {
      const idx = await Promise.all(
        this.nodes.map(async (n) => Number((await withTimeout(n.leader(), 2_000))['raft_applied_index'])),
      );
      const same = idx.every((i) => i === idx[0]);
      const now = idx[0] ?? -1;
      const stable = same && now === last;
      last = same ? now : -1;
      if (!stable) await new Promise((r) => setTimeout(r, 300));
      return stable ? now : undefined;
    });
  }

  /** Stops every node (SIGTERM) and hashes each FSM offline. */
  async stopAndHash(): Promise<Map<string, FsmState>> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    const out = new Map<string, FsmState>();
    for (const n of this.nodes) out.set(n.id, await fsmState(n));
    return out;
  }

  logs(): Map<string, string> {
    return new Map(this.nodes.map((n) => [n.id, n.logs()]));
  }

  /** Kills processes, closes proxies; removes the directory unless `keep`. */
  async destroy(keep = false): Promise<void> {
    for (const n of this.nodes) {
      try {
        await n.kill();
      } catch {
        // already gone
      }
    }
    for (const p of this.proxies) await p.close().catch(() => undefined);
    if (!keep) await rm(this.root, { recursive: true, force: true });
  }
}

/** One server of `sys/storage/raft/configuration`. */
export interface RaftServer {
  readonly node_id: string;
  readonly address: string;
  readonly leader: boolean;
  readonly voter: boolean;
}

export async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
