import type { Message, NodeId } from '../../src/core/index.js';
import type { Prng } from './prng.js';

/**
 * An in-memory network with loss, duplication, reordering (random delivery order, so arbitrary
 * delay) and partitions. Messages between nodes in different partition groups are dropped when
 * delivery is attempted.
 */
export class SimNetwork {
  dropRate = 0;
  dupRate = 0;
  /** Node → partition group; nodes in different groups cannot talk. Absent = group 0. */
  private groups = new Map<NodeId, number>();
  private queue: Message[] = [];
  private readonly rng: Prng;
  /** Called for every message lost (dropped, cut by a partition or overflowing). */
  onLost: (m: Message) => void = () => {};

  constructor(rng: Prng) {
    this.rng = rng;
  }

  get size(): number {
    return this.queue.length;
  }

  send(msgs: readonly Message[]): void {
    for (const m of msgs) {
      if (this.rng.chance(this.dropRate)) {
        this.onLost(m);
        continue;
      }
      this.queue.push(m);
      if (this.rng.chance(this.dupRate)) this.queue.push(m);
    }
    while (this.queue.length > 4000) {
      const m = this.take(this.rng.int(this.queue.length));
      this.onLost(m);
    }
  }

  private take(i: number): Message {
    const q = this.queue;
    const m = q[i] as Message;
    q[i] = q[q.length - 1] as Message;
    q.pop();
    return m;
  }

  connected(a: NodeId, b: NodeId): boolean {
    return (this.groups.get(a) ?? 0) === (this.groups.get(b) ?? 0);
  }

  /** Removes a random message; undefined if none or if it was cut by a partition (then lost). */
  takeRandom(): Message | undefined {
    if (this.queue.length === 0) return undefined;
    return this.deliverable(this.take(this.rng.int(this.queue.length)));
  }

  /** Puts back a taken message untouched (no loss, duplication or partition check). */
  requeue(m: Message): void {
    this.queue.push(m);
  }

  /** Removes the oldest message (FIFO delivery for orderly scenarios). */
  takeOldest(): Message | undefined {
    const m = this.queue.shift();
    return m === undefined ? undefined : this.deliverable(m);
  }

  private deliverable(m: Message): Message | undefined {
    if (this.connected(m.from, m.to)) return m;
    this.onLost(m);
    return undefined;
  }

  /** Removes and returns every queued message (oldest first), partitions applied. */
  takeAll(): Message[] {
    const all = this.queue;
    this.queue = [];
    const out: Message[] = [];
    for (const m of all) {
      const d = this.deliverable(m);
      if (d !== undefined) out.push(d);
    }
    return out;
  }

  /** Drops every queued message matching `pred`. */
  dropWhere(pred: (m: Message) => boolean): void {
    const keep: Message[] = [];
    for (const m of this.queue) {
      if (pred(m)) this.onLost(m);
      else keep.push(m);
    }
    this.queue = keep;
  }

  partition(groups: readonly (readonly NodeId[])[]): void {
    this.groups = new Map();
    groups.forEach((g, i) => {
      for (const id of g) this.groups.set(id, i + 1);
    });
  }

  isolate(id: NodeId): void {
    this.groups = new Map([[id, 1]]);
  }

  heal(): void {
    this.groups = new Map();
  }

  isPartitioned(): boolean {
    return this.groups.size > 0;
  }
}
