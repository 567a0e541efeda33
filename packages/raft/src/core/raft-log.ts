import { limitSize } from './entry-size.js';
import { RaftError } from './raft-error.js';
import type { RaftLogStorage } from './raft-log-storage.js';
import { UnstableLog } from './unstable-log.js';
import type { Entry, Snapshot } from './types.js';

/**
 * The node's view of the replicated log: durable entries in storage plus the unstable tail, with
 * the commit and applied indexes. Index/term lookups are O(1); no operation copies the whole log.
 */
export class RaftLog {
  readonly storage: RaftLogStorage;
  readonly unstable: UnstableLog;
  /** Highest index known committed (replicated on a quorum in some term). */
  committed: number;
  /** Highest index the driver has applied (reported through `advance()`). */
  applied: number;
  private readonly maxCommittedBytes: number;

  constructor(storage: RaftLogStorage, maxCommittedBytes: number) {
    this.storage = storage;
    this.maxCommittedBytes = maxCommittedBytes;
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new UnstableLog(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** Term of entry `i`, or undefined when `i` is compacted away or beyond the last index. */
  term(i: number): number | undefined {
    const u = this.unstable.maybeTerm(i);
    if (u !== undefined) return u;
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return undefined;
    // Below the unstable offset and within range: storage has it (or the index is the
    // compaction point, whose term storage also keeps).
    return this.storage.term(i);
  }

  lastTerm(): number {
    const t = this.term(this.lastIndex());
    if (t === undefined) throw new RaftError('INVARIANT', `no term for last index ${this.lastIndex()}`);
    return t;
  }

  matchTerm(i: number, t: number): boolean {
    return this.term(i) === t;
  }

  /** Whether a log ending at (`lastIndex`, `lastTerm`) is at least as up to date as ours (§5.4.1). */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Index of the first entry of `ents` that is missing or has another term here; 0 if none. */
  findConflict(ents: readonly Entry[]): number {
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i] as Entry;
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index ≤ `index` whose term is ≤ `term`, with that term (0 when unknown). Lets a
   * rejection skip a whole term of divergent entries instead of one index per round trip.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let i = index; i >= 0; i--) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term) return { index: i, term: t };
    }
    return { index: 0, term: 0 };
  }

  /** Appends `ents` (contiguous), truncating any conflicting suffix. Never touches committed entries. */
  append(ents: readonly Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = (ents[0] as Entry).index - 1;
    if (after < this.committed) {
      throw new RaftError(
        'INVARIANT',
        `append after ${after} would overwrite committed index ${this.committed}`,
      );
    }
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /** Leader fast path: appends one entry at `lastIndex() + 1`. */
  appendOne(e: Entry): void {
    if (this.unstable.offset + this.unstable.entries.length !== e.index) {
      this.unstable.truncateAndAppend([e]);
    } else {
      this.unstable.appendOne(e);
    }
  }

  hasUnstable(): boolean {
    return this.unstable.entries.length !== 0 || this.unstable.snapshot !== undefined;
  }

  unstableEntries(): Entry[] {
    return this.unstable.entries.length === 0 ? [] : this.unstable.entries.slice();
  }

  /** Highest index that is durable and part of the current log (the leader's own "match"). */
  stableIndex(): number {
    if (this.unstable.snapshot !== undefined) return 0;
    return Math.min(this.unstable.offset - 1, this.lastIndex());
  }

  hasNextCommittedEnts(): boolean {
    return this.committed + 1 > Math.max(this.applied + 1, this.firstIndex());
  }

  /** Committed entries not yet applied, bounded by the per-Ready byte budget. */
  nextCommittedEnts(): readonly Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    const hi = this.committed + 1;
    if (hi <= lo) return [];
    return this.slice(lo, hi, this.maxCommittedBytes) ?? [];
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  commitTo(c: number): void {
    if (c <= this.committed) return;
    if (c > this.lastIndex()) {
      throw new RaftError('INVARIANT', `commit ${c} beyond last index ${this.lastIndex()}`);
    }
    this.committed = c;
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    if (i > this.committed || i < this.applied) {
      throw new RaftError('INVARIANT', `applied ${i} outside [${this.applied}, ${this.committed}]`);
    }
    this.applied = i;
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  /** Commits `maxIndex` if it holds an entry of `term` (a leader commits only its own term's entries). */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.term(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  /** Entries from `i` on (at most `maxBytes`); [] past the end; undefined if `i` is compacted. */
  entriesFrom(i: number, maxBytes: number): readonly Entry[] | undefined {
    const last = this.lastIndex();
    if (i > last) return [];
    return this.slice(i, last + 1, maxBytes);
  }

  /** Entries in `[lo, hi)` limited to `maxBytes`, or undefined if `lo` is compacted. */
  slice(lo: number, hi: number, maxBytes: number): readonly Entry[] | undefined {
    if (lo < this.firstIndex()) return undefined;
    if (hi > this.lastIndex() + 1 || lo > hi) {
      throw new RaftError('INVARIANT', `slice [${lo}, ${hi}) out of bounds (last ${this.lastIndex()})`);
    }
    if (lo === hi) return [];
    const off = this.unstable.offset;
    let stored: readonly Entry[] | undefined;
    if (lo < off) {
      const storedHi = Math.min(hi, off);
      stored = this.storage.entries(lo, storedHi, maxBytes);
      // Storage may hand out its own array: never mutate it.
      if (stored.length < storedHi - lo || hi <= off) return stored;
    }
    const u = this.unstable.slice(Math.max(lo, off), hi);
    return limitSize(stored === undefined ? u : stored.concat(u), maxBytes);
  }
}
