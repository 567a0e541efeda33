import type { Entry, HardState, SnapshotMetadata } from '../core/types.js';
import type { AppliedConf, LogStore, LogWrite, PersistedState } from './log-store.js';

const EMPTY_HARD_STATE: HardState = { term: 0, vote: '', commit: 0 };

/**
 * LogStore in memory, with the same semantics as LevelLogStore. It survives close()/open() on the
 * same instance, which lets tests model a crash and restart without a disk; `writes` counts the
 * durable writes (the fsyncs LevelLogStore would do).
 */
export class MemoryLogStore implements LogStore {
  #entries: Entry[] = [];
  #hardState: HardState = EMPTY_HARD_STATE;
  #snapshot: SnapshotMetadata | undefined;
  #appliedConf: AppliedConf | undefined;
  #snapshotIndex = 0;
  writes = 0;

  async open(): Promise<PersistedState> {
    return {
      hardState: this.#hardState,
      snapshot: this.#snapshot,
      appliedConf: this.#appliedConf,
      entries: this.#entries.slice(),
    };
  }

  firstIndex(): number {
    return this.#entries[0]?.index ?? this.#snapshotIndex + 1;
  }

  lastIndex(): number {
    const last = this.#entries[this.#entries.length - 1];
    return last === undefined ? this.#snapshotIndex : Math.max(last.index, this.#snapshotIndex);
  }

  async write(write: LogWrite): Promise<void> {
    const { snapshot, entries, hardState, appliedConf } = write;
    let log = this.#entries;
    let snapshotIndex = this.#snapshotIndex;
    if (snapshot !== undefined) {
      log = [];
      snapshotIndex = snapshot.index;
    }
    if (entries !== undefined && entries.length > 0) {
      const start = entries[0]!.index;
      const last = log.length > 0 ? log[log.length - 1]!.index : snapshotIndex;
      if (start > last + 1) throw new RangeError(`entries start at ${start}, log ends at ${last}`);
      if (start <= snapshotIndex)
        throw new RangeError(`entries start at ${start}, at or before snapshot ${snapshotIndex}`);
      for (let i = 1; i < entries.length; i++) {
        if (entries[i]!.index !== entries[i - 1]!.index + 1)
          throw new RangeError(`entries not contiguous at ${entries[i]!.index}`);
      }
      const firstHeld = log[0]?.index ?? start;
      if (start <= firstHeld) log = entries.slice();
      else {
        // In place: the common case is a plain append; a conflict truncates first.
        if (log === this.#entries && snapshot === undefined) log.length = start - firstHeld;
        else log = log.slice(0, start - firstHeld);
        for (const e of entries) log.push(e);
      }
    }
    this.writes++;
    this.#entries = log;
    this.#snapshotIndex = snapshotIndex;
    if (snapshot !== undefined) this.#snapshot = snapshot;
    if (hardState !== undefined) this.#hardState = hardState;
    if (appliedConf !== undefined) this.#appliedConf = appliedConf;
  }

  async compact(snapshot: SnapshotMetadata, keepFrom: number): Promise<void> {
    // A newer snapshot was installed while this one was being taken: keep that record.
    if (snapshot.index < this.#snapshotIndex) return;
    if (keepFrom > snapshot.index)
      throw new RangeError(`keepFrom ${keepFrom} beyond snapshot ${snapshot.index}`);
    if (snapshot.index > this.lastIndex())
      throw new RangeError(`snapshot ${snapshot.index} beyond last index ${this.lastIndex()}`);
    const firstHeld = this.#entries[0]?.index;
    if (firstHeld !== undefined && keepFrom > firstHeld)
      this.#entries = this.#entries.slice(keepFrom - firstHeld);
    this.#snapshot = snapshot;
    this.#snapshotIndex = Math.max(this.#snapshotIndex, snapshot.index);
    this.writes++;
  }

  async close(): Promise<void> {}
}
