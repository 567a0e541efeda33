import { ClassicLevel } from 'classic-level';

/** The FSM's LevelDB (live, or a restore's staging copy): binary keys, values as views. */
export type FsmLevelDb = ClassicLevel<Buffer, Uint8Array>;

/**
 * A memtable of 32 MiB (LevelDB's default is 4 MiB) and tables of 8 MiB (default 2 MiB).
 *
 * The FSM takes random-key inserts (KV v2 version keys are hashed) for as long as the cluster
 * lives, and LevelDB's fixed level sizes (10 MiB for level 1, ×10 per level) make each byte be
 * rewritten by every level it passes. Larger memtables and tables mean fewer, larger merges, and
 * fewer "seek compactions": LevelDB also compacts a table after a number of point reads (that
 * had to look at more than one table) proportional to its size. Only the active node reads, so
 * with the defaults its compaction thread had written 25.1 GB by 650,000 secrets in a
 * `bench:scale` run, 6× what each follower wrote (4.2 GB). With these sizes the whole
 * 1,000,000-secret run wrote 9.5 GB on the active node and 3.0 GB on each follower, and the last
 * 100,000 writes ran at 2,670–2,860/s instead of 2,400–2,540/s (docs/performance.md). The price is
 * memory: up to two memtables (one being flushed), +64 MiB RSS at most.
 */
export function createFsmLevelDb(path: string, compression: boolean): FsmLevelDb {
  return new ClassicLevel<Buffer, Uint8Array>(path, {
    keyEncoding: 'buffer',
    valueEncoding: 'view',
    compression,
    writeBufferSize: 32 * 1024 * 1024,
    maxFileSize: 8 * 1024 * 1024,
  });
}
