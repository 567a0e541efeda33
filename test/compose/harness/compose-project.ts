import { join } from 'node:path';
import {
  displayOf,
  fetchWithTimeout,
  run,
  runOk,
  type CommandOptions,
  type CommandResult,
} from './command.js';
import type { ComposeCommand } from './docker-engine.js';

export const SERVICES = ['coffer-1', 'coffer-2', 'coffer-3'] as const;
export type Service = (typeof SERVICES)[number];

export interface NodePorts {
  readonly api: number;
  readonly cluster: number;
}

export interface ComposeProjectOptions {
  readonly repoRoot: string;
  readonly compose: ComposeCommand;
  /** Lower-case letters and digits only (compose v1 strips anything else). */
  readonly projectName: string;
  readonly image: string;
  readonly ports: Readonly<Record<Service, NodePorts>>;
}

/** An answer from a node's HTTP API, reached through the host port or through `docker exec`. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * The top-level docker-compose.yml run as one uniquely named project with its own ports, image
 * and network, plus the plain `docker` operations the fault steps need (kill, start, pause,
 * network disconnect/connect) on its containers.
 */
export class ComposeProject {
  readonly #o: ComposeProjectOptions;
  readonly #ids = new Map<Service, string>();
  #network: string | undefined;

  constructor(options: ComposeProjectOptions) {
    this.#o = options;
  }

  get name(): string {
    return this.#o.projectName;
  }

  /** The variables docker-compose.yml reads, plus the ones that pin the project for other tools. */
  env(): Record<string, string> {
    const env: Record<string, string> = {
      COMPOSE_PROJECT_NAME: this.#o.projectName,
      COMPOSE_FILE: join(this.#o.repoRoot, 'docker-compose.yml'),
      COFFER_IMAGE: this.#o.image,
    };
    SERVICES.forEach((s, i) => {
      env[`COFFER_${i + 1}_API_PORT`] = String(this.#o.ports[s].api);
      env[`COFFER_${i + 1}_CLUSTER_PORT`] = String(this.#o.ports[s].cluster);
    });
    return env;
  }

  /** `COMPOSE` for deploy/scripts: the compose command line with this project's name and file. */
  composeCommandLine(): string {
    const c = this.#o.compose;
    return [c.file, ...c.prefix].join(' ');
  }

  compose(args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
    const c = this.#o.compose;
    const argv = [
      ...c.prefix,
      '--project-name',
      this.#o.projectName,
      '--file',
      join(this.#o.repoRoot, 'docker-compose.yml'),
      ...args,
    ];
    return runOk(c.file, argv, {
      cwd: this.#o.repoRoot,
      timeoutMs: 300_000,
      ...options,
      env: { ...this.env(), ...options.env },
    });
  }

  async up(): Promise<void> {
    await this.compose(['up', '-d', '--no-build']);
  }

  /**
   * `down -v`: containers, the network and the data volumes. Never throws; says what failed.
   * (Anything it leaves, e.g. of a half-created project, run-resources.ts removes by label.)
   */
  async down(): Promise<string[]> {
    try {
      await this.compose(['down', '--volumes', '--remove-orphans', '--timeout', '10'], {
        timeoutMs: 180_000,
      });
      return [];
    } catch (err) {
      return [err instanceof Error ? err.message : String(err)];
    } finally {
      this.#ids.clear();
      this.#network = undefined;
    }
  }

  async containerId(service: Service): Promise<string> {
    const known = this.#ids.get(service);
    if (known !== undefined) return known;
    const { stdout } = await this.compose(['ps', '-q', service]);
    const id = stdout.trim().split('\n')[0] ?? '';
    if (id === '') throw new Error(`no container for ${service}`);
    this.#ids.set(service, id);
    return id;
  }

  /** The project's one network (compose names it `<project>_coffer`). */
  async network(): Promise<string> {
    if (this.#network !== undefined) return this.#network;
    const id = await this.containerId('coffer-1');
    const { stdout } = await runOk('docker', [
      'inspect',
      '--format',
      '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}\n{{end}}',
      id,
    ]);
    const nets = stdout.split('\n').filter((n) => n.trim() !== '');
    if (nets.length !== 1)
      throw new Error(`expected one network on coffer-1, found ${nets.join(', ') || 'none'}`);
    this.#network = nets[0] as string;
    return this.#network;
  }

  async docker(args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
    return runOk('docker', args, options);
  }

  async kill(service: Service): Promise<void> {
    await this.docker(['kill', await this.containerId(service)]);
  }

  async start(service: Service): Promise<void> {
    await this.docker(['start', await this.containerId(service)]);
  }

  async isRunning(service: Service): Promise<boolean> {
    const r = await run('docker', [
      'inspect',
      '--format',
      '{{.State.Running}}',
      await this.containerId(service),
    ]);
    return r.stdout.trim() === 'true';
  }

  async pause(service: Service): Promise<void> {
    await this.docker(['pause', await this.containerId(service)]);
  }

  async unpause(service: Service): Promise<void> {
    await this.docker(['unpause', await this.containerId(service)]);
  }

  async disconnect(service: Service): Promise<void> {
    await this.docker(['network', 'disconnect', await this.network(), await this.containerId(service)]);
  }

  /** Reconnects with the service name as DNS alias again (what compose gave it), so peers find it. */
  async connect(service: Service): Promise<void> {
    await this.docker([
      'network',
      'connect',
      '--alias',
      service,
      await this.network(),
      await this.containerId(service),
    ]);
  }

  apiUrl(service: Service): string {
    return `http://127.0.0.1:${this.#o.ports[service].api}`;
  }

  /** Through the published loopback port: fast, but gone while the node is cut off from its network. */
  async api(
    service: Service,
    method: string,
    path: string,
    options: { token?: string; body?: unknown; timeoutMs?: number } = {},
  ): Promise<ApiAnswer> {
    const res = await fetchWithTimeout(
      `${this.apiUrl(service)}/v1/${path}`,
      {
        method,
        headers: {
          ...(options.token === undefined ? {} : { 'X-Vault-Token': options.token }),
          ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      },
      options.timeoutMs ?? 10_000,
    );
    const text = await res.text();
    return { status: res.status, body: parseBody(text) };
  }

  /**
   * The same request made from inside the node's container (node's fetch to 127.0.0.1:8200):
   * works whatever the node's network state, e.g. on the minority side of a partition.
   */
  async apiInside(
    service: Service,
    method: string,
    path: string,
    options: { token?: string; body?: unknown; timeoutMs?: number } = {},
  ): Promise<ApiAnswer> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const script =
      'const [m,p,t,b,ms]=process.argv.slice(1);' +
      "setTimeout(()=>{process.stdout.write(JSON.stringify({status:0,text:'timed out'}));process.exit(0)},Number(ms));" +
      "fetch('http://127.0.0.1:8200/v1/'+p,{method:m,headers:{...(t?{'X-Vault-Token':t}:{}),...(b?{'Content-Type':'application/json'}:{})},...(b?{body:b}:{})})" +
      '.then(async r=>{process.stdout.write(JSON.stringify({status:r.status,text:await r.text()}));process.exit(0)},e=>{process.stdout.write(JSON.stringify({status:0,text:String(e&&(e.cause&&e.cause.code||e.name))}));process.exit(0)})';
    const args = [
      'exec',
      await this.containerId(service),
      'node',
      '-e',
      script,
      method,
      path,
      options.token ?? '',
      options.body === undefined ? '' : JSON.stringify(options.body),
      String(timeoutMs),
    ];
    const r = await runOk('docker', args, {
      timeoutMs: timeoutMs + 15_000,
      display: `docker exec ${service} node -e <fetch ${method} ${path}>`,
    });
    const parsed = JSON.parse(r.stdout) as { status: number; text: string };
    if (parsed.status === 0) throw new Error(`${method} ${path} inside ${service}: ${parsed.text}`);
    return { status: parsed.status, body: parseBody(parsed.text) };
  }

  /** The coffer CLI inside a node's container, no client retries (the steps poll by themselves). */
  async cliInside(
    service: Service,
    args: readonly string[],
    options: { token?: string; input?: string; timeoutMs?: number } = {},
  ): Promise<CommandResult> {
    const env = [
      '-e',
      'COFFER_MAX_RETRIES=0',
      ...(options.token === undefined ? [] : ['-e', `COFFER_TOKEN=${options.token}`]),
    ];
    return run('docker', ['exec', '-i', ...env, await this.containerId(service), 'coffer', ...args], {
      timeoutMs: options.timeoutMs ?? 60_000,
      ...(options.input === undefined ? {} : { input: options.input }),
      display: displayOf(`docker exec ${service} coffer`, args),
    });
  }

  async logs(service: Service, tail = 40): Promise<string> {
    const r = await run('docker', ['logs', '--tail', String(tail), await this.containerId(service)], {
      timeoutMs: 30_000,
    }).catch(() => undefined);
    return r === undefined ? '' : `${r.stdout}${r.stderr}`;
  }
}

function parseBody(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : { value: v };
  } catch {
    return { text };
  }
}
