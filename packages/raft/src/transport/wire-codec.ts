import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { ConfState, Entry, EntryType, Message, MessageType, NodeId, Snapshot } from '../core/types.js';

/** protobufjs decodes uint64 as a Long when the `long` package is present, else as a number. */
type U64 = number | { toNumber(): number };

interface WireEntry {
  index: U64;
  term: U64;
  type: number;
  data: Uint8Array;
}
interface WireConfState {
  voters: string[];
  learners: string[];
}
interface WireSnapshot {
  metadata?: { index: U64; term: U64; confState?: WireConfState | null } | null;
  data: Uint8Array;
}
interface WireMessage {
  type: number;
  from: string;
  to: string;
  term: U64;
  index: U64;
  logTerm: U64;
  entries: WireEntry[];
  commit: U64;
  reject: boolean;
  rejectHint: U64;
  hintTerm: U64;
  snapshot?: WireSnapshot | null;
  context: Uint8Array;
}
interface WireBatch {
  from: string;
  fromAddress: string;
  messages: WireMessage[];
}
interface WireChunk {
  header?: { fromAddress: string; message?: WireMessage | null } | null;
  data?: Uint8Array | null;
  trailer?: { size: U64; crc32: number } | null;
}

/** A decoded Batch: sender, its listening address, and the messages. */
export interface DecodedBatch {
  readonly from: NodeId;
  readonly fromAddress: string;
  readonly messages: readonly Message[];
}

/** A decoded InstallSnapshot chunk: either the header or a piece of data. */
export type DecodedChunk =
  | { readonly kind: 'header'; readonly fromAddress: string; readonly message: Message }
  | { readonly kind: 'data'; readonly data: Uint8Array }
  | { readonly kind: 'trailer'; readonly size: number; readonly crc32: number };

const EMPTY = new Uint8Array(0);

/** protobufjs hands out Buffers in Node; expose plain Uint8Array views (no copy). */
function plainBytes(b: Uint8Array | null | undefined): Uint8Array {
  if (b === undefined || b === null || b.length === 0) return EMPTY;
  return Object.getPrototypeOf(b) === Uint8Array.prototype
    ? b
    : new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function num(v: U64 | null | undefined): number {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

function confState(cs: WireConfState | null | undefined): ConfState {
  return { voters: cs?.voters ?? [], learners: cs?.learners ?? [] };
}

function snapshotFromWire(s: WireSnapshot): Snapshot {
  const md = s.metadata;
  return {
    metadata: { index: num(md?.index), term: num(md?.term), confState: confState(md?.confState) },
    data: plainBytes(s.data),
  };
}

function messageFromWire(w: WireMessage): Message {
  const entries: Entry[] = new Array<Entry>(w.entries.length);
  for (let i = 0; i < w.entries.length; i++) {
    const e = w.entries[i]!;
    entries[i] = {
      index: num(e.index),
      term: num(e.term),
      type: e.type as EntryType,
      data: plainBytes(e.data),
    };
  }
  const m: Message = {
    type: w.type as MessageType,
    from: w.from,
    to: w.to,
    term: num(w.term),
    index: num(w.index),
    logTerm: num(w.logTerm),
    entries,
    commit: num(w.commit),
    reject: w.reject,
    rejectHint: num(w.rejectHint),
    hintTerm: num(w.hintTerm),
    context: plainBytes(w.context),
  };
  if (w.snapshot !== undefined && w.snapshot !== null)
    return { ...m, snapshot: snapshotFromWire(w.snapshot) };
  return m;
}

/** A plain object protobufjs can encode directly (field names in camelCase). */
function messageToWire(m: Message): object {
  if (m.snapshot === undefined) return m;
  const { snapshot, ...rest } = m;
  return { ...rest, snapshot: { metadata: snapshot.metadata, data: EMPTY } };
}

/**
 * Encodes and decodes the messages of proto/raft.proto with protobufjs. The .proto file is found
 * relative to this module, which works from both src/ and dist/ (both sit one level under the
 * package root).
 */
export class WireCodec {
  static readonly protoPath = fileURLToPath(new URL('../../proto/raft.proto', import.meta.url));
  static #instance: WireCodec | undefined;

  readonly #batch: protobuf.Type;
  readonly #batchAck: protobuf.Type;
  readonly #chunk: protobuf.Type;
  readonly #snapshotAck: protobuf.Type;
  readonly #message: protobuf.Type;

  private constructor() {
    const root = protobuf.loadSync(WireCodec.protoPath);
    this.#batch = root.lookupType('coffer.raft.v1.Batch');
    this.#batchAck = root.lookupType('coffer.raft.v1.BatchAck');
    this.#chunk = root.lookupType('coffer.raft.v1.SnapshotChunk');
    this.#snapshotAck = root.lookupType('coffer.raft.v1.SnapshotAck');
    this.#message = root.lookupType('coffer.raft.v1.Message');
  }

  /** The codec (the .proto is parsed once per process). */
  static get(): WireCodec {
    WireCodec.#instance ??= new WireCodec();
    return WireCodec.#instance;
  }

  encodeBatch(from: NodeId, fromAddress: string, messages: readonly Message[]): Buffer {
    const w = this.#batch.encode({ from, fromAddress, messages: messages.map(messageToWire) }).finish();
    return Buffer.from(w.buffer, w.byteOffset, w.length);
  }

  decodeBatch(bytes: Uint8Array): DecodedBatch {
    const w = this.#batch.decode(bytes) as unknown as WireBatch;
    return { from: w.from, fromAddress: w.fromAddress, messages: w.messages.map(messageFromWire) };
  }

  encodeMessage(m: Message): Buffer {
    const w = this.#message.encode(messageToWire(m)).finish();
    return Buffer.from(w.buffer, w.byteOffset, w.length);
  }

  decodeMessage(bytes: Uint8Array): Message {
    return messageFromWire(this.#message.decode(bytes) as unknown as WireMessage);
  }

  encodeHeader(fromAddress: string, message: Message): Buffer {
    const w = this.#chunk.encode({ header: { fromAddress, message: messageToWire(message) } }).finish();
    return Buffer.from(w.buffer, w.byteOffset, w.length);
  }

  encodeData(data: Uint8Array): Buffer {
    const w = this.#chunk.encode({ data }).finish();
    return Buffer.from(w.buffer, w.byteOffset, w.length);
  }

  encodeTrailer(size: number, crc32: number): Buffer {
    const w = this.#chunk.encode({ trailer: { size, crc32 } }).finish();
    return Buffer.from(w.buffer, w.byteOffset, w.length);
  }

  decodeChunk(bytes: Uint8Array): DecodedChunk {
    const w = this.#chunk.decode(bytes) as unknown as WireChunk;
    if (w.header !== undefined && w.header !== null) {
      if (w.header.message === undefined || w.header.message === null)
        throw new Error('snapshot header without message');
      return {
        kind: 'header',
        fromAddress: w.header.fromAddress,
        message: messageFromWire(w.header.message),
      };
    }
    if (w.trailer !== undefined && w.trailer !== null)
      return { kind: 'trailer', size: num(w.trailer.size), crc32: w.trailer.crc32 };
    return { kind: 'data', data: plainBytes(w.data) };
  }

  encodeBatchAck(): Buffer {
    return Buffer.from(this.#batchAck.encode({}).finish());
  }

  encodeSnapshotAck(): Buffer {
    return Buffer.from(this.#snapshotAck.encode({}).finish());
  }
}
