import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { EchoReply, EchoRequest } from './echo-message.js';
import type { ForwardedHeaders, ForwardedRequest } from './forwarded-request.js';
import type { ForwardedResponse } from './forwarded-response.js';

/** protobufjs decodes uint64 as a Long when the `long` package is present, else as a number. */
type U64 = number | { toNumber(): number };

interface WireHeaderField {
  name: string;
  values: string[];
}
interface WireRequest {
  method: string;
  url: string;
  headers: WireHeaderField[];
  body: Uint8Array;
  clientAddress: string;
  requestId: string;
}
interface WireResponse {
  status: number;
  headers: WireHeaderField[];
  body: Uint8Array;
}
interface WireEcho {
  nodeId: string;
  clusterAddress: string;
  appliedIndex: U64;
}

const EMPTY = new Uint8Array(0);

/** protobufjs hands out Buffers (views into the message); expose plain Uint8Array views, no copy. */
function bytes(b: Uint8Array | null | undefined): Uint8Array {
  if (b === undefined || b === null || b.length === 0) return EMPTY;
  return Object.getPrototypeOf(b) === Uint8Array.prototype
    ? b
    : new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function num(v: U64 | null | undefined): number {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

function headersToWire(headers: ForwardedHeaders): WireHeaderField[] {
  return Object.entries(headers).map(([name, values]) => ({ name, values: [...values] }));
}

/** Builds with `Object.fromEntries` (own data properties: a header named `__proto__` stays a header). */
function headersFromWire(fields: readonly WireHeaderField[]): ForwardedHeaders {
  const byName = new Map<string, string[]>();
  for (const f of fields) {
    const values = byName.get(f.name);
    if (values === undefined) byName.set(f.name, [...f.values]);
    else values.push(...f.values);
  }
  return Object.fromEntries(byName);
}

function toBuffer(w: Uint8Array): Buffer {
  return Buffer.from(w.buffer, w.byteOffset, w.length);
}

/**
 * Encodes and decodes the messages of proto/forwarding.proto. The .proto file is found relative
 * to this module, which works from both src/ and dist/ (both sit one level under the package
 * root, like proto/).
 */
export class ForwardingCodec {
  static readonly protoPath = fileURLToPath(new URL('../../proto/forwarding.proto', import.meta.url));
  static #instance: ForwardingCodec | undefined;

  readonly #request: protobuf.Type;
  readonly #response: protobuf.Type;
  readonly #echoRequest: protobuf.Type;
  readonly #echoReply: protobuf.Type;

  private constructor() {
    const root = protobuf.loadSync(ForwardingCodec.protoPath);
    this.#request = root.lookupType('coffer.cluster.v1.ForwardedRequest');
    this.#response = root.lookupType('coffer.cluster.v1.ForwardedResponse');
    this.#echoRequest = root.lookupType('coffer.cluster.v1.EchoRequest');
    this.#echoReply = root.lookupType('coffer.cluster.v1.EchoReply');
  }

  /** The codec (the .proto is parsed once per process). */
  static get(): ForwardingCodec {
    ForwardingCodec.#instance ??= new ForwardingCodec();
    return ForwardingCodec.#instance;
  }

  encodeRequest(r: ForwardedRequest): Buffer {
    const wire: WireRequest = {
      method: r.method,
      url: r.url,
      headers: headersToWire(r.headers),
      body: r.body,
      clientAddress: r.clientAddress,
      requestId: r.requestId,
    };
    return toBuffer(this.#request.encode(wire).finish());
  }

  decodeRequest(b: Uint8Array): ForwardedRequest {
    const w = this.#request.decode(b) as unknown as WireRequest;
    return {
      method: w.method,
      url: w.url,
      headers: headersFromWire(w.headers),
      body: bytes(w.body),
      clientAddress: w.clientAddress,
      requestId: w.requestId,
    };
  }

  encodeResponse(r: ForwardedResponse): Buffer {
    const wire: WireResponse = { status: r.status, headers: headersToWire(r.headers), body: r.body };
    return toBuffer(this.#response.encode(wire).finish());
  }

  decodeResponse(b: Uint8Array): ForwardedResponse {
    const w = this.#response.decode(b) as unknown as WireResponse;
    return { status: w.status, headers: headersFromWire(w.headers), body: bytes(w.body) };
  }

  encodeEchoRequest(e: EchoRequest): Buffer {
    return toBuffer(this.#echoRequest.encode(e).finish());
  }

  decodeEchoRequest(b: Uint8Array): EchoRequest {
    const w = this.#echoRequest.decode(b) as unknown as WireEcho;
    return { nodeId: w.nodeId, clusterAddress: w.clusterAddress, appliedIndex: num(w.appliedIndex) };
  }

  encodeEchoReply(e: EchoReply): Buffer {
    return toBuffer(this.#echoReply.encode(e).finish());
  }

  decodeEchoReply(b: Uint8Array): EchoReply {
    const w = this.#echoReply.decode(b) as unknown as WireEcho;
    return { nodeId: w.nodeId, clusterAddress: w.clusterAddress, appliedIndex: num(w.appliedIndex) };
  }
}
