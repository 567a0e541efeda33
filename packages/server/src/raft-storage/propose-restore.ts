import { randomBytes } from 'node:crypto';
import type { SnapshotEntry, SnapshotSource } from '@coffer/snapshot';
import { readSnapshot } from '@coffer/snapshot';
import type { FsmChange, RaftFsm } from './raft-fsm.js';
import { RaftStorageError } from './raft-storage-error.js';
import { CHUNK_ENTRY_OVERHEAD, encodeRestoreCommand } from './restore-command.js';

/** Entries per restore chunk are packed up to about this many bytes (one raft entry each). */
export const RESTORE_CHUNK_BYTES = 512 * 1024;

export interface ProposeRestoreOptions {
  /** Proposes one raft entry; resolves with its index once committed and applied locally. */
  readonly propose: (data: Uint8Array) => Promise<number>;
  /** The local FSM (to confirm the commit really swapped the state in). */
  readonly fsm: RaftFsm;
  /** The verified snapshot, opened again (it is read once, streaming). */
  readonly open: () => SnapshotSource;
  readonly chunkBytes?: number;
  /** A snapshot of another cluster (another keyring): every node seals after the commit. */
  readonly force?: boolean;
  /** Called after each chunk was proposed and applied (progress; tests' failpoints). */
  readonly afterChunk?: (chunks: number) => void;
}

export interface ProposedRestore {
  readonly id: string;
  /** Raft index of the commit entry: the restored state's applied index on every node. */
  readonly index: number;
  readonly entries: number;
  readonly chunks: number;
}

/**
 * Restores a snapshot through the raft log: `begin`, the entries in chunks of at most
 * `chunkBytes`, `commit` (see restore-command.ts). Every node applies the same entries, so every
 * node ends with the same state — all of the old or all of the new. On any failure after `begin`
 * an `abort` is proposed (best effort: a new active node aborts a restore left pending too).
 * The snapshot should have been verified in full before: a block failing its check here aborts.
 */
export async function proposeRestore(options: ProposeRestoreOptions): Promise<ProposedRestore> {
  const id = randomBytes(8).toString('hex');
  const limit = options.chunkBytes ?? RESTORE_CHUNK_BYTES;
  const restored: number[] = [];
  const onChange = (c: FsmChange): void => {
    if (c.kind === 'restore') restored.push(c.index);
  };
  options.fsm.on('change', onChange);
  let begun = false;
  try {
    const reader = await readSnapshot(options.open());
    await options.propose(encodeRestoreCommand({ kind: 'begin', id, force: options.force === true }));
    begun = true;
    let chunk: SnapshotEntry[] = [];
    let bytes = 0;
    let chunks = 0;
    let entries = 0;
    const flush = async (): Promise<void> => {
      if (chunk.length === 0) return;
      await options.propose(encodeRestoreCommand({ kind: 'chunk', id, entries: chunk }));
      chunks++;
      chunk = [];
      bytes = 0;
      options.afterChunk?.(chunks);
    };
    for await (const entry of reader.entries) {
      const size = CHUNK_ENTRY_OVERHEAD + Buffer.byteLength(entry.key, 'utf8') + entry.value.byteLength;
      if (bytes + size > limit) await flush();
      // The reader's values may be views into a block it reuses: copy.
      chunk.push({ key: entry.key, value: Uint8Array.from(entry.value) });
      bytes += size;
      entries++;
    }
    await flush();
    const index = await options.propose(encodeRestoreCommand({ kind: 'commit', id }));
    if (!restored.includes(index)) {
      throw new RaftStorageError(
        'unavailable',
        'the restore was aborted before its commit (leadership changed?); nothing was restored',
      );
    }
    return { id, index, entries, chunks };
  } catch (err) {
    if (begun) await options.propose(encodeRestoreCommand({ kind: 'abort', id })).catch(() => undefined);
    throw err;
  } finally {
    options.fsm.off('change', onChange);
  }
}
