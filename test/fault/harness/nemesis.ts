/**
 * Seeded nemesis: one fault at a time — inject, hold, heal, gap — drawn from kill/restart,
 * pause/resume, isolate-leader, minority/majority (random node cut off, blackhole or reset),
 * bridge and one-way. Leader-biased where the kind says so. Every step is bounded in time.
 */
import { Prng } from '../checker/prng.js';
import { RESET } from './link-proxy.js';
import type { FaultCluster, FaultNode } from './fault-cluster.js';

export const FAULT_KINDS = [
  'kill-leader',
  'kill-random',
  'pause-leader',
  'pause-random',
  'isolate-leader',
  'minority',
  'minority-reset',
  'bridge',
  'one-way-leader',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface NemesisOptions {
  readonly seed: number;
  readonly faults: number;
  readonly deadline: number;
  readonly holdMs: readonly [number, number];
  readonly gapMs: readonly [number, number];
  readonly log: (line: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Nemesis {
  readonly counts = new Map<FaultKind, number>();
  injected = 0;
  #stop = false;
  readonly #c: FaultCluster;
  readonly #o: NemesisOptions;
  readonly #prng: Prng;

  constructor(cluster: FaultCluster, o: NemesisOptions) {
    this.#c = cluster;
    this.#o = o;
    this.#prng = new Prng(o.seed ^ 0x5eed);
  }

  stop(): void {
    this.#stop = true;
  }

  async run(): Promise<void> {
    while (!this.#stop && this.injected < this.#o.faults && Date.now() < this.#o.deadline) {
      const kind = FAULT_KINDS[this.#prng.int(FAULT_KINDS.length)] as FaultKind;
      const hold = this.#prng.between(...this.#o.holdMs);
      const pick = this.#prng.int(3);
      await this.#one(kind, hold, pick);
      this.injected++;
      this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
      await sleep(this.#prng.between(...this.#o.gapMs));
    }
  }

  async #target(leaderBiased: boolean, pick: number): Promise<FaultNode> {
    if (leaderBiased) {
      const l = await this.#c.leaderOrUndefined();
      if (l !== undefined) return l;
    }
    return this.#c.nodes[pick % this.#c.nodes.length] as FaultNode;
  }

  async #one(kind: FaultKind, hold: number, pick: number): Promise<void> {
    const c = this.#c;
    const t0 = Date.now();
    const log = (what: string): void =>
      this.#o.log(`[nemesis +${((Date.now() - t0) / 1000).toFixed(1)}s] ${kind}: ${what}`);
    switch (kind) {
      case 'kill-leader':
      case 'kill-random': {
        const n = await this.#target(kind === 'kill-leader', pick);
        log(`SIGKILL ${n.id}, restart after ${hold.toFixed(0)} ms`);
        await c.kill(n);
        await sleep(hold);
        await c.restart(n);
        log(`${n.id} restarted and unsealed`);
        return;
      }
      case 'pause-leader':
      case 'pause-random': {
        const n = await this.#target(kind === 'pause-leader', pick);
        log(`SIGSTOP ${n.id} for ${hold.toFixed(0)} ms`);
        n.pause();
        await sleep(hold);
        n.resume();
        return;
      }
      case 'isolate-leader': {
        const n = await this.#target(true, pick);
        log(`blackhole all links of ${n.id} for ${hold.toFixed(0)} ms`);
        c.isolate(n.id);
        await sleep(hold);
        c.heal();
        return;
      }
      case 'minority':
      case 'minority-reset': {
        const n = c.nodes[pick] as FaultNode;
        log(`{${n.id}} | rest (${kind === 'minority' ? 'blackhole' : 'reset'}) for ${hold.toFixed(0)} ms`);
        c.isolate(n.id, kind === 'minority' ? undefined : RESET);
        await sleep(hold);
        c.heal();
        return;
      }
      case 'bridge': {
        const n = c.nodes[pick] as FaultNode;
        log(`bridge through ${n.id} for ${hold.toFixed(0)} ms`);
        c.bridge(n.id);
        await sleep(hold);
        c.heal();
        return;
      }
      case 'one-way-leader': {
        const l = await this.#target(true, pick);
        const others = c.nodes.filter((x) => x !== l);
        log(`bytes from ${l.id} to the others held (one-way) for ${hold.toFixed(0)} ms`);
        c.links.update((t) => {
          for (const o of others) t.set(l.id, o.id, { kind: 'blackhole' });
        });
        await sleep(hold);
        c.heal();
        return;
      }
    }
  }
}
