/**
 * The physical storage interface: untrusted bytes in, untrusted bytes out.
 * Every implementation (inmem, file, and the raft backend in packages/server) passes the
 * conformance suite exported from `@coffer/barrier/conformance`.
 */

/** Capabilities a backend declares; callers ask, they never probe with instanceof. */
export interface BackendSupports {
  /** `transaction()` applies a batch of operations atomically. */
  readonly transactions: boolean;
}

export type TxnOp =
  | { readonly kind: 'put'; readonly key: string; readonly value: Uint8Array }
  | { readonly kind: 'delete'; readonly key: string };

export interface PhysicalBackend {
  readonly supports: BackendSupports;
  /** The stored bytes, or undefined when the key is absent. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Durable when the promise resolves (fsync'd for persistent backends). */
  put(key: string, value: Uint8Array): Promise<void>;
  /** Deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
  /**
   * Direct children of `prefix`, sorted: keys as their remaining suffix, folders as
   * `name/` (once each). `prefix` is '' or ends in '/'.
   */
  list(prefix: string): Promise<string[]>;
  /** Present only when `supports.transactions` is true. */
  transaction?(ops: readonly TxnOp[]): Promise<void>;
  close(): Promise<void>;
}
