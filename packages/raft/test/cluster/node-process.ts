import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ClusterReply, ClusterRequest, NodeStatus } from './cluster-node.js';

type Request = ClusterRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** A cluster-node.ts child process and a typed request/reply channel to it. */
export class NodeProcess {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, (r: ClusterReply) => void>();
  #nextId = 1;
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;

  constructor(config: { id: string; dataDir: string; peers: Record<string, string> }) {
    const script = fileURLToPath(new URL('./cluster-node.ts', import.meta.url));
    this.#child = fork(script, [], {
      execArgv: ['--conditions=source', '--import', 'tsx'],
      env: { ...process.env, CLUSTER_NODE: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
    this.ready = new Promise((resolve, reject) => {
      this.#waiting.set(0, () => resolve());
      this.#child.once('exit', (code, signal) =>
        reject(new Error(`node ${config.id} exited before ready (${code ?? signal})`)),
      );
    });
    this.ready.catch(() => undefined);
    this.#child.on('message', (r: ClusterReply) => {
      const w = this.#waiting.get(r.id);
      this.#waiting.delete(r.id);
      w?.(r);
    });
  }

  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  request(req: Request, timeoutMs = 30_000): Promise<ClusterReply> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`no reply to ${req.kind} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiting.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.#child.send({ ...req, id });
    });
  }

  async status(): Promise<NodeStatus | undefined> {
    if (!this.alive) return undefined;
    const r = await this.request({ kind: 'status' }, 5_000).catch(() => undefined);
    return r?.kind === 'status' ? r.status : undefined;
  }

  /** SIGKILL: no cleanup, like a crash. */
  async kill(): Promise<void> {
    if (this.alive) this.#child.kill('SIGKILL');
    await this.exited;
  }

  /** Clean stop (falls back to SIGKILL). */
  async stop(): Promise<void> {
    if (!this.alive) return;
    await this.request({ kind: 'stop' }, 10_000).catch(() => undefined);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}
