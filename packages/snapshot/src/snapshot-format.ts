/**
 * Constants of the snapshot archive format, version 1. `docs/formats/snapshot.md` describes
 * the layout byte by byte; this file and that document must agree.
 */

/** First 8 bytes of every snapshot: `0x89 "CFSNAP" 0x0a` (a high byte and a newline catch text-mode mangling). */
export const SNAPSHOT_MAGIC: Uint8Array = Uint8Array.of(0x89, 0x43, 0x46, 0x53, 0x4e, 0x41, 0x50, 0x0a);

/** The format version this package writes and the only one it reads. */
export const SNAPSHOT_FORMAT_VERSION = 1;

/** Magic (8) ‖ version uint16 ‖ flags uint16. */
export const HEADER_BYTES = 12;

/** Every checksum field is a raw SHA-256 digest. */
export const CHECKSUM_BYTES = 32;

/** Frame kind of a block of entries: ASCII `B`. */
export const FRAME_BLOCK = 0x42;

/** Frame kind of the trailer: ASCII `E`. */
export const FRAME_END = 0x45;

/** Block frame header: kind (1) ‖ payload length uint32 ‖ record count uint32. */
export const BLOCK_HEADER_BYTES = 9;

/** Trailer: kind (1) ‖ entries u64 ‖ blocks u64 ‖ file bytes u64 ‖ payload SHA-256 (32) ‖ file SHA-256 (32). */
export const TRAILER_BYTES = 89;

/** Record framing: key length uint32 and value length uint32. */
export const RECORD_OVERHEAD_BYTES = 8;

/** Largest metadata JSON accepted (membership of a large cluster is a few KiB). */
export const MAX_META_BYTES = 1024 * 1024;

/** Largest key (UTF-8 bytes). Keys are storage paths. */
export const MAX_KEY_BYTES = 64 * 1024;

/** Largest value. Raft entries are far smaller (Vault's default max entry size is 1 MiB). */
export const MAX_VALUE_BYTES = 64 * 1024 * 1024;

/**
 * Target payload size of a block: records are added until the next one would not fit. A record
 * larger than the target gets a block of its own. See the format document for why 1 MiB.
 */
export const DEFAULT_BLOCK_BYTES = 1024 * 1024;

/** Largest block target a writer may choose. */
export const MAX_BLOCK_BYTES = 16 * 1024 * 1024;

/** Largest block payload a reader accepts: a block target, or one record of maximal size. */
export const MAX_BLOCK_PAYLOAD_BYTES = Math.max(
  MAX_BLOCK_BYTES,
  RECORD_OVERHEAD_BYTES + MAX_KEY_BYTES + MAX_VALUE_BYTES,
);
