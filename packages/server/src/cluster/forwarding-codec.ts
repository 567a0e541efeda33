import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { EchoReply, EchoRequest } from './echo-message.js';
import type { ForwardedCall, ForwardedResult } from './forwarded-call.js';
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
interface WireCall {
  id: number;
  request: WireRequest | null;
  timeoutMs: number;
}
interface WireResult {
  id: number;
  response?: WireResponse | null;
  error?: { code: string; message: string } | null;
  failed?: boolean;
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

/** The encoder only reads the value arrays: they are passed as they are, not copied. */
function headersToWire(headers: ForwardedHeaders): WireHeaderField[] {
  return Object.entries(headers).map(([name, values]) => ({ name, values: values as string[] }));
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

const EMPTY_REQUEST: WireRequest = {
  method: '',
  url: '',
  headers: [],
  body: EMPTY,
  clientAddress: '',
  requestId: '',
};

function requestToWire(r: ForwardedRequest): WireRequest {
  return {
    method: r.method,
    url: r.url,
    headers: headersToWire(r.headers),
    body: r.body,
    clientAddress: r.clientAddress,
    requestId: r.requestId,
  };
}

function requestFromWire(w: WireRequest): ForwardedRequest {
  return {
    method: w.method,
    url: w.url,
    headers: headersFromWire(w.headers),
    body: bytes(w.body),
    clientAddress: w.clientAddress,
    requestId: w.requestId,
  };
}

function responseToWire(r: ForwardedResponse): WireResponse {
  return { status: r.status, headers: headersToWire(r.headers), body: r.body };
}

function responseFromWire(w: WireResponse): ForwardedResponse {
  return { status: w.status, headers: headersFromWire(w.headers), body: bytes(w.body) };
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
  readonly #calls: protobuf.Type;
  readonly #results: protobuf.Type;
  readonly #echoRequest: protobuf.Type;
  readonly #echoReply: protobuf.Type;

  private constructor() {
    const root = protobuf.loadSync(ForwardingCodec.protoPath);
    this.#request = root.lookupType('coffer.cluster.v1.ForwardedRequest');
    this.#response = root.lookupType('coffer.cluster.v1.ForwardedResponse');
    this.#calls = root.lookupType('coffer.cluster.v1.ForwardCalls');
    this.#results = root.lookupType('coffer.cluster.v1.ForwardResults');
    this.#echoRequest = root.lookupType('coffer.cluster.v1.EchoRequest');
    this.#echoReply = root.lookupType('coffer.cluster.v1.EchoReply');
  }

  /** The codec (the .proto is parsed once per process). */
  static get(): ForwardingCodec {
    ForwardingCodec.#instance ??= new ForwardingCodec();
    return ForwardingCodec.#instance;
  }

  encodeRequest(r: ForwardedRequest): Buffer {
    return toBuffer(this.#request.encode(requestToWire(r)).finish());
  }

  decodeRequest(b: Uint8Array): ForwardedRequest {
    return requestFromWire(this.#request.decode(b) as unknown as WireRequest);
  }

  encodeResponse(r: ForwardedResponse): Buffer {
    return toBuffer(this.#response.encode(responseToWire(r)).finish());
  }

  decodeResponse(b: Uint8Array): ForwardedResponse {
    return responseFromWire(this.#response.decode(b) as unknown as WireResponse);
  }

  /** The calls of one stream message (a `ForwardCalls`). */
  encodeCalls(calls: readonly ForwardedCall[]): Buffer {
    const wire = calls.map((c): WireCall => ({
      id: c.id,
      request: requestToWire(c.request),
      timeoutMs: c.timeoutMs,
    }));
    return toBuffer(this.#calls.encode({ calls: wire }).finish());
  }

  decodeCalls(b: Uint8Array): ForwardedCall[] {
    const w = this.#calls.decode(b) as unknown as { calls: WireCall[] };
    return w.calls.map((c) => ({
      id: c.id,
      request: requestFromWire(c.request ?? EMPTY_REQUEST),
      timeoutMs: c.timeoutMs,
    }));
  }

  /** The results of one stream message (a `ForwardResults`). */
  encodeResults(results: readonly ForwardedResult[]): Buffer {
    const wire = results.map((r): WireResult => {
      if ('response' in r) return { id: r.id, response: responseToWire(r.response) };
      if ('error' in r) return { id: r.id, error: { code: r.error.code, message: r.error.message } };
      return { id: r.id, failed: true };
    });
    return toBuffer(this.#results.encode({ results: wire }).finish());
  }

  decodeResults(b: Uint8Array): ForwardedResult[] {
    const w = this.#results.decode(b) as unknown as { results: WireResult[] };
    return w.results.map((r): ForwardedResult => {
      if (r.response !== undefined && r.response !== null)
        return { id: r.id, response: responseFromWire(r.response) };
      if (r.error !== undefined && r.error !== null)
        return { id: r.id, error: { code: r.error.code, message: r.error.message } };
      return { id: r.id, failed: true };
    });
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
