import { createHash } from 'node:crypto';

/**
 * An independent encoder written from docs/formats/snapshot.md (not from the package source),
 * hashing whole prefixes instead of running hashes. Tests use it to check that the writer
 * follows the document, and to craft files whose checksums are right but whose structure is
 * not (every field can be overridden).
 */
export interface RawSnapshotSpec {
  readonly magic?: Uint8Array;
  readonly version?: number;
  readonly flags?: number;
  /** Metadata JSON text (or bytes); its length field follows it unless overridden. */
  readonly metaJson: string | Uint8Array;
  readonly metaLength?: number;
  readonly blocks?: readonly RawBlock[];
  readonly trailer?: {
    readonly kind?: number;
    readonly entries?: bigint;
    readonly blocks?: bigint;
    readonly bytes?: bigint;
  };
  /** Bytes appended after the trailer. */
  readonly after?: Uint8Array;
}

export interface RawBlock {
  readonly kind?: number;
  /** The payload: usually `rawRecord(...)` concatenated. */
  readonly payload: Uint8Array;
  readonly count: number;
  readonly payloadLength?: number;
}

const MAGIC = Uint8Array.of(0x89, 0x43, 0x46, 0x53, 0x4e, 0x41, 0x50, 0x0a);

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

const u64 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
};

/** One record: key length, key (UTF-8 unless bytes are given), value length, value. */
export function rawRecord(key: string | Uint8Array, value: Uint8Array): Buffer {
  const k = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  return Buffer.concat([u32(k.length), k, u32(value.length), value]);
}

/** The bytes of the snapshot `spec` describes, with every checksum computed per the document. */
export function buildRawSnapshot(spec: RawSnapshotSpec): Buffer {
  const json =
    typeof spec.metaJson === 'string' ? Buffer.from(spec.metaJson, 'utf8') : Buffer.from(spec.metaJson);
  const version = Buffer.alloc(4);
  version.writeUInt16BE(spec.version ?? 1, 0);
  version.writeUInt16BE(spec.flags ?? 0, 2);
  const head = Buffer.concat([spec.magic ?? MAGIC, version, u32(spec.metaLength ?? json.length), json]);
  const metaSection = Buffer.concat([head, sha256(head)]);

  let payload = Buffer.alloc(0);
  let entries = 0n;
  for (const block of spec.blocks ?? []) {
    const frameHead = Buffer.alloc(9);
    frameHead[0] = block.kind ?? 0x42;
    frameHead.writeUInt32BE(block.payloadLength ?? block.payload.length, 1);
    frameHead.writeUInt32BE(block.count, 5);
    const upToSum = Buffer.concat([payload, frameHead, block.payload]);
    payload = Buffer.concat([upToSum, sha256(upToSum)]);
    entries += BigInt(block.count);
  }

  const fileBefore = Buffer.concat([metaSection, payload]);
  const fields = Buffer.concat([
    Uint8Array.of(spec.trailer?.kind ?? 0x45),
    u64(spec.trailer?.entries ?? entries),
    u64(spec.trailer?.blocks ?? BigInt(spec.blocks?.length ?? 0)),
    u64(spec.trailer?.bytes ?? BigInt(fileBefore.length + 89)),
    sha256(payload),
  ]);
  const upToSum = Buffer.concat([fileBefore, fields]);
  return Buffer.concat([upToSum, sha256(upToSum), spec.after ?? Buffer.alloc(0)]);
}
