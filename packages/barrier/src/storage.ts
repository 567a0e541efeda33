import type { TxnOp } from './physical-backend.js';

/**
 * Logical storage: plaintext on this side of the barrier. Engines see a `StorageView`
 * scoped to their mount; they never see the physical backend.
 */
export interface Storage {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /** Direct children, as PhysicalBackend.list. */
  list(prefix: string): Promise<string[]>;
  /**
   * Applies every operation atomically when the physical backend supports transactions (one raft
   * entry), else in order. Optional: callers fall back to put/delete when it is absent.
   */
  transaction?(ops: readonly TxnOp[]): Promise<void>;
}

export interface StorageView extends Storage {
  /** The prefix this view adds to every key ('' for the root). */
  readonly prefix: string;
  /** A view whose keys are `prefix + key` in this view. */
  view(prefix: string): StorageView;
}
