/**
 * One keep-alive HTTP client per (workload client, node): every request has a hard timeout and
 * the node's root token. `send` resolves with the status and parsed body, or throws on timeout or
 * socket error; `refusedBeforeSending` tells a connect refusal (the request never reached the
 * node: a definite failure) from the other errors (indeterminate).
 */
import { Agent, request } from 'node:http';
import type { FaultNode } from './fault-cluster.js';

export interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown> | undefined;
}

/** True when the error is a refused TCP connect: nothing was sent, so nothing can take effect. */
export function refusedBeforeSending(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED';
}

export class NodeClient {
  readonly node: FaultNode;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 64 });
  readonly #timeoutMs: number;
  readonly #token: string;

  constructor(node: FaultNode, token: string, timeoutMs: number) {
    this.node = node;
    this.#token = token;
    this.#timeoutMs = timeoutMs;
  }

  send(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      // Settles exactly once, at the latest when the timer fires: a response whose body stops
      // (the node was killed mid-answer) must not leave the caller waiting forever.
      let settled = false;
      const settle = (f: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        f();
      };
      const fail = (e: Error): void => settle(() => reject(e));
      const req = request(
        {
          host: '127.0.0.1',
          port: this.node.apiPort,
          method,
          path: `/v1/${path}`,
          agent: this.#agent,
          headers: {
            'X-Vault-Token': this.#token,
            ...(payload === undefined
              ? {}
              : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) }),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: Record<string, unknown> | undefined;
            try {
              parsed = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
            } catch {
              parsed = undefined;
            }
            settle(() => resolve({ status: res.statusCode ?? 0, body: parsed }));
          });
          res.on('error', fail);
          res.on('close', () => {
            if (!res.complete) fail(new Error('response aborted'));
          });
        },
      );
      const timer = setTimeout(() => {
        const e = new Error(`timeout after ${this.#timeoutMs} ms`);
        fail(e);
        req.destroy(e);
      }, this.#timeoutMs);
      req.on('error', fail);
      req.end(payload);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
