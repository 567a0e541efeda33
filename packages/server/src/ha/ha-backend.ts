import { AsyncLocalStorage } from 'node:async_hooks';
import type { BackendSupports, PhysicalBackend, TxnOp } from '@coffer/barrier';
import type { RaftBackend, RaftFsm, RaftStorage } from '../raft-storage/index.js';
import { RaftStorageError } from '../raft-storage/index.js';

/** Where the HA backend's calls go: the local FSM alone (raft stopped) or a running raft storage. */
type Target =
  | { readonly kind: 'fsm'; readonly fsm: RaftFsm }
  | { readonly kind: 'raft'; readonly storage: RaftStorage; readonly local: RaftBackend }
  | { readonly kind: 'closed' };

/**
 * The physical backend under an HA node's barrier. Raft runs only while the node is unsealed (its
 * TLS material is inside the barrier), so the backend switches targets:
 *
 * - raft stopped (sealed, uninitialized, joining): reads come from the local FSM (enough to read
 *   the seal configuration, unseal, and read the node's own TLS material); writes fail with
 *   RaftStorageError `unavailable`;
 * - raft running: the RaftBackend — writes are raft proposals, reads linearizable (ReadIndex).
 *
 * Reads inside `runLocal(fn)` skip the ReadIndex round and read the local FSM: for a standby's own
 * bookkeeping (keyring reloads, finding the active node), which must work without a reachable
 * leader and never serves a client.
 */
export class HaBackend implements PhysicalBackend {
  readonly supports: BackendSupports = Object.freeze({ transactions: true });
  readonly #localScope = new AsyncLocalStorage<true>();
  #localRuns = 0;
  #target: Target;

  constructor(fsm: RaftFsm) {
    this.#target = { kind: 'fsm', fsm };
  }

  /** The running raft storage, if any. */
  get storage(): RaftStorage | undefined {
    return this.#target.kind === 'raft' ? this.#target.storage : undefined;
  }

  /** The FSM currently read (raft's while running). */
  get fsm(): RaftFsm | undefined {
    const t = this.#target;
    return t.kind === 'fsm' ? t.fsm : t.kind === 'raft' ? t.storage.fsm : undefined;
  }

  /** Switches to a running raft storage (the caller closed the standalone FSM first). */
  useRaft(storage: RaftStorage): void {
    this.#target = { kind: 'raft', storage, local: storage.backend.withConsistency('local') };
  }

  /** Switches back to a standalone FSM (the caller stopped raft first). */
  useFsm(fsm: RaftFsm): void {
    this.#target = { kind: 'fsm', fsm };
  }

  /** Runs `fn` with this backend's reads served from the local FSM, without a ReadIndex round. */
  async runLocal<T>(fn: () => Promise<T>): Promise<T> {
    this.#localRuns++;
    try {
      return await this.#localScope.run(true, fn);
    } finally {
      // On Node 20 an enabled AsyncLocalStorage installs promise hooks that tax every promise
      // of the process; these scopes are rare (leader change, keyring reload), so switch it off
      // between them. A read still pending from a finished scope then simply does a ReadIndex.
      if (--this.#localRuns === 0) this.#localScope.disable();
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.#reader().get(key);
  }

  async list(prefix: string): Promise<string[]> {
    return this.#reader().list(prefix);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    await this.#writer().put(key, value);
  }

  async delete(key: string): Promise<void> {
    await this.#writer().delete(key);
  }

  async transaction(ops: readonly TxnOp[]): Promise<void> {
    await this.#writer().transaction(ops);
  }

  /** Closes whatever is open (the FSM, or the whole raft storage). */
  async close(): Promise<void> {
    const t = this.#target;
    this.#target = { kind: 'closed' };
    if (t.kind === 'fsm') await t.fsm.close();
    else if (t.kind === 'raft') await t.storage.close();
  }

  #reader(): Pick<PhysicalBackend, 'get' | 'list'> {
    const t = this.#target;
    if (t.kind === 'closed') throw new RaftStorageError('unavailable', 'storage is closed');
    if (t.kind === 'fsm') return t.fsm;
    return this.#localScope.getStore() === true ? t.local : t.storage.backend;
  }

  #writer(): RaftBackend {
    const t = this.#target;
    if (t.kind !== 'raft')
      throw new RaftStorageError(
        'unavailable',
        'raft is not running on this node (sealed or not yet joined)',
      );
    return t.storage.backend;
  }
}
