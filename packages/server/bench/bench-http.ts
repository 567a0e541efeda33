/** Small helpers shared by the cluster benchmarks: integer flags and a keep-alive request sender. */
import { Agent, request } from 'node:http';
import type { HaNodeProcess } from '../test/ha/ha-cluster.js';

/** `--name=N` as a positive integer, or `fallback` when absent. */
export function intFlag(argv: readonly string[], name: string, fallback: number): number {
  const arg = argv.find((a) => a.startsWith(`--${name}=`));
  const v = arg === undefined ? fallback : Number(arg.slice(name.length + 3));
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

/** Sends JSON requests to a node's API over keep-alive connections; resolves with the status. */
export class BenchSender {
  readonly #agent: Agent;
  readonly #timeoutMs: number;

  constructor(options: { maxSockets: number; timeoutMs: number }) {
    this.#agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets });
    this.#timeoutMs = options.timeoutMs;
  }

  /** One request; resolves with the HTTP status, or 0 on a connection error or timeout. */
  send(node: HaNodeProcess, method: string, path: string, token: string, body?: unknown): Promise<number> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: node.apiPort,
          method,
          path: `/v1/${path}`,
          agent: this.#agent,
          headers: {
            'X-Vault-Token': token,
            ...(payload === undefined
              ? {}
              : { 'Content-Type': 'application/json', 'Content-Length': payload.byteLength }),
          },
          timeout: this.#timeoutMs,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', () => resolve(0));
        },
      );
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(0));
      req.end(payload);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
