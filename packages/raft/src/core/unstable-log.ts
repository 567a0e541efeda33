import type { Entry, Snapshot } from './types.js';

/**
 * The tail of the log not yet durable: entries (and possibly a snapshot) the core has accepted
 * but the driver has not yet confirmed persisted through `advance()`. Entries at `offset` and
 * beyond live here; everything before comes from storage.
 */
export class UnstableLog {
  snapshot: Snapshot | undefined = undefined;
  entries: Entry[] = [];
  /** Index of `entries[0]` (or where it would be). Everything below is in storage. */
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  maybeFirstIndex(): number | undefined {
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index + 1;
  }

  maybeLastIndex(): number | undefined {
    if (this.entries.length !== 0) return this.offset + this.entries.length - 1;
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index;
  }

  maybeTerm(i: number): number | undefined {
    if (i < this.offset) {
      const s = this.snapshot;
      return s !== undefined && s.metadata.index === i ? s.metadata.term : undefined;
    }
    const e = this.entries[i - this.offset];
    return e === undefined ? undefined : e.term;
  }

  /** Entries up to `i` (whose term must still be `t`) are durable now. */
  stableTo(i: number, t: number): void {
    if (i < this.offset) return;
    const e = this.entries[i - this.offset];
    // A different term means the entry was replaced after the Ready was handed out (a new leader
    // truncated it); the replacement is still unstable and will come in the next Ready.
    if (e === undefined || e.term !== t) return;
    const n = i + 1 - this.offset;
    this.entries = n === this.entries.length ? [] : this.entries.slice(n);
    this.offset = i + 1;
  }

  stableSnapTo(i: number): void {
    if (this.snapshot !== undefined && this.snapshot.metadata.index === i) this.snapshot = undefined;
  }

  restore(s: Snapshot): void {
    this.offset = s.metadata.index + 1;
    this.entries = [];
    this.snapshot = s;
  }

  /** Appends `ents` (contiguous), replacing whatever the log held from `ents[0].index` on. */
  truncateAndAppend(ents: readonly Entry[]): void {
    const from = (ents[0] as Entry).index;
    if (from === this.offset + this.entries.length) {
      // Fast path: plain append.
    } else if (from <= this.offset) {
      // Replace the whole unstable part; the durable log from `from` on is superseded too.
      this.offset = from;
      this.entries = [];
    } else {
      this.entries = this.entries.slice(0, from - this.offset);
    }
    for (let i = 0; i < ents.length; i++) this.entries.push(ents[i] as Entry);
  }

  appendOne(e: Entry): void {
    this.entries.push(e);
  }

  /** Entries in `[lo, hi)`; the caller guarantees `offset <= lo <= hi <= last + 1`. */
  slice(lo: number, hi: number): Entry[] {
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
