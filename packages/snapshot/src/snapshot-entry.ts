/** One replicated (key, value) pair: a storage path and its barrier ciphertext. */
export interface SnapshotEntry {
  /** Non-empty, well-formed Unicode; stored as UTF-8 (at most `MAX_KEY_BYTES`). */
  readonly key: string;
  /** Opaque bytes (barrier ciphertext; this package never sees plaintext or keys). */
  readonly value: Uint8Array;
}

/** What a writer accepts: any iterable, sync or async, pulled one entry at a time. */
export type SnapshotEntrySource = AsyncIterable<SnapshotEntry> | Iterable<SnapshotEntry>;
