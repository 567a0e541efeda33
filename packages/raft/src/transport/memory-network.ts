import type { Message, NodeId } from '../core/types.js';
import { MemoryTransport } from './memory-transport.js';
import { seededRandom } from './seeded-random.js';

/** Faults the network injects into `send` traffic; every decision comes from the seeded source. */
export interface NetworkFaults {
  /** Probability a message is lost. */
  readonly dropRate?: number;
  /** Probability a message is delivered twice. */
  readonly duplicateRate?: number;
  /** Probability a message is held back up to `reorderWindowMs` so later ones overtake it. */
  readonly reorderRate?: number;
  readonly reorderWindowMs?: number;
  /** Latency added to every message (and snapshot chunk), in ms. */
  readonly delayMs?: number;
}

export interface NetworkStats {
  readonly sent: number;
  readonly delivered: number;
  readonly dropped: number;
  readonly duplicated: number;
}

/**
 * A hub connecting any number of in-process MemoryTransports, with seeded fault injection and
 * partitions. Delivery is always asynchronous (never re-entrant into the sender).
 */
export class MemoryNetwork {
  readonly #endpoints = new Map<NodeId, MemoryTransport>();
  readonly #random: () => number;
  #faults: NetworkFaults;
  /** Blocked directed links, as `from\u0000to`. */
  readonly #blocked = new Set<string>();
  #immediate: { to: MemoryTransport; message: Message }[] = [];
  #flushScheduled = false;
  readonly #timers = new Set<NodeJS.Timeout>();
  #stats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };

  constructor(options: { seed?: number } & NetworkFaults = {}) {
    this.#random = seededRandom(options.seed ?? 1);
    this.#faults = options;
  }

  /** Creates (and attaches) the transport of node `id`. */
  transport(id: NodeId): MemoryTransport {
    if (this.#endpoints.has(id)) throw new Error(`node ${id} already attached`);
    const t = new MemoryTransport(id, this);
    this.#endpoints.set(id, t);
    return t;
  }

  setFaults(faults: NetworkFaults): void {
    this.#faults = faults;
  }

  /** Splits the nodes into groups that cannot talk to each other; unlisted nodes form one more group. */
  partition(...groups: readonly (readonly NodeId[])[]): void {
    this.heal();
    const groupOf = new Map<NodeId, number>();
    groups.forEach((g, i) => g.forEach((id) => groupOf.set(id, i)));
    const ids = [...this.#endpoints.keys(), ...groupOf.keys()];
    for (const a of ids) {
      for (const b of ids) {
        if (a !== b && (groupOf.get(a) ?? -1) !== (groupOf.get(b) ?? -1)) this.#blocked.add(`${a}\u0000${b}`);
      }
    }
  }

  /** Cuts `id` off from every other node, both directions. */
  isolate(id: NodeId): void {
    for (const other of this.#endpoints.keys()) {
      if (other === id) continue;
      this.#blocked.add(`${id}\u0000${other}`);
      this.#blocked.add(`${other}\u0000${id}`);
    }
  }

  /** Blocks one direction of one link. */
  block(from: NodeId, to: NodeId): void {
    this.#blocked.add(`${from}\u0000${to}`);
  }

  /** Removes every partition and blocked link. */
  heal(): void {
    this.#blocked.clear();
  }

  stats(): NetworkStats {
    return { ...this.#stats };
  }

  /** True when `from` can currently reach an attached, open `to`. */
  reachable(from: NodeId, to: NodeId): boolean {
    return this.#endpoints.get(to)?.isOpen === true && !this.#blocked.has(`${from}\u0000${to}`);
  }

  /** @internal The endpoint of `id`, if attached and open. */
  endpoint(id: NodeId): MemoryTransport | undefined {
    const t = this.#endpoints.get(id);
    return t?.isOpen === true ? t : undefined;
  }

  /** @internal Called by a closing transport. */
  detach(id: NodeId): void {
    this.#endpoints.delete(id);
  }

  /** Latency to apply to one snapshot chunk. */
  get delayMs(): number {
    return this.#faults.delayMs ?? 0;
  }

  /** @internal Routes messages from `from`; returns the peers found unreachable. */
  route(from: NodeId, messages: readonly Message[]): Set<NodeId> {
    const unreachable = new Set<NodeId>();
    const f = this.#faults;
    const rnd = this.#random;
    for (const m of messages) {
      this.#stats.sent++;
      const to = this.#endpoints.get(m.to);
      if (to === undefined || !to.isOpen) {
        this.#stats.dropped++;
        unreachable.add(m.to);
        continue;
      }
      if (this.#blocked.size > 0 && this.#blocked.has(`${from}\u0000${m.to}`)) {
        this.#stats.dropped++;
        continue;
      }
      if (f.dropRate !== undefined && f.dropRate > 0 && rnd() < f.dropRate) {
        this.#stats.dropped++;
        continue;
      }
      const copies = f.duplicateRate !== undefined && f.duplicateRate > 0 && rnd() < f.duplicateRate ? 2 : 1;
      if (copies === 2) this.#stats.duplicated++;
      for (let c = 0; c < copies; c++) {
        let delay = f.delayMs ?? 0;
        if (f.reorderRate !== undefined && f.reorderRate > 0 && rnd() < f.reorderRate) {
          delay += 1 + Math.floor(rnd() * (f.reorderWindowMs ?? 5));
        }
        if (delay <= 0) this.#immediate.push({ to, message: m });
        else this.#later(to, m, delay);
      }
    }
    if (this.#immediate.length > 0 && !this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
    return unreachable;
  }

  #later(to: MemoryTransport, message: Message, delay: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#deliver(to, message);
    }, delay);
    this.#timers.add(timer);
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    const batch = this.#immediate;
    this.#immediate = [];
    for (const { to, message } of batch) this.#deliver(to, message);
  };

  #deliver(to: MemoryTransport, message: Message): void {
    if (!to.isOpen) {
      this.#stats.dropped++;
      return;
    }
    this.#stats.delivered++;
    to.deliver(message);
  }

  /** Stops every pending delayed delivery. */
  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#immediate = [];
  }
}
