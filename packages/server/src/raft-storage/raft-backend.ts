import { BarrierError, assertValidKey } from '@coffer/barrier';
import type { BackendSupports, PhysicalBackend, TxnOp } from '@coffer/barrier';
import { MAX_KEY_BYTES } from '@coffer/snapshot';
import type { RaftFsm } from './raft-fsm.js';
import { RaftStorageError } from './raft-storage-error.js';
import { ReadIndexCoalescer } from './read-index-coalescer.js';
import {
  COMMAND_HEADER_BYTES,
  PUT_OVERHEAD_BYTES,
  encodeStorageCommand,
  storageCommandSize,
} from './storage-command.js';

/**
 * How `get`/`list` relate to writes elsewhere in the cluster:
 * - `linearizable`: a read reflects every write acknowledged (anywhere) before it started. It
 *   waits for a ReadIndex round (confirmed by a quorum through the leader; a follower asks the
 *   leader), coalesced across concurrent reads, then reads the local FSM.
 * - `local`: reads the local FSM now (may be stale on a follower), for standbys that only need
 *   e.g. the seal configuration, and for reads that must work without a leader.
 */
export type ReadConsistency = 'linearizable' | 'local';

/** The part of RaftNode the backend uses (tests substitute spies). */
export interface RaftBackendNode {
  /** Resolves with the entry's index once it is committed and applied locally. */
  propose(data: Uint8Array): Promise<number>;
  readIndex(): Promise<void>;
  /** A lease-only read barrier, or undefined without a valid lease (see RaftNode.leaseRead). */
  leaseRead?(): Promise<void> | undefined;
}

/** Vault's `max_entry_size` default: the largest value a put accepts. */
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

export interface RaftBackendOptions {
  readonly node: RaftBackendNode;
  readonly fsm: RaftFsm;
  /** Default `linearizable`. */
  readonly consistency?: ReadConsistency;
  /** Largest value of one put (default 1 MiB). Larger: RaftStorageError `value_too_large`. */
  readonly maxValueBytes?: number;
  /**
   * Largest encoded command, i.e. raft entry (default: one put of a maximal value under a
   * maximal key). A transaction above it: RaftStorageError `entry_too_large`.
   */
  readonly maxEntryBytes?: number;
  /** Called once by `close()` (the owner's teardown, e.g. stopping the node). */
  readonly onClose?: () => Promise<void>;
}

function assertWritableKey(key: string): void {
  assertValidKey(key);
  // Snapshots carry keys of at most MAX_KEY_BYTES; a longer key would make every snapshot fail.
  if (key.length > MAX_KEY_BYTES / 3 && Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new BarrierError('INVALID_KEY', `storage key longer than ${MAX_KEY_BYTES} UTF-8 bytes`);
  }
}

/**
 * The physical backend of an HA cluster: writes are raft proposals (one entry per put, delete or
 * transaction; resolved once committed by a quorum and applied to the local FSM, so a following
 * local read sees them); reads come from the local FSM, after a ReadIndex barrier when
 * linearizable. Keys and list semantics are FileBackend's (shared code); values are opaque.
 *
 * Errors: INVALID_KEY (BarrierError) as every backend; otherwise RaftStorageError — `not_leader`
 * (with `leader`/`leaderAddress`) on a follower's write, `outcome_unknown`, `unavailable`,
 * `value_too_large`, `entry_too_large`.
 */
export class RaftBackend implements PhysicalBackend {
  readonly supports: BackendSupports = Object.freeze({ transactions: true });
  readonly consistency: ReadConsistency;
  readonly maxValueBytes: number;
  readonly maxEntryBytes: number;
  readonly #node: RaftBackendNode;
  readonly #fsm: RaftFsm;
  readonly #reads: ReadIndexCoalescer;
  readonly #onClose: (() => Promise<void>) | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: RaftBackendOptions, coalescer?: ReadIndexCoalescer) {
    this.#node = options.node;
    this.#fsm = options.fsm;
    this.consistency = options.consistency ?? 'linearizable';
    this.maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.maxEntryBytes =
      options.maxEntryBytes ?? COMMAND_HEADER_BYTES + PUT_OVERHEAD_BYTES + MAX_KEY_BYTES + this.maxValueBytes;
    this.#onClose = options.onClose;
    this.#reads =
      coalescer ??
      new ReadIndexCoalescer(
        () => this.#node.readIndex(),
        () => this.#node.leaseRead?.(),
      );
  }

  /** ReadIndex rounds started by this backend's linearizable reads (and its views'). */
  get readIndexRounds(): number {
    return this.#reads.rounds;
  }

  /**
   * A backend over the same node and FSM with another read consistency, sharing the read
   * coalescer. It does not own them: its `close()` only stops its own use.
   */
  withConsistency(consistency: ReadConsistency): RaftBackend {
    return new RaftBackend(
      {
        node: this.#node,
        fsm: this.#fsm,
        consistency,
        maxValueBytes: this.maxValueBytes,
        maxEntryBytes: this.maxEntryBytes,
      },
      this.#reads,
    );
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertValidKey(key);
    await this.#readBarrier();
    return this.#fsm.get(key);
  }

  async list(prefix: string): Promise<string[]> {
    await this.#readBarrier();
    return this.#fsm.list(prefix);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    await this.#write([{ kind: 'put', key, value }]);
  }

  async delete(key: string): Promise<void> {
    await this.#write([{ kind: 'delete', key }]);
  }

  /** All operations in one raft entry, applied atomically; validated in full before proposing. */
  async transaction(ops: readonly TxnOp[]): Promise<void> {
    if (ops.length === 0) {
      this.#assertOpen();
      return;
    }
    await this.#write(ops);
  }

  async close(): Promise<void> {
    this.#closing ??= this.#onClose?.() ?? Promise.resolve();
    await this.#closing;
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) throw new RaftStorageError('unavailable', 'raft backend is closed');
  }

  async #readBarrier(): Promise<void> {
    this.#assertOpen();
    if (this.consistency === 'local') return;
    try {
      await this.#reads.wait();
    } catch (err) {
      throw RaftStorageError.fromRaft(err);
    }
  }

  async #write(ops: readonly TxnOp[]): Promise<void> {
    this.#assertOpen();
    for (const op of ops) {
      assertWritableKey(op.key);
      if (op.kind === 'put' && op.value.byteLength > this.maxValueBytes) {
        throw new RaftStorageError(
          'value_too_large',
          `value of ${op.value.byteLength} bytes exceeds the ${this.maxValueBytes}-byte limit`,
        );
      }
    }
    const size = storageCommandSize(ops);
    if (size > this.maxEntryBytes) {
      throw new RaftStorageError(
        'entry_too_large',
        `write of ${size} bytes exceeds the ${this.maxEntryBytes}-byte entry limit`,
      );
    }
    const command = encodeStorageCommand(ops);
    try {
      await this.#node.propose(command);
    } catch (err) {
      throw RaftStorageError.fromRaft(err);
    }
  }
}
