/**
 * Black-box harness for HA clusters: real `coffer server` processes with `storage "raft"` on
 * random free 127.0.0.1 ports, each with its own data directory, configured from generated HCL
 * files exactly as an operator would write them. Every process is SIGKILLed when the test process
 * exits (the e2e harness guarantees it), and `HaCluster.destroy()` removes the directories.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  REPO_ROOT,
  ServerProcess,
  freePort,
  spawnServer,
  type HttpResult,
  type RequestOptions,
} from '../e2e/harness.js';

export const CLI_MAIN = join(REPO_ROOT, 'packages/cli/src/main.ts');

export interface NodeSpec {
  readonly id: string;
  /** API addresses (`http://127.0.0.1:port`) to put in `retry_join` stanzas. */
  readonly retryJoin?: readonly string[];
}

export interface ClusterOptions {
  /** `performance_multiplier` (default 2: 100 ms raft ticks, elections after 1–2 s). */
  readonly performanceMultiplier?: number;
  /** Server log level (default warn, or COFFER_TEST_LOG_LEVEL). */
  readonly logLevel?: string;
}

export interface InitResult {
  readonly keys: readonly string[];
  readonly rootToken: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value (not undefined) or the deadline passes; the last error is reported. */
export async function eventually<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last === '' ? '' : ` (${last})`}`,
      );
    await sleep(50);
  }
}

/** One node of a test cluster: its ports and directory survive restarts. */
export class HaNodeProcess {
  readonly id: string;
  readonly apiPort: number;
  readonly clusterPort: number;
  readonly dir: string;
  readonly configFile: string;
  #server: ServerProcess | undefined;

  constructor(id: string, apiPort: number, clusterPort: number, dir: string) {
    this.id = id;
    this.apiPort = apiPort;
    this.clusterPort = clusterPort;
    this.dir = dir;
    this.configFile = join(dir, 'config.hcl');
  }

  get url(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  get server(): ServerProcess {
    if (this.#server === undefined) throw new Error(`node ${this.id} was never started`);
    return this.#server;
  }

  get alive(): boolean {
    return this.#server?.alive === true;
  }

  async writeConfig(spec: NodeSpec, options: ClusterOptions): Promise<void> {
    const retry = (spec.retryJoin ?? [])
      .map((addr) => `  retry_join {\n    leader_api_addr = "${addr}"\n  }\n`)
      .join('');
    const config = `storage "raft" {
  path    = "${join(this.dir, 'data')}"
  node_id = "${this.id}"
  performance_multiplier = ${options.performanceMultiplier ?? 2}
${retry}}

listener "tcp" {
  address         = "127.0.0.1:${this.apiPort}"
  cluster_address = "127.0.0.1:${this.clusterPort}"
  tls_disable     = true
}

api_addr      = "${this.url}"
cluster_addr  = "https://127.0.0.1:${this.clusterPort}"
disable_mlock = true
log_level     = "${options.logLevel ?? process.env['COFFER_TEST_LOG_LEVEL'] ?? 'warn'}"
`;
    await writeFile(this.configFile, config);
  }

  /** Starts the process (extra environment: `env`) and waits until it answers `sys/seal-status`. */
  async start(env: NodeJS.ProcessEnv = {}): Promise<void> {
    if (this.alive) throw new Error(`node ${this.id} is already running`);
    const server = new ServerProcess(
      spawnServer([`-config=${this.configFile}`], env),
      this.apiPort,
      this.dir,
      undefined,
    );
    this.#server = server;
    await eventually(`node ${this.id} to answer`, 30_000, async () => {
      if (!server.alive) throw new Error(`node ${this.id} exited:\n${server.logs()}`);
      const res = await server.request('GET', 'sys/seal-status');
      return res.status === 200 ? true : undefined;
    });
  }

  /** SIGKILL: no hand-over, no flush beyond what was fsynced. */
  async kill(): Promise<void> {
    const server = this.#server;
    if (server === undefined || !server.alive) return;
    server.child.kill('SIGKILL');
    await server.exited;
  }

  async stop(): Promise<void> {
    await this.#server?.stop(10_000);
  }

  /** Deletes the node's raft data (a wiped machine), keeping its config and ports. */
  async wipe(): Promise<void> {
    if (this.alive) throw new Error(`stop node ${this.id} before wiping it`);
    await rm(join(this.dir, 'data'), { recursive: true, force: true });
  }

  request(method: string, path: string, opts: RequestOptions = {}): Promise<HttpResult> {
    return this.server.request(method, path, opts);
  }

  async unseal(keys: readonly string[]): Promise<HttpResult> {
    let last: HttpResult | undefined;
    for (const key of keys) {
      last = await this.request('PUT', 'sys/unseal', { body: { key } });
      if (last.status !== 200) return last;
    }
    if (last === undefined) throw new Error('no keys');
    return last;
  }

  async leader(): Promise<Record<string, unknown>> {
    const res = await this.request('GET', 'sys/leader');
    if (res.status !== 200 || res.body === undefined)
      throw new Error(`sys/leader on ${this.id}: ${res.status} ${res.text}`);
    return res.body;
  }

  logs(): string {
    return this.#server?.logs() ?? '';
  }
}

/** A set of nodes sharing a temp directory. */
export class HaCluster {
  readonly nodes: HaNodeProcess[];
  readonly root: string;
  readonly options: ClusterOptions;

  private constructor(root: string, nodes: HaNodeProcess[], options: ClusterOptions) {
    this.root = root;
    this.nodes = nodes;
    this.options = options;
  }

  /**
   * Allocates ports and directories for `ids` and writes their configs; `retryJoin` decides, per
   * node, which API addresses its `retry_join` stanzas name (given the allocated nodes).
   */
  static async create(
    ids: readonly string[],
    options: ClusterOptions = {},
    retryJoin?: (node: HaNodeProcess, all: readonly HaNodeProcess[]) => readonly string[],
  ): Promise<HaCluster> {
    const root = await mkdtemp(join(tmpdir(), 'coffer-ha-'));
    const nodes: HaNodeProcess[] = [];
    for (const id of ids) {
      const dir = join(root, id);
      await mkdir(dir, { recursive: true });
      nodes.push(new HaNodeProcess(id, await freePort(), await freePort(), dir));
    }
    for (const node of nodes)
      await node.writeConfig({ id: node.id, retryJoin: retryJoin?.(node, nodes) ?? [] }, options);
    return new HaCluster(root, nodes, options);
  }

  node(id: string): HaNodeProcess {
    const n = this.nodes.find((x) => x.id === id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  async startAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.start()));
  }

  /** `sys/init` on `node` with `shares`/`threshold`, then unseals it. */
  async init(node: HaNodeProcess, shares = 3, threshold = 2): Promise<InitResult> {
    const res = await node.request('PUT', 'sys/init', {
      body: { secret_shares: shares, secret_threshold: threshold },
    });
    if (res.status !== 200 || res.body === undefined)
      throw new Error(`init failed: ${res.status} ${res.text}`);
    const keys = res.body['keys'] as string[];
    const unsealed = await node.unseal(keys.slice(0, threshold));
    if (unsealed.status !== 200) throw new Error(`unseal failed: ${unsealed.status} ${unsealed.text}`);
    return { keys, rootToken: res.body['root_token'] as string };
  }

  /** The node whose `sys/leader` says `is_self` (waits for one). */
  async active(timeoutMs = 15_000, among: readonly HaNodeProcess[] = this.nodes): Promise<HaNodeProcess> {
    return eventually('an active node', timeoutMs, async () => {
      for (const n of among) {
        if (!n.alive) continue;
        try {
          const l = await n.leader();
          if (l['is_self'] === true) return n;
        } catch {
          // sealed, starting, or unreachable
        }
      }
      return undefined;
    });
  }

  /** Waits until `sys/storage/raft/configuration` (read through `via`) lists exactly `voters` as voters. */
  async awaitVoters(
    via: HaNodeProcess,
    token: string,
    voters: readonly string[],
    timeoutMs = 30_000,
  ): Promise<void> {
    const want = [...voters].sort().join(',');
    await eventually(`voters ${want}`, timeoutMs, async () => {
      const res = await via.request('GET', 'sys/storage/raft/configuration', { token });
      if (res.status !== 200) return undefined;
      const servers = (
        (res.body?.['data'] as { config: { servers: { node_id: string; voter: boolean }[] } }).config
          .servers ?? []
      ).filter((s) => s.voter);
      return servers
        .map((s) => s.node_id)
        .sort()
        .join(',') === want
        ? true
        : undefined;
    });
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill()));
  }

  /** Kills every process and removes the directories. */
  async destroy(): Promise<void> {
    await this.stopAll();
    await rm(this.root, { recursive: true, force: true });
  }

  /** Everything the nodes logged (for failure messages). */
  logs(): string {
    return this.nodes.map((n) => `----- ${n.id} -----\n${n.logs()}`).join('\n');
  }
}

/** Runs the `coffer` CLI against `address`; resolves with exit code and output. */
export async function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CLI_MAIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, VAULT_ADDR: '', VAULT_TOKEN: '', ...env, HOME: tmpdir() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
