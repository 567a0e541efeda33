import { limitSize } from './entry-size.js';
import { RaftError } from './raft-error.js';
import type { InitialState, RaftLogStorage } from './raft-log-storage.js';
import { EntryType } from './types.js';
import type { ConfState, Entry, HardState, Snapshot } from './types.js';

const EMPTY_DATA = new Uint8Array(0);
const EMPTY_HARD_STATE: HardState = { term: 0, vote: '', commit: 0 };
const EMPTY_CONF_STATE: ConfState = { voters: [], learners: [] };
const EMPTY_SNAPSHOT: Snapshot = {
  metadata: { index: 0, term: 0, confState: EMPTY_CONF_STATE },
  data: EMPTY_DATA,
};

function dummy(index: number, term: number): Entry {
  return { index, term, type: EntryType.Normal, data: EMPTY_DATA };
}

/**
 * An in-memory `RaftLogStorage`: the driver's mirror of its durable log, and the whole storage in
 * tests and simulations. Not thread-safe (there are no threads); every method is synchronous.
 *
 * Layout: `ents[0]` is a dummy entry standing for the compaction point (`firstIndex() - 1`) and
 * carrying its term; real entries follow contiguously.
 */
export class MemoryStorage implements RaftLogStorage {
  private hardState: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot = EMPTY_SNAPSHOT;
  private ents: Entry[] = [dummy(0, 0)];

  initialState(): InitialState {
    return { hardState: this.hardState, confState: this.snap.metadata.confState };
  }

  hardStateValue(): HardState {
    return this.hardState;
  }

  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  private get offset(): number {
    return (this.ents[0] as Entry).index;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.ents.length - 1;
  }

  term(i: number): number {
    const offset = this.offset;
    if (i < offset) throw new RaftError('COMPACTED', `term(${i}): compacted (first index ${offset + 1})`);
    const e = this.ents[i - offset];
    if (e === undefined)
      throw new RaftError('UNAVAILABLE', `term(${i}): beyond last index ${this.lastIndex()}`);
    return e.term;
  }

  entries(lo: number, hi: number, maxBytes: number = Infinity): Entry[] {
    const offset = this.offset;
    if (lo <= offset)
      throw new RaftError('COMPACTED', `entries(${lo}, ${hi}): compacted (first index ${offset + 1})`);
    if (hi > this.lastIndex() + 1) {
      throw new RaftError('UNAVAILABLE', `entries(${lo}, ${hi}): beyond last index ${this.lastIndex()}`);
    }
    if (lo >= hi) return [];
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxBytes);
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /**
   * Replaces the whole log with `snap` (a snapshot received from the leader). A snapshot equal to
   * the current one is accepted as a no-op (a restarted node re-installing it); an older one
   * throws `SNAPSHOT_OUT_OF_DATE`.
   */
  applySnapshot(snap: Snapshot): void {
    const cur = this.snap.metadata;
    const next = snap.metadata;
    if (next.index < cur.index) {
      throw new RaftError('SNAPSHOT_OUT_OF_DATE', `snapshot ${next.index} older than ${cur.index}`);
    }
    if (next.index === cur.index && next.term === cur.term) {
      // Re-installing the snapshot already held (a node restarted mid-install): keep the log.
      this.snap = snap;
      return;
    }
    this.snap = snap;
    this.ents = [dummy(next.index, next.term)];
  }

  /**
   * Records a snapshot of the state machine at applied index `i` (with the membership as of `i`)
   * so that the log up to `i` can be compacted. `data` may be empty when snapshots are streamed
   * from the state machine separately.
   */
  createSnapshot(i: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (i <= this.snap.metadata.index) {
      throw new RaftError('SNAPSHOT_OUT_OF_DATE', `snapshot ${i} not newer than ${this.snap.metadata.index}`);
    }
    if (i > this.lastIndex())
      throw new RaftError('UNAVAILABLE', `snapshot ${i} beyond last index ${this.lastIndex()}`);
    this.snap = { metadata: { index: i, term: this.term(i), confState }, data };
    return this.snap;
  }

  /**
   * Discards entries up to and including `compactIndex`. It must not exceed the snapshot index
   * (otherwise a follower could need entries that neither the log nor the snapshot covers).
   * Compacting at or below the current compaction point is a no-op.
   */
  compact(compactIndex: number): void {
    const offset = this.offset;
    if (compactIndex <= offset) return;
    if (compactIndex > this.snap.metadata.index) {
      throw new RaftError(
        'UNAVAILABLE',
        `compact(${compactIndex}) beyond snapshot index ${this.snap.metadata.index}; create a snapshot first`,
      );
    }
    const i = compactIndex - offset;
    const head = dummy(compactIndex, (this.ents[i] as Entry).term);
    const rest = this.ents.slice(i + 1);
    rest.unshift(head);
    this.ents = rest;
  }

  /**
   * Appends entries (already durable in the driver's log), replacing any conflicting suffix.
   * Entries at or below the compaction point are ignored. The first new entry must be contiguous
   * with (or overlap) the existing log.
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const firstNew = (entries[0] as Entry).index;
    const lastNew = firstNew + entries.length - 1;
    if (lastNew < first) return;
    const start = first > firstNew ? first - firstNew : 0;
    const at = firstNew + start - this.offset;
    if (at > this.ents.length) {
      throw new RaftError(
        'INVARIANT',
        `append at ${firstNew + start}: missing entries after ${this.lastIndex()}`,
      );
    }
    this.ents.length = at;
    for (let i = start; i < entries.length; i++) this.ents.push(entries[i] as Entry);
  }
}
