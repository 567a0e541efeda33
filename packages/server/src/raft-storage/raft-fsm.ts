import { EventEmitter } from 'node:events';
import { assertValidKey, listLevelChildren } from '@coffer/barrier';
import { EntryType, failpoint } from '@coffer/raft';
import type { ConfState, Entry, SnapshotMetadata, StateMachine } from '@coffer/raft';
import { SnapshotError, readSnapshot, snapshotStream } from '@coffer/snapshot';
import type { SnapshotEntry, SnapshotMeta } from '@coffer/snapshot';
import { FsmDirectory } from './fsm-directory.js';
import { createFsmLevelDb, type FsmLevelDb } from './fsm-level-db.js';
import { RaftStorageError } from './raft-storage-error.js';
import { decodeRestoreCommand, isRestoreCommand, type RestoreCommand } from './restore-command.js';
import { decodeStorageCommand } from './storage-command.js';

/**
 * LevelDB layout of the FSM (`<dir>/fsm`):
 *
 * - data: key = the storage key's UTF-8 bytes, value = the stored bytes (barrier ciphertext);
 * - metadata under keys starting with 0xFF — never UTF-8, so never a data key, sorted after every
 *   data key and outside every `list` range: `0xFF "version"` = u8 1, `0xFF "applied"` = index
 *   u64 ‖ term u64 (big-endian) of the last applied entry, written in the same sync batch as the
 *   data changes of the entries it covers.
 */
type Db = FsmLevelDb;
type BatchOp = { type: 'put'; key: Buffer; value: Uint8Array } | { type: 'del'; key: Buffer };

const FSM_FORMAT_VERSION = 1;
const DATA_END = Buffer.from([0xff]);
const VERSION_KEY = Buffer.concat([DATA_END, Buffer.from('version', 'latin1')]);
const APPLIED_KEY = Buffer.concat([DATA_END, Buffer.from('applied', 'latin1')]);
/** The id of the raft-log restore in progress (its staging DB is `FsmDirectory.pendingPath(id)`). */
const PENDING_RESTORE_KEY = Buffer.concat([DATA_END, Buffer.from('restore', 'latin1')]);
/** Appended to the pending restore id when the restore is forced. */
const FORCE_SUFFIX = '.force';
const SYNC = { sync: true } as const;
/** Restore writes the staging DB in batches of about this many bytes (not fsync'd one by one). */
const RESTORE_BATCH_BYTES = 4 * 1024 * 1024;
const RESTORE_BATCH_ENTRIES = 4096;
const SCAN_CHUNK = 256;

/** What changed in the FSM: emitted (event `change`) after every durable apply batch or restore. */
export type FsmChange =
  | {
      readonly kind: 'apply';
      /** Raft indexes covered by the batch (empty and ConfChange entries included). */
      readonly firstIndex: number;
      readonly lastIndex: number;
      /** Storage keys put or deleted in the batch, each once, in order of first change. */
      readonly keys: readonly string[];
    }
  /**
   * The whole state was replaced by a snapshot: any key may have changed. `force`: a restore of
   * another cluster's snapshot (through the raft log) — the keyring changed.
   */
  | { readonly kind: 'restore'; readonly index: number; readonly force?: boolean };

export interface RaftFsmEvents {
  change: [change: FsmChange];
  /** A `change` listener threw (the FSM carries on: the change is already durable). */
  listenerError: [error: unknown];
}

/** What the FSM cannot know itself but records in its snapshots' metadata. */
export interface SnapshotContext {
  /** Membership to record (default: empty). Raft's own metadata, when passed to `snapshot`, wins. */
  readonly confState?: ConfState;
  /** The barrier keyring fingerprint (default ''). */
  readonly keyringFingerprint?: string;
}

/** Where a test may stop a restore as if the process had died there. */
export type RestoreCrashPoint =
  /** The staging DB is complete and durable; the commit marker is not written. → old state. */
  | 'staged'
  /** The commit marker is durable; the live DB is untouched. → new state. */
  | 'committed'
  /** The live DB was moved aside; the staging DB is not yet in its place. → new state. */
  | 'moved-aside';

/** Thrown at a `RestoreCrashPoint`: the FSM is left exactly as a crash would leave it. */
export class SimulatedCrashError extends Error {
  constructor(readonly point: RestoreCrashPoint) {
    super(`simulated crash during restore (${point})`);
    this.name = 'SimulatedCrashError';
  }
}

export interface RaftFsmOptions {
  /** Data directory; the FSM lives in `<dir>/fsm` (see FsmDirectory for restore's files). */
  readonly dir: string;
  /** Snappy block compression (default true). */
  readonly compression?: boolean;
  /** Snapshot metadata the FSM cannot know, asked at each `snapshot()`. */
  readonly snapshotContext?: () => SnapshotContext;
  /** Source of snapshots' `createdAt` (default: the wall clock). Time is an input. */
  readonly clock?: () => Date;
  /** Tests only: simulate a crash at this point of every restore. */
  readonly restoreCrashAt?: RestoreCrashPoint;
  /**
   * Awaited while applying the begin entry of a forced restore, before the FSM moves on: the
   * live state is still the old one (the HA node keeps what must survive the keyring change).
   */
  readonly onForcedRestoreBegin?: () => Promise<void>;
  /**
   * Key prefixes that belong to the running cluster, not to its data (e.g. the HA layer's node
   * and TLS records): a restore through the raft log keeps their current values and ignores the
   * snapshot's.
   */
  readonly restoreKeeps?: readonly string[];
}

/** A restore proposed through the raft log, between its begin and its commit or abort. */
interface PendingRestore {
  readonly id: string;
  readonly force: boolean;
  readonly path: string;
  readonly db: Db;
}

type Lifecycle = 'open' | 'closed' | 'crashed';

function encodeApplied(index: number, term: number): Buffer {
  const out = Buffer.alloc(16);
  out.writeBigUInt64BE(BigInt(index), 0);
  out.writeBigUInt64BE(BigInt(term), 8);
  return out;
}

function decodeApplied(raw: Uint8Array): { index: number; term: number } {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (buf.length !== 16) throw new Error(`raft FSM: applied record is ${buf.length} bytes, expected 16`);
  return { index: Number(buf.readBigUInt64BE(0)), term: Number(buf.readBigUInt64BE(8)) };
}

async function openDb(path: string, compression: boolean): Promise<Db> {
  const db: Db = createFsmLevelDb(path, compression);
  await db.open();
  try {
    const version = await db.get(VERSION_KEY);
    if (version === undefined) {
      await db.put(VERSION_KEY, Uint8Array.of(FSM_FORMAT_VERSION), SYNC);
    } else if (version.length !== 1 || version[0] !== FSM_FORMAT_VERSION) {
      throw new Error(`raft FSM at ${path}: unsupported format version ${version[0] ?? '(empty)'}`);
    }
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

interface Scan extends AsyncIterableIterator<SnapshotEntry> {
  return(): Promise<IteratorResult<SnapshotEntry>>;
}

/**
 * The raft state machine of Coffer's storage: a LevelDB on every node holding the replicated
 * key/value state (barrier ciphertext) and the index of the last entry applied.
 *
 * - `apply`: every Normal entry with data is a storage command (see storage-command.ts); a batch
 *   of entries becomes one LevelDB batch, fsync'd, that also records the applied index and term.
 *   Empty entries and ConfChange entries advance the applied index. Entries at or below the
 *   applied index are skipped (counted in `duplicatesSkipped`), so nothing is applied twice.
 * - `snapshot`: a point-in-time LevelDB iterator (created synchronously), streamed lazily through
 *   the snapshot archive format; nothing is buffered.
 * - `restore`: verified streaming into a staging LevelDB, then a crash-safe swap (FsmDirectory).
 * - reads (`get`, `list`) read the local state; RaftBackend decides when that is linearizable.
 */
export class RaftFsm extends EventEmitter<RaftFsmEvents> implements StateMachine {
  /**
   * The LevelDB store records its applied index with the data and is synced before raft compacts
   * its log, so it is the snapshot: raft writes none to compact, and archives one (`snapshot()`)
   * only to send to a follower that needs it.
   */
  readonly onDemandSnapshots = true;
  readonly #dir: FsmDirectory;
  readonly #compression: boolean;
  readonly #snapshotContext: (() => SnapshotContext) | undefined;
  readonly #clock: () => Date;
  readonly #crashAt: RestoreCrashPoint | undefined;
  #db: Db;
  #state: Lifecycle = 'open';
  #applied: number;
  #appliedTerm: number;
  #duplicatesSkipped = 0;
  /** Reads and scans in flight on `#db` (a swap waits for them; `close` waits for reads). */
  #reads = 0;
  #scans = 0;
  /** Woken whenever a read or scan finishes; each re-checks what it waits for. */
  #idleWaiters: (() => void)[] = [];
  /** Set while the live DB is being replaced; new reads wait for it. */
  #swapping: Promise<void> | undefined;
  readonly #keeps: readonly string[];
  readonly #onForcedRestoreBegin: (() => Promise<void>) | undefined;
  #pending: PendingRestore | undefined;

  private constructor(
    dir: FsmDirectory,
    db: Db,
    applied: { index: number; term: number },
    options: RaftFsmOptions,
  ) {
    super();
    this.#dir = dir;
    this.#db = db;
    this.#applied = applied.index;
    this.#appliedTerm = applied.term;
    this.#compression = options.compression ?? true;
    this.#snapshotContext = options.snapshotContext;
    this.#clock = options.clock ?? ((): Date => new Date());
    this.#crashAt = options.restoreCrashAt;
    this.#keeps = options.restoreKeeps ?? [];
    this.#onForcedRestoreBegin = options.onForcedRestoreBegin;
  }

  /** Opens (creating when missing) the FSM in `<dir>/fsm`, first finishing or discarding an interrupted restore. */
  static async open(options: RaftFsmOptions): Promise<RaftFsm> {
    const dir = new FsmDirectory(options.dir);
    await dir.recover();
    const db = await openDb(dir.livePath, options.compression ?? true);
    let applied: { index: number; term: number };
    let pending: PendingRestore | undefined;
    try {
      const raw = await db.get(APPLIED_KEY);
      applied = raw === undefined ? { index: 0, term: 0 } : decodeApplied(raw);
      const pendingId = await db.get(PENDING_RESTORE_KEY);
      if (pendingId !== undefined) {
        const record = Buffer.from(pendingId).toString('latin1');
        const force = record.endsWith(FORCE_SUFFIX);
        const id = force ? record.slice(0, -FORCE_SUFFIX.length) : record;
        const path = dir.pendingPath(id);
        await dir.removePending(path);
        const sdb: Db = createFsmLevelDb(path, options.compression ?? true);
        await sdb.open();
        pending = { id, force, path, db: sdb };
      } else {
        await dir.removePending();
      }
    } catch (err) {
      await db.close();
      throw err;
    }
    const fsm = new RaftFsm(dir, db, applied, options);
    fsm.#pending = pending;
    return fsm;
  }

  /**
   * No snapshot may be captured for a follower while a restore is being proposed: the staged
   * chunks are in this node's staging DB, not in the archive, so that follower would miss them and
   * skip the commit. Compaction goes on (on-demand snapshots): staging and its record are synced
   * as each entry is applied, and reopened at start-up.
   */
  snapshotAllowed(): boolean {
    return this.#pending === undefined;
  }

  /**
   * Makes every applied entry durable: one fsynced write, which syncs LevelDB's log and with it
   * every earlier unsynced apply. Raft calls it before compacting its log.
   */
  async sync(): Promise<void> {
    await this.#reading(() => this.#db.put(VERSION_KEY, Uint8Array.of(FSM_FORMAT_VERSION), SYNC));
  }

  /** The id of the restore being proposed through the raft log (begun, neither committed nor aborted). */
  get pendingRestore(): string | undefined {
    return this.#pending?.id;
  }

  /** Index of the last applied entry (durable once synced; the raft log holds the rest). */
  get applied(): number {
    return this.#applied;
  }

  /** Term of the last applied entry. */
  get appliedTerm(): number {
    return this.#appliedTerm;
  }

  /** Entries handed to `apply` again at or below the applied index, and skipped (should stay 0). */
  get duplicatesSkipped(): number {
    return this.#duplicatesSkipped;
  }

  // ------------------------------------------------------------------ StateMachine

  async appliedIndex(): Promise<number> {
    return this.#applied;
  }

  async apply(entries: readonly Entry[]): Promise<void> {
    this.#assertOpen();
    let ops: BatchOp[] = [];
    let keys = new Set<string>();
    let first: Entry | undefined;
    let last: Entry | undefined;
    const flush = async (): Promise<void> => {
      if (first === undefined || last === undefined) return;
      ops.push({ type: 'put', key: APPLIED_KEY, value: encodeApplied(last.index, last.term) });
      // Not fsynced: the raft log (fsynced) re-applies what an OS crash loses, and raft calls
      // sync() before it compacts that log. A killed process loses nothing (LevelDB has written it).
      await this.#reading(() => this.#db.batch(ops));
      this.#applied = last.index;
      this.#appliedTerm = last.term;
      this.#emitChange({ kind: 'apply', firstIndex: first.index, lastIndex: last.index, keys: [...keys] });
      ops = [];
      keys = new Set<string>();
      first = undefined;
      last = undefined;
    };
    for (const e of entries) {
      if (e.index <= (last?.index ?? this.#applied)) {
        this.#duplicatesSkipped++;
        continue;
      }
      const expected = (last?.index ?? this.#applied) + 1;
      if (e.index !== expected)
        throw new Error(`raft FSM: entry ${e.index} applied after ${expected - 1} (gap)`);
      if (e.type === EntryType.Normal && isRestoreCommand(e.data)) {
        await flush();
        await this.#applyRestore(decodeRestoreCommand(e.data), e);
        continue;
      }
      if (e.type === EntryType.Normal && e.data.length > 0) {
        for (const op of decodeStorageCommand(e.data)) {
          const key = Buffer.from(op.key, 'utf8');
          ops.push(op.kind === 'put' ? { type: 'put', key, value: op.value } : { type: 'del', key });
          keys.add(op.key);
        }
      }
      first ??= e;
      last = e;
    }
    await flush();
  }

  /**
   * One step of a restore proposed through the raft log. Each step is idempotent up to its
   * applied-index write, so replaying it after a crash is safe: begin re-creates the staging DB,
   * a chunk's puts are synced into staging before the live applied index moves past it, and
   * commit goes through the same crash-safe marker and swap as `restore`.
   */
  async #applyRestore(cmd: RestoreCommand, e: Entry): Promise<void> {
    const advance = async (extra: BatchOp[] = []): Promise<void> => {
      await this.#reading(() =>
        this.#db.batch(
          [...extra, { type: 'put', key: APPLIED_KEY, value: encodeApplied(e.index, e.term) }],
          SYNC,
        ),
      );
      this.#applied = e.index;
      this.#appliedTerm = e.term;
    };
    const current = this.#pending?.id === cmd.id ? this.#pending : undefined;
    switch (cmd.kind) {
      case 'begin': {
        await this.#dropPending();
        const path = this.#dir.pendingPath(cmd.id);
        await this.#dir.discard(path);
        const db: Db = createFsmLevelDb(path, this.#compression);
        await db.open();
        const force = cmd.force === true;
        if (force) await this.#onForcedRestoreBegin?.();
        this.#pending = { id: cmd.id, force, path, db };
        await advance([
          {
            type: 'put',
            key: PENDING_RESTORE_KEY,
            value: Buffer.from(cmd.id + (force ? FORCE_SUFFIX : ''), 'latin1'),
          },
        ]);
        return;
      }
      case 'chunk': {
        if (current !== undefined && cmd.entries.length > 0) {
          const ops: BatchOp[] = [];
          for (const entry of cmd.entries) {
            assertValidKey(entry.key);
            if (this.#kept(entry.key)) continue;
            ops.push({ type: 'put', key: Buffer.from(entry.key, 'utf8'), value: entry.value });
          }
          await current.db.batch(ops, SYNC);
        }
        await advance();
        return;
      }
      case 'abort': {
        if (current === undefined) {
          await advance();
          return;
        }
        await this.#dropPending();
        await advance([{ type: 'del', key: PENDING_RESTORE_KEY }]);
        return;
      }
      case 'commit': {
        if (current === undefined) {
          await advance();
          return;
        }
        // The cluster's own records: drop whatever staging holds under them, copy the live ones.
        const ops: BatchOp[] = [];
        for (const prefix of this.#keeps) {
          const range = {
            gte: Buffer.from(prefix, 'utf8'),
            lt: Buffer.concat([Buffer.from(prefix, 'utf8'), DATA_END]),
          };
          for await (const key of current.db.keys({ ...range, keyEncoding: 'buffer' }))
            ops.push({ type: 'del', key });
          for await (const [key, value] of this.#db.iterator({
            ...range,
            keyEncoding: 'buffer',
            valueEncoding: 'view',
          }))
            ops.push({ type: 'put', key, value });
        }
        ops.push({ type: 'put', key: VERSION_KEY, value: Uint8Array.of(FSM_FORMAT_VERSION) });
        ops.push({ type: 'put', key: APPLIED_KEY, value: encodeApplied(e.index, e.term) });
        await current.db.batch(ops, SYNC);
        await current.db.close();
        this.#pending = undefined;
        await this.#dir.syncStaging(current.path);
        this.#crashPoint('staged');
        await this.#dir.commit(current.path);
        this.#crashPoint('committed');
        await this.#exclusive(async () => {
          await this.#db.close();
          await this.#dir.swap(current.path, async () => this.#crashPoint('moved-aside'));
          this.#db = await openDb(this.#dir.livePath, this.#compression);
        });
        this.#applied = e.index;
        this.#appliedTerm = e.term;
        this.#emitChange({ kind: 'restore', index: e.index, force: current.force });
        return;
      }
    }
  }

  #kept(key: string): boolean {
    return this.#keeps.some((p) => key.startsWith(p));
  }

  /** Closes and deletes the staging DB of the pending raft-log restore, if any (not its live record). */
  async #dropPending(): Promise<void> {
    const p = this.#pending;
    if (p === undefined) return;
    this.#pending = undefined;
    await p.db.close().catch(() => undefined);
    await this.#dir.discard(p.path);
  }

  /**
   * A snapshot archive (packages/snapshot format) of the state as of now, streamed lazily from a
   * LevelDB iterator created before this returns. Metadata: `meta` when the driver passes it,
   * else the applied index/term and the context's membership; `keyringFingerprint` from the context.
   */
  async snapshot(meta?: SnapshotMetadata): Promise<AsyncIterable<Uint8Array>> {
    const scan = this.#scan();
    try {
      const context = this.#snapshotContext?.() ?? {};
      const confState = meta?.confState ?? context.confState ?? { voters: [], learners: [] };
      const archiveMeta: SnapshotMeta = {
        index: meta?.index ?? this.#applied,
        term: meta?.term ?? this.#appliedTerm,
        configuration: { voters: [...confState.voters], learners: [...confState.learners] },
        createdAt: this.#clock().toISOString(),
        keyringFingerprint: context.keyringFingerprint ?? '',
      };
      return snapshotStream(archiveMeta, scan);
    } catch (err) {
      await scan.return();
      throw err;
    }
  }

  /**
   * Replaces the whole state with the archive in `data` (verified while streaming), with applied
   * index `meta.index`. The archive's own index must be `meta.index` (or 0: a snapshot taken
   * outside raft). Any failure before the commit point leaves the old state untouched.
   */
  async restore(data: AsyncIterable<Uint8Array>, meta: SnapshotMetadata): Promise<void> {
    this.#assertOpen();
    const reader = await readSnapshot(data);
    if (reader.meta.index !== 0 && reader.meta.index !== meta.index) {
      await reader.close();
      throw new SnapshotError(
        'MALFORMED',
        `snapshot archive is at index ${reader.meta.index}, raft installs it at ${meta.index}`,
      );
    }
    const staging = await this.#dir.createStaging();
    const sdb: Db = createFsmLevelDb(staging, this.#compression);
    try {
      await sdb.open();
      let ops: BatchOp[] = [];
      let bytes = 0;
      for await (const entry of reader.entries) {
        assertValidKey(entry.key);
        const key = Buffer.from(entry.key, 'utf8');
        ops.push({ type: 'put', key, value: entry.value });
        bytes += key.length + entry.value.byteLength;
        if (bytes >= RESTORE_BATCH_BYTES || ops.length >= RESTORE_BATCH_ENTRIES) {
          await sdb.batch(ops);
          ops = [];
          bytes = 0;
        }
      }
      ops.push({ type: 'put', key: VERSION_KEY, value: Uint8Array.of(FSM_FORMAT_VERSION) });
      ops.push({ type: 'put', key: APPLIED_KEY, value: encodeApplied(meta.index, meta.term) });
      await sdb.batch(ops, SYNC);
      await sdb.close();
      await this.#dir.syncStaging(staging);
    } catch (err) {
      await sdb.close().catch(() => undefined);
      await this.#dir.discard(staging);
      throw err;
    }
    this.#crashPoint('staged');
    await this.#dir.commit(staging);
    this.#crashPoint('committed');
    failpoint('raft-snapshot-install-mid');
    await this.#exclusive(async () => {
      await this.#db.close();
      await this.#dir.swap(staging, async () => this.#crashPoint('moved-aside'));
      this.#db = await openDb(this.#dir.livePath, this.#compression);
    });
    await this.#dropPending();
    this.#applied = meta.index;
    this.#appliedTerm = meta.term;
    this.#emitChange({ kind: 'restore', index: meta.index });
  }

  // ------------------------------------------------------------------ reads

  /** The stored bytes under `key` in the local state, or undefined. */
  async get(key: string): Promise<Uint8Array | undefined> {
    assertValidKey(key);
    // A point read is served synchronously from LevelDB's memtable and block cache (the OS page
    // cache below): cheaper than a round trip through the libuv thread pool, which on a 2-core
    // machine also preempts the event loop. While the DB is being swapped it waits as before.
    if (this.#swapping === undefined && this.#state === 'open' && this.#db.status === 'open')
      return this.#db.getSync(Buffer.from(key, 'utf8'));
    return this.#reading(() => this.#db.get(Buffer.from(key, 'utf8')));
  }

  /** Direct children of `prefix` in the local state (FileBackend's semantics, shared code). */
  async list(prefix: string): Promise<string[]> {
    return this.#reading(() =>
      listLevelChildren((range) => this.#db.keys({ keyEncoding: 'buffer', ...range }), prefix),
    );
  }

  /**
   * Every (key, value) of the local state, in key order, as of this call (a LevelDB snapshot).
   * Iterate it to the end or call `return()`: until then it holds a LevelDB iterator (and a
   * restore waits for it).
   */
  entries(): AsyncIterableIterator<SnapshotEntry> {
    return this.#scan();
  }

  /** Closes the LevelDB (after in-flight reads; open scans are closed). Idempotent. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    while (this.#swapping !== undefined) await this.#swapping;
    this.#state = 'closed';
    await this.#until(() => this.#reads === 0);
    await this.#pending?.db.close().catch(() => undefined);
    await this.#db.close();
  }

  // ------------------------------------------------------------------ internals

  #assertOpen(): void {
    if (this.#state !== 'open') throw new RaftStorageError('unavailable', `raft FSM is ${this.#state}`);
  }

  #emitChange(change: FsmChange): void {
    try {
      this.emit('change', change);
    } catch (err) {
      this.emit('listenerError', err);
    }
  }

  #crashPoint(point: RestoreCrashPoint): void {
    if (this.#crashAt !== point) return;
    this.#state = 'crashed';
    throw new SimulatedCrashError(point);
  }

  #release(kind: 'reads' | 'scans'): void {
    if (kind === 'reads') this.#reads--;
    else this.#scans--;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }

  async #until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  async #reading<T>(read: () => Promise<T>): Promise<T> {
    while (this.#swapping !== undefined) await this.#swapping;
    this.#assertOpen();
    this.#reads++;
    try {
      return await read();
    } finally {
      this.#release('reads');
    }
  }

  /** Runs `work` with the live DB to itself: new reads wait, in-flight reads and scans finish first. */
  async #exclusive(work: () => Promise<void>): Promise<void> {
    let done!: () => void;
    this.#swapping = new Promise<void>((resolve) => (done = resolve));
    try {
      await this.#until(() => this.#reads === 0 && this.#scans === 0);
      await work();
    } catch (err) {
      if (!(err instanceof SimulatedCrashError)) this.#state = 'crashed';
      throw err;
    } finally {
      this.#swapping = undefined;
      done();
    }
  }

  /** A point-in-time iterator over the data keys, opened synchronously. */
  #scan(): Scan {
    this.#assertOpen();
    if (this.#swapping !== undefined) throw new RaftStorageError('unavailable', 'raft FSM is being restored');
    const it = this.#db.iterator({ lt: DATA_END, keyEncoding: 'buffer', valueEncoding: 'view' });
    this.#scans++;
    let buffered: (readonly [Buffer, Uint8Array])[] = [];
    let at = 0;
    let closed = false;
    const finish = async (): Promise<IteratorResult<SnapshotEntry>> => {
      if (!closed) {
        closed = true;
        try {
          await it.close();
        } finally {
          this.#release('scans');
        }
      }
      return { done: true, value: undefined };
    };
    const scan: Scan = {
      next: async (): Promise<IteratorResult<SnapshotEntry>> => {
        if (closed) return { done: true, value: undefined };
        if (at === buffered.length) {
          try {
            buffered = (await it.nextv(SCAN_CHUNK)) as (readonly [Buffer, Uint8Array])[];
          } catch (err) {
            await finish();
            throw err;
          }
          at = 0;
          if (buffered.length === 0) return finish();
        }
        const [key, value] = buffered[at++]!;
        return { done: false, value: { key: key.toString('utf8'), value } };
      },
      return: finish,
      [Symbol.asyncIterator](): Scan {
        return scan;
      },
    };
    return scan;
  }
}
