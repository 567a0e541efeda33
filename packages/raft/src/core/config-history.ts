import { decodeConfChange } from './conf-change-codec.js';
import { RaftError } from './raft-error.js';
import { EntryType } from './types.js';
import type { Entry } from './types.js';
import type { Membership } from './membership.js';

interface ConfigPoint {
  readonly index: number;
  readonly membership: Membership;
}

/**
 * The membership in effect at each point of the log. A configuration takes effect as soon as its
 * ConfChange entry is in the log (Raft dissertation §4.1), committed or not, so a node always
 * counts votes and acknowledgements with the newest configuration it holds; if a conflicting
 * leader truncates the entry, the previous configuration comes back.
 *
 * `points[0]` is the base (the configuration at the snapshot); later points are ConfChange entries.
 */
export class ConfigHistory {
  private points: ConfigPoint[];

  constructor(baseIndex: number, base: Membership) {
    this.points = [{ index: baseIndex, membership: base }];
  }

  latest(): Membership {
    return (this.points[this.points.length - 1] as ConfigPoint).membership;
  }

  /** Index of the entry that set the latest configuration (the base index if none). */
  latestIndex(): number {
    return (this.points[this.points.length - 1] as ConfigPoint).index;
  }

  /** The configuration in effect at log index `index` (the base's if `index` precedes every change). */
  at(index: number): Membership {
    for (let i = this.points.length - 1; i > 0; i--) {
      const p = this.points[i] as ConfigPoint;
      if (p.index <= index) return p.membership;
    }
    return (this.points[0] as ConfigPoint).membership;
  }

  reset(baseIndex: number, base: Membership): void {
    this.points = [{ index: baseIndex, membership: base }];
  }

  /**
   * Records `entries` appended at `entries[0].index`, replacing the log from there on.
   * Returns whether the latest configuration changed.
   */
  append(entries: readonly Entry[]): boolean {
    if (entries.length === 0) return false;
    const before = this.latest();
    const from = (entries[0] as Entry).index;
    if (from <= (this.points[0] as ConfigPoint).index) {
      throw new RaftError(
        'INVARIANT',
        `append at ${from} at or below the configuration base ${this.points[0]?.index}`,
      );
    }
    while (this.points.length > 1 && (this.points[this.points.length - 1] as ConfigPoint).index >= from) {
      this.points.pop();
    }
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as Entry;
      if (e.type !== EntryType.ConfChange) continue;
      this.points.push({ index: e.index, membership: this.latest().apply(decodeConfChange(e.data)) });
    }
    return this.latest() !== before;
  }

  /** Forgets points at or below `index` (committed, so never truncated), keeping the one in effect there. */
  compact(index: number): void {
    let keep = 0;
    for (let i = 1; i < this.points.length; i++) {
      if ((this.points[i] as ConfigPoint).index <= index) keep = i;
    }
    if (keep > 0) this.points = this.points.slice(keep);
  }
}
