import { ClassicLevel } from 'classic-level';
import type { Entry, HardState, SnapshotMetadata } from '../core/types.js';
import {
  APPLIED_CONF_KEY,
  ENTRY_RANGE,
  FORMAT_VERSION,
  HARD_STATE_KEY,
  SNAPSHOT_KEY,
  VERSION_KEY,
  decodeAppliedConf,
  decodeEntry,
  decodeHardState,
  decodeSnapshotMeta,
  encodeAppliedConf,
  encodeEntry,
  encodeHardState,
  encodeSnapshotMeta,
  entryKey,
  entryKeyIndex,
} from './level-log-format.js';
import { LogCorruptionError } from './log-corruption-error.js';
import type { LogStore, LogWrite, PersistedState } from './log-store.js';

type Op = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

const EMPTY_HARD_STATE: HardState = { term: 0, vote: '', commit: 0 };

/**
 * LogStore on LevelDB (classic-level). Every write is one LevelDB batch with `sync: true`, so a
 * Ready batch costs one fsync. Entries carry a CRC checked when read back on open.
 */
export class LevelLogStore implements LogStore {
  readonly #db: ClassicLevel<Buffer, Buffer>;
  #first = 1;
  #last = 0;
  #snapshotIndex = 0;
  #opened = false;
  /** Writes are serialized so the in-memory first/last bounds always describe the disk. */
  #queue: Promise<void> = Promise.resolve();
  /** The range compaction reclaiming compacted entries' space, if one is running. */
  #reclaiming: Promise<void> | undefined;
  /** A compaction dropped entries while a reclaim was running: run another when it ends. */
  #reclaimAgain = false;

  constructor(readonly path: string) {
    // The log holds only the entries since the last snapshot (and trailing logs): few tables, read
    // on restart and for a lagging follower. Each open table is mmapped (RSS): keep few open.
    this.#db = new ClassicLevel<Buffer, Buffer>(path, {
      keyEncoding: 'buffer',
      valueEncoding: 'buffer',
      maxOpenFiles: 32,
    });
  }

  async open(): Promise<PersistedState> {
    await this.#db.open();
    this.#opened = true;
    const version = await this.#db.get(VERSION_KEY);
    if (version === undefined) {
      await this.#db.put(VERSION_KEY, Buffer.from([FORMAT_VERSION]), { sync: true });
    } else if (version.length !== 1 || version[0] !== FORMAT_VERSION) {
      throw new LogCorruptionError('version', `unsupported format version ${version[0] ?? '(empty)'}`);
    }
    const [hsRaw, snapRaw, confRaw] = await this.#db.getMany([
      HARD_STATE_KEY,
      SNAPSHOT_KEY,
      APPLIED_CONF_KEY,
    ]);
    const hardState = hsRaw === undefined ? EMPTY_HARD_STATE : decodeHardState(hsRaw);
    const snapshot = snapRaw === undefined ? undefined : decodeSnapshotMeta(snapRaw);
    const appliedConf = confRaw === undefined ? undefined : decodeAppliedConf(confRaw);
    this.#snapshotIndex = snapshot?.index ?? 0;

    const entries: Entry[] = [];
    let expected = -1;
    for await (const [key, value] of this.#db.iterator(ENTRY_RANGE)) {
      const index = entryKeyIndex(key);
      if (expected !== -1 && index !== expected) {
        throw new LogCorruptionError(`entry ${expected}`, `gap in log (next entry found is ${index})`);
      }
      entries.push(decodeEntry(index, value));
      expected = index + 1;
    }
    const first = entries[0];
    if (first !== undefined && first.index > this.#snapshotIndex + 1) {
      throw new LogCorruptionError(
        `entry ${this.#snapshotIndex + 1}`,
        `log starts at ${first.index} after snapshot ${this.#snapshotIndex}`,
      );
    }
    // Entries at or below the snapshot index are trailing logs kept for slow followers.
    this.#first = first?.index ?? this.#snapshotIndex + 1;
    this.#last = entries.length > 0 ? entries[entries.length - 1]!.index : this.#snapshotIndex;
    if (this.#last < this.#snapshotIndex) this.#last = this.#snapshotIndex;
    return { hardState, snapshot, appliedConf, entries };
  }

  firstIndex(): number {
    return this.#first;
  }

  lastIndex(): number {
    return this.#last;
  }

  write(write: LogWrite): Promise<void> {
    return this.#serial(() => this.#write(write));
  }

  compact(snapshot: SnapshotMetadata, keepFrom: number): Promise<void> {
    return this.#serial(() => this.#compact(snapshot, keepFrom));
  }

  async close(): Promise<void> {
    await this.#queue;
    this.#reclaimAgain = false;
    await this.#reclaiming;
    if (this.#opened) await this.#db.close();
    this.#opened = false;
  }

  #serial(fn: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #write(write: LogWrite): Promise<void> {
    const ops: Op[] = [];
    let first = this.#first;
    let last = this.#last;
    let snapshotIndex = this.#snapshotIndex;
    const { snapshot, entries, hardState, appliedConf } = write;
    if (snapshot !== undefined) {
      // An installed snapshot replaces the whole log.
      for (let i = first; i <= last; i++) ops.push({ type: 'del', key: entryKey(i) });
      ops.push({ type: 'put', key: SNAPSHOT_KEY, value: encodeSnapshotMeta(snapshot) });
      snapshotIndex = snapshot.index;
      first = snapshot.index + 1;
      last = snapshot.index;
    }
    if (entries !== undefined && entries.length > 0) {
      const start = entries[0]!.index;
      if (start > last + 1) throw new RangeError(`entries start at ${start}, log ends at ${last}`);
      if (start <= snapshotIndex)
        throw new RangeError(`entries start at ${start}, at or before snapshot ${snapshotIndex}`);
      let prev = start - 1;
      for (const e of entries) {
        if (e.index !== prev + 1) throw new RangeError(`entries not contiguous at ${e.index}`);
        prev = e.index;
        ops.push({ type: 'put', key: entryKey(e.index), value: encodeEntry(e) });
      }
      // Overwriting from `start` invalidates the old suffix beyond the new last entry.
      for (let i = prev + 1; i <= last; i++) ops.push({ type: 'del', key: entryKey(i) });
      if (first > start) first = start;
      last = prev;
    }
    if (hardState !== undefined)
      ops.push({ type: 'put', key: HARD_STATE_KEY, value: encodeHardState(hardState) });
    if (appliedConf !== undefined)
      ops.push({ type: 'put', key: APPLIED_CONF_KEY, value: encodeAppliedConf(appliedConf) });
    if (ops.length === 0) return;
    await this.#db.batch(ops, { sync: true });
    const dropped = first > this.#first;
    this.#first = first;
    this.#last = last;
    this.#snapshotIndex = snapshotIndex;
    if (dropped) this.#reclaim(); // an installed snapshot replaced the log
  }

  async #compact(snapshot: SnapshotMetadata, keepFrom: number): Promise<void> {
    // A newer snapshot was installed while this one was being taken: keep that record.
    if (snapshot.index < this.#snapshotIndex) return;
    if (keepFrom > snapshot.index)
      throw new RangeError(`keepFrom ${keepFrom} beyond snapshot ${snapshot.index}`);
    if (snapshot.index > this.#last)
      throw new RangeError(`snapshot ${snapshot.index} beyond last index ${this.#last}`);
    const ops: Op[] = [{ type: 'put', key: SNAPSHOT_KEY, value: encodeSnapshotMeta(snapshot) }];
    let first = this.#first;
    for (; first < keepFrom; first++) ops.push({ type: 'del', key: entryKey(first) });
    await this.#db.batch(ops, { sync: true });
    const dropped = first > this.#first;
    this.#first = first;
    this.#snapshotIndex = Math.max(this.#snapshotIndex, snapshot.index);
    if (dropped) this.#reclaim();
  }

  /**
   * Deleting entries only writes tombstones: LevelDB frees their bytes when a compaction carries
   * a tombstone down to the table holding the entry, and as the log moves on those tables sink
   * to levels that nothing compacts again (~400 MiB per node after 1,000,000 writes, never read).
   * A range compaction of the dropped prefix (after a compaction, or a snapshot that replaced
   * the log) frees them now; it also flushes the memtable first. It runs in LevelDB's background
   * thread, outside the write queue (raft's appends go on meanwhile), one at a time; `close()`
   * waits for it. A failure only leaves the space for later.
   */
  #reclaim(): void {
    if (this.#reclaiming !== undefined) {
      this.#reclaimAgain = true;
      return;
    }
    const run = async (): Promise<void> => {
      do {
        this.#reclaimAgain = false;
        if (!this.#opened) return;
        await this.#db.compactRange(ENTRY_RANGE.gte, entryKey(this.#first)).catch(() => undefined);
      } while (this.#reclaimAgain);
    };
    this.#reclaiming = run().finally(() => (this.#reclaiming = undefined));
  }
}
