/**
 * Typed errors of the snapshot package. Callers branch on `code`, never on `message`.
 *
 * Messages name byte offsets and sizes, never key or value bytes: values are barrier
 * ciphertext and keys are storage paths, but neither belongs in a log line about a bad file.
 */

/** Every error code the snapshot package raises, stable across releases. */
export const SNAPSHOT_ERROR_CODES = [
  /** The first 8 bytes are not the snapshot magic: not a Coffer snapshot at all. */
  'BAD_MAGIC',
  /** A format version or header flag this reader does not implement. */
  'UNSUPPORTED_VERSION',
  /** A SHA-256 stored in the file does not match the bytes it covers (or an expected digest). */
  'CHECKSUM_MISMATCH',
  /** The input ended before the trailer was complete. */
  'TRUNCATED',
  /** Checksums match but the structure is invalid (bad lengths, counts, JSON, trailing bytes). */
  'MALFORMED',
  /** A caller passed something that cannot be written or read (invalid meta or entry, text chunks). */
  'INVALID_INPUT',
] as const;

export type SnapshotErrorCode = (typeof SNAPSHOT_ERROR_CODES)[number];

export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';

  /**
   * @param offset byte offset in the snapshot where the problem was detected, when known
   */
  constructor(
    readonly code: SnapshotErrorCode,
    message: string,
    readonly offset?: number,
  ) {
    super(message);
  }

  /** True when `err` is a SnapshotError, and (if given) carries `code`. */
  static is(err: unknown, code?: SnapshotErrorCode): err is SnapshotError {
    return err instanceof SnapshotError && (code === undefined || err.code === code);
  }
}
