/**
 * Rotating keys for a workload: `slots` keys are live at a time; a slot moves to a fresh key once
 * its key has seen `opsPerKey` operations or `maxInfoPerKey` indeterminate ones, which bounds
 * the linearizability search per key (fault-matrix: ≤ 150–200 ops and few `info` ops per key).
 */
import type { Prng } from '../checker/prng.js';

interface Slot {
  gen: number;
  key: string;
  ops: number;
  info: number;
}

export class KeySlots {
  /** Every key handed out by `take`, in order. */
  readonly keys = new Set<string>();
  readonly #prefix: string;
  readonly #slots: Slot[];
  readonly #opsPerKey: number;
  readonly #maxInfo: number;
  readonly #byKey = new Map<string, Slot>();

  constructor(prefix: string, slots: number, opsPerKey: number, maxInfoPerKey: number) {
    this.#prefix = prefix;
    this.#opsPerKey = opsPerKey;
    this.#maxInfo = maxInfoPerKey;
    this.#slots = Array.from({ length: slots }, () => ({ gen: 0, key: '', ops: 0, info: 0 }));
    this.#slots.forEach((s, i) => this.#rotate(s, i));
  }

  #rotate(s: Slot, i: number): void {
    s.key = `${this.#prefix}${i}-${s.gen++}`;
    s.ops = 0;
    s.info = 0;
    this.#byKey.set(s.key, s);
  }

  /** A random live key, charged `cost` operations (rotating first when the slot is used up). */
  take(prng: Prng, cost = 1): string {
    const i = prng.int(this.#slots.length);
    const s = this.#slots[i] as Slot;
    if (s.ops + cost > this.#opsPerKey || s.info >= this.#maxInfo) this.#rotate(s, i);
    s.ops += cost;
    this.keys.add(s.key);
    return s.key;
  }

  /** Counts an indeterminate op on `key`; its slot rotates before the next `take` once over the limit. */
  indeterminate(key: string): void {
    const s = this.#byKey.get(key);
    if (s !== undefined && s.key === key) s.info++;
  }
}
