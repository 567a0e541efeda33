/**
 * A three-member etcd cluster (Debian's `etcd-server`) on 127.0.0.1 for side-by-side benchmarks:
 * random free ports, data in a temp directory, every process killed and the directory removed by
 * `destroy()`. Installs the package with apt-get when `etcd` is missing and we run as root.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../packages/server/test/e2e/harness.js';
import { eventually } from '../packages/server/test/ha/ha-cluster.js';

interface Member {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dir: string;
  child?: ChildProcess;
  output: string[];
}

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Makes sure `etcd` is on the PATH (apt-get as root), or throws saying how to install it. */
export function ensureEtcdInstalled(): void {
  if (which('etcd')) return;
  if (process.getuid?.() !== 0)
    throw new Error('etcd is not installed: run `sudo apt-get install -y etcd-server` and retry');
  console.log('etcd not found: apt-get install -y etcd-server …');
  const res = spawnSync('apt-get', ['install', '-y', 'etcd-server'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (res.status !== 0 || !which('etcd'))
    throw new Error('apt-get install -y etcd-server failed (try `apt-get update` first)');
}

/** `etcd --version`'s first line. */
export function etcdVersion(): string {
  const res = spawnSync('etcd', ['--version'], { encoding: 'utf8' });
  return (res.stdout ?? '').split('\n')[0]?.replace('etcd Version: ', '') ?? 'unknown';
}

async function post(port: number, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  if (res.status !== 200) throw new Error(`etcd ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

export class EtcdCluster {
  readonly root: string;
  readonly #members: Member[];

  private constructor(root: string, members: Member[]) {
    this.root = root;
    this.#members = members;
  }

  static async start(): Promise<EtcdCluster> {
    const root = await mkdtemp(join(tmpdir(), 'coffer-bench-etcd-'));
    const members: Member[] = [];
    for (const name of ['e1', 'e2', 'e3'])
      members.push({
        name,
        clientPort: await freePort(),
        peerPort: await freePort(),
        dir: join(root, name),
        output: [],
      });
    const cluster = new EtcdCluster(root, members);
    const initial = members.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',');
    for (const m of members) {
      const child = spawn(
        'etcd',
        [
          `--name=${m.name}`,
          `--data-dir=${m.dir}`,
          `--listen-client-urls=http://127.0.0.1:${m.clientPort}`,
          `--advertise-client-urls=http://127.0.0.1:${m.clientPort}`,
          `--listen-peer-urls=http://127.0.0.1:${m.peerPort}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${m.peerPort}`,
          `--initial-cluster=${initial}`,
          '--initial-cluster-state=new',
          '--initial-cluster-token=coffer-bench',
          '--logger=zap',
          '--log-level=error',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout?.on('data', (d: Buffer) => m.output.push(d.toString('utf8')));
      child.stderr?.on('data', (d: Buffer) => m.output.push(d.toString('utf8')));
      m.child = child;
    }
    process.on('exit', () => {
      for (const m of members) m.child?.kill('SIGKILL');
    });
    try {
      await cluster.leaderPort();
    } catch (err) {
      await cluster.destroy();
      throw err;
    }
    return cluster;
  }

  get pids(): number[] {
    return this.#members.map((m) => m.child?.pid ?? 0);
  }

  /** Client port of the current leader (waits up to 30 s for one). */
  async leaderPort(): Promise<number> {
    return eventually('an etcd leader', 30_000, async () => {
      for (const m of this.#members) {
        if (m.child?.exitCode !== null) throw new Error(`etcd ${m.name} exited:\n${m.output.join('')}`);
        const st = await post(m.clientPort, '/v3/maintenance/status', {}).catch(() => undefined);
        const header = st?.['header'] as { member_id?: string } | undefined;
        if (st !== undefined && header?.member_id !== undefined && st['leader'] === header.member_id)
          return m.clientPort;
      }
      return undefined;
    });
  }

  /** PUT through the v3 JSON gateway. */
  async put(port: number, key: string, value: string): Promise<void> {
    await post(port, '/v3/kv/put', {
      key: Buffer.from(key).toString('base64'),
      value: Buffer.from(value).toString('base64'),
    });
  }

  async destroy(): Promise<void> {
    await Promise.all(
      this.#members.map(async (m) => {
        const child = m.child;
        if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }),
    );
    await rm(this.root, { recursive: true, force: true });
  }
}
