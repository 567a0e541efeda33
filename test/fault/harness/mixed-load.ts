/**
 * Drives several workloads at once against one cluster, sharing one rate: `clients` logical
 * clients, each paced to `rate / clients` ops/s (op k of a client is due at k × interval, so it
 * catches up after a stall), each step sent to a random node and given to a workload drawn by
 * weight. After an indeterminate outcome a client continues as a new process (as in Jepsen).
 * Bounded by `deadline` and `stop()`.
 */
import { Prng } from '../checker/prng.js';
import type { NodeClient } from './node-client.js';
import type { Workload } from './workload.js';

export interface MixedLoadOptions {
  readonly seed: number;
  /** Names the phase in process ids and canary values. */
  readonly phase: string;
  /** Per client, one NodeClient per node. */
  readonly clients: readonly (readonly NodeClient[])[];
  /** Target ops/s, all clients together. */
  readonly rate: number;
  readonly deadline: number;
  readonly workloads: readonly { readonly workload: Workload; readonly weight: number }[];
  /** Called with every canary value handed out (for the at-rest canary scan). */
  readonly onCanary?: (value: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class MixedLoad {
  /** Operations recorded, per workload name. */
  readonly ops = new Map<string, number>();
  issued = 0;
  /** Steps whose request was refused at connect (dead node): not sent, not recorded. */
  refused = 0;
  #stop = false;
  readonly #o: MixedLoadOptions;
  readonly #total: number;

  constructor(o: MixedLoadOptions) {
    this.#o = o;
    this.#total = o.workloads.reduce((s, w) => s + w.weight, 0);
  }

  stop(): void {
    this.#stop = true;
  }

  get done(): boolean {
    return this.#stop || Date.now() >= this.#o.deadline;
  }

  async run(): Promise<void> {
    await Promise.all(this.#o.clients.map((nodes, c) => this.#client(c, nodes)));
  }

  #pick(prng: Prng): Workload {
    let r = prng.next() * this.#total;
    for (const w of this.#o.workloads) {
      r -= w.weight;
      if (r < 0) return w.workload;
    }
    return (this.#o.workloads[this.#o.workloads.length - 1] as { workload: Workload }).workload;
  }

  async #client(c: number, nodes: readonly NodeClient[]): Promise<void> {
    const { seed, phase } = this.#o;
    const prng = new Prng((seed * 7919 + c * 104729 + phase.length * 31 + hash(phase)) >>> 0);
    const interval = (1000 * this.#o.clients.length) / this.#o.rate;
    const started = Date.now();
    let incarnation = 0;
    let seq = 0;
    let canary = 0;
    const canaryOf = (): string => {
      const value = `cnry-${seed}-${phase}-${c}-${canary++}`;
      this.#o.onCanary?.(value);
      return value;
    };
    while (!this.done) {
      const wait = started + seq * interval - Date.now();
      if (wait > 0) await sleep(Math.min(wait, 1_000));
      if (this.done) break;
      const workload = this.#pick(prng);
      const client = nodes[prng.int(nodes.length)] as NodeClient;
      const r = await workload.step({
        index: c,
        prng,
        client,
        process: `${phase}.${c}.${incarnation}`,
        canary: canaryOf,
      });
      if (r.ops === 0) {
        // Nothing reached the cluster (the node is down): back off instead of spinning.
        this.refused++;
        await sleep(100);
        continue;
      }
      seq += r.ops;
      this.issued += r.ops;
      this.ops.set(workload.name, (this.ops.get(workload.name) ?? 0) + r.ops);
      if (r.indeterminate) incarnation++;
    }
  }
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) >>> 0;
  return h;
}
