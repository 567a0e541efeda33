/**
 * W1 register workload: KV v2 write / read / cas on rotating keys with unique values, each op sent
 * to a random node (standbys forward), recorded with HistoryRecorder. Conventions (checker README):
 * read 404 → ok with null; a `cas=version` write is recorded as `cas` with `expected` = the value
 * the same client read at that version (null for cas=0); status → outcomeOfStatus; timeouts and
 * connection errors → info, after which the client continues as a new process id.
 */
import { Agent, request } from 'node:http';
import { type HistoryRecorder, outcomeOfStatus, type JsonValue, type Operation } from '../checker/index.js';
import { Prng } from '../checker/prng.js';
import type { FaultNode } from './fault-cluster.js';

export interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown> | undefined;
}

/** One HTTP request with a hard timeout; keep-alive per node. Throws on timeout or socket error. */
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
            clearTimeout(timer);
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: Record<string, unknown> | undefined;
            try {
              parsed = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
            } catch {
              parsed = undefined;
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', (e) => {
            clearTimeout(timer);
            reject(e);
          });
        },
      );
      const timer = setTimeout(
        () => req.destroy(new Error(`timeout after ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end(payload);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

export interface WorkloadOptions {
  readonly seed: number;
  readonly clients: number;
  /** Stop issuing after this many ops (all clients together). */
  readonly ops: number;
  /** Target ops/s (all clients together). */
  readonly rate: number;
  readonly opsPerKey: number;
  /** Keys written concurrently. */
  readonly slots: number;
  readonly timeoutMs: number;
  readonly deadline: number;
}

interface Slot {
  gen: number;
  ops: number;
}

const dataOf = (b: Record<string, unknown> | undefined): { value: JsonValue; version: number } => {
  const d = b?.['data'] as { data?: Record<string, unknown>; metadata?: { version?: number } } | undefined;
  return {
    value: (d?.data?.['value'] as JsonValue | undefined) ?? null,
    version: Number(d?.metadata?.version ?? 0),
  };
};

export class RegisterWorkload {
  readonly recorder: HistoryRecorder;
  readonly clients: NodeClient[][];
  readonly #o: WorkloadOptions;
  readonly #slots: Slot[];
  readonly keys = new Set<string>();
  issued = 0;
  #stop = false;
  readonly #started = Date.now();

  constructor(recorder: HistoryRecorder, nodes: readonly FaultNode[], token: string, o: WorkloadOptions) {
    this.recorder = recorder;
    this.#o = o;
    this.clients = Array.from({ length: o.clients }, () =>
      nodes.map((n) => new NodeClient(n, token, o.timeoutMs)),
    );
    this.#slots = Array.from({ length: o.slots }, () => ({ gen: 0, ops: 0 }));
  }

  stop(): void {
    this.#stop = true;
  }

  get done(): boolean {
    return this.#stop || this.issued >= this.#o.ops || Date.now() > this.#o.deadline;
  }

  #key(prng: Prng): string {
    const i = prng.int(this.#slots.length);
    const s = this.#slots[i] as Slot;
    if (s.ops >= this.#o.opsPerKey) {
      s.gen++;
      s.ops = 0;
    }
    s.ops++;
    const key = `r${i}-${s.gen}`;
    this.keys.add(key);
    return key;
  }

  /** Runs all clients until `done`. */
  async run(): Promise<void> {
    await Promise.all(this.clients.map((_, c) => this.#client(c)));
  }

  async #client(c: number): Promise<void> {
    const prng = new Prng(this.#o.seed * 1000 + c + 1);
    let incarnation = 0;
    let seq = 0;
    const proc = (): string => `${c}.${incarnation}`;
    const perClientInterval = (1000 * this.#o.clients) / this.#o.rate;
    while (!this.done) {
      // Pace: op k of this client is due at k * interval (catches up after stalls, bounded).
      const due = this.#started + (seq + 1) * perClientInterval;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, 1000)));
      if (this.done) break;
      const clients = this.clients[c] as NodeClient[];
      const client = clients[prng.int(clients.length)] as NodeClient;
      const key = this.#key(prng);
      const r = prng.next();
      seq++;
      let indeterminate = false;
      if (r < 0.5) {
        indeterminate = await this.#read(client, proc(), key).then((x) => x.indeterminate);
      } else if (r < 0.8) {
        const value = `${c}-${seq}`;
        indeterminate = await this.#op(client, proc(), { type: 'write', key, value }, 'POST', {
          data: { value },
        });
      } else {
        const read = await this.#read(client, proc(), key);
        indeterminate = read.indeterminate;
        if (read.ok && !this.done) {
          seq++;
          const value = `${c}-${seq}`;
          indeterminate = await this.#op(
            client,
            proc(),
            { type: 'cas', key, value, expected: read.value },
            'POST',
            { options: { cas: read.version }, data: { value } },
          );
        }
      }
      if (indeterminate) incarnation++;
    }
  }

  async #read(
    client: NodeClient,
    proc: string,
    key: string,
  ): Promise<{ ok: boolean; indeterminate: boolean; value: JsonValue; version: number }> {
    this.issued++;
    const p = this.recorder.invoke(proc, { type: 'read', key }, client.node.id);
    try {
      const res = await client.send('GET', `secret/data/${key}`);
      if (res.status === 404) {
        this.recorder.complete(p, { outcome: 'ok', result: null });
        return { ok: true, indeterminate: false, value: null, version: 0 };
      }
      const outcome = outcomeOfStatus(res.status);
      if (outcome === 'ok') {
        const d = dataOf(res.body);
        this.recorder.complete(p, { outcome, result: d.value });
        return { ok: true, indeterminate: false, ...d };
      }
      this.recorder.complete(p, {
        outcome,
        error: `HTTP ${res.status} ${JSON.stringify(res.body?.['errors'] ?? '')}`,
      });
      return { ok: false, indeterminate: outcome === 'info', value: null, version: 0 };
    } catch (e) {
      this.recorder.complete(p, { outcome: 'info', error: e instanceof Error ? e.message : String(e) });
      return { ok: false, indeterminate: true, value: null, version: 0 };
    }
  }

  /** A write or cas; returns whether the outcome is indeterminate. */
  async #op(
    client: NodeClient,
    proc: string,
    op: Operation,
    method: string,
    body: unknown,
  ): Promise<boolean> {
    this.issued++;
    const p = this.recorder.invoke(proc, op, client.node.id);
    try {
      const res = await client.send(method, `secret/data/${op.key}`, body);
      const outcome = outcomeOfStatus(res.status);
      this.recorder.complete(
        p,
        outcome === 'ok'
          ? { outcome }
          : { outcome, error: `HTTP ${res.status} ${JSON.stringify(res.body?.['errors'] ?? '')}` },
      );
      return outcome === 'info';
    } catch (e) {
      this.recorder.complete(p, { outcome: 'info', error: e instanceof Error ? e.message : String(e) });
      return true;
    }
  }

  /** Fault-free final reads: every key through every node (recorded). */
  async finalReads(): Promise<number> {
    let n = 0;
    const first = this.clients[0] ?? [];
    for (const key of [...this.keys].sort()) {
      for (const client of first) {
        await this.#read(client, `final-${client.node.id}`, key);
        n++;
      }
    }
    return n;
  }

  close(): void {
    for (const cs of this.clients) for (const c of cs) c.close();
  }
}
