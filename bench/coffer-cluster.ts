/**
 * A three-node Coffer cluster for benchmarks: real `coffer server` processes with raft storage
 * (fsync on) on 127.0.0.1, formed with retry_join, initialised (1 key share), unsealed, KV v2
 * mounted at `secret/`. Built on the HA test harness (packages/server/test/ha/ha-cluster.ts).
 */
import { fileURLToPath } from 'node:url';
import { HaCluster, eventually, type HaNodeProcess } from '../packages/server/test/ha/ha-cluster.js';

const PRELOAD = fileURLToPath(new URL('./cpu-profile-preload.mjs', import.meta.url));

export interface CofferClusterOptions {
  /** Profile the servers' CPU into `<dir>/<pid>.cpuprofile` (written on a clean stop). */
  readonly cpuProfileDir?: string;
}

export class CofferCluster {
  readonly ha: HaCluster;
  readonly keys: readonly string[];
  readonly token: string;

  private constructor(ha: HaCluster, keys: readonly string[], token: string) {
    this.ha = ha;
    this.keys = keys;
    this.token = token;
  }

  static async start(options: CofferClusterOptions = {}): Promise<CofferCluster> {
    const ha = await HaCluster.create(
      ['c1', 'c2', 'c3'],
      { performanceMultiplier: 1, logLevel: 'error' },
      (_n, all) => all.map((n) => n.url),
    );
    const savedNodeOptions = process.env['NODE_OPTIONS'];
    try {
      if (options.cpuProfileDir !== undefined) {
        // --cpu-prof is not allowed in NODE_OPTIONS: a preload module runs the inspector's profiler.
        process.env['NODE_OPTIONS'] = `${savedNodeOptions ?? ''} --import ${PRELOAD}`.trim();
        process.env['COFFER_CPU_PROF_DIR'] = options.cpuProfileDir;
      }
      await ha.startAll();
      if (savedNodeOptions === undefined) delete process.env['NODE_OPTIONS'];
      else process.env['NODE_OPTIONS'] = savedNodeOptions;
      const [first, ...rest] = ha.nodes as [HaNodeProcess, ...HaNodeProcess[]];
      const init = await ha.init(first, 1, 1);
      for (const node of rest) {
        await eventually(`${node.id} to join`, 60_000, async () =>
          (await node.request('GET', 'sys/seal-status')).body?.['initialized'] === true ? true : undefined,
        );
        const res = await node.unseal(init.keys);
        if (res.status !== 200) throw new Error(`unseal ${node.id}: ${res.status} ${res.text}`);
      }
      await ha.awaitVoters(first, init.rootToken, ['c1', 'c2', 'c3'], 60_000);
      const cluster = new CofferCluster(ha, init.keys, init.rootToken);
      const active = await cluster.active();
      const mount = await active.request('POST', 'sys/mounts/secret', {
        token: init.rootToken,
        body: { type: 'kv', options: { version: '2' } },
      });
      if (mount.status !== 204) throw new Error(`mount secret/: ${mount.status} ${mount.text}`);
      return cluster;
    } catch (err) {
      if (savedNodeOptions === undefined) delete process.env['NODE_OPTIONS'];
      else process.env['NODE_OPTIONS'] = savedNodeOptions;
      await ha.destroy();
      throw err;
    }
  }

  get pids(): number[] {
    return this.ha.nodes.map((n) => (n.alive ? (n.server.child.pid ?? 0) : 0));
  }

  active(): Promise<HaNodeProcess> {
    return this.ha.active(30_000);
  }

  async standby(): Promise<HaNodeProcess> {
    const active = await this.active();
    return this.ha.nodes.find((n) => n !== active) as HaNodeProcess;
  }

  /** SIGTERM (lets `--cpu-prof` write its profile), then removes the directories. */
  async destroy(): Promise<void> {
    await Promise.all(this.ha.nodes.map((n) => n.stop()));
    await this.ha.destroy();
  }
}
