import type * as grpc from '@grpc/grpc-js';
import type { EchoReply, EchoRequest } from './echo-message.js';
import type { ForwardedCall, ForwardedResult } from './forwarded-call.js';
import type { ForwardedRequest } from './forwarded-request.js';
import type { ForwardedResponse } from './forwarded-response.js';
import { ForwardingCodec } from './forwarding-codec.js';

export const FORWARD_PATH = '/coffer.cluster.v1.RequestForwarding/Forward';
export const FORWARD_STREAM_PATH = '/coffer.cluster.v1.RequestForwarding/ForwardStream';
export const ECHO_PATH = '/coffer.cluster.v1.RequestForwarding/Echo';

/** Trailing-metadata key carrying the `ErrorCode` of a typed error the active node's handler threw. */
export const ERROR_CODE_METADATA_KEY = 'coffer-error-code';

/** Vault's message when a standby cannot reach an active node (503). */
export const NO_ACTIVE_NODE_MESSAGE = 'no active Vault instance found';

const codec = ForwardingCodec.get();

/** The `RequestForwarding` service of proto/forwarding.proto, with protobufjs (de)serialisers. */
export const forwardingService = {
  forward: {
    path: FORWARD_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: (r: ForwardedRequest) => codec.encodeRequest(r),
    requestDeserialize: (b: Buffer) => codec.decodeRequest(b),
    responseSerialize: (r: ForwardedResponse) => codec.encodeResponse(r),
    responseDeserialize: (b: Buffer) => codec.decodeResponse(b),
  },
  forwardStream: {
    path: FORWARD_STREAM_PATH,
    requestStream: true,
    responseStream: true,
    requestSerialize: (calls: readonly ForwardedCall[]) => codec.encodeCalls(calls),
    requestDeserialize: (b: Buffer) => codec.decodeCalls(b),
    responseSerialize: (results: readonly ForwardedResult[]) => codec.encodeResults(results),
    responseDeserialize: (b: Buffer) => codec.decodeResults(b),
  },
  echo: {
    path: ECHO_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: (r: EchoRequest) => codec.encodeEchoRequest(r),
    requestDeserialize: (b: Buffer) => codec.decodeEchoRequest(b),
    responseSerialize: (r: EchoReply) => codec.encodeEchoReply(r),
    responseDeserialize: (b: Buffer) => codec.decodeEchoReply(b),
  },
} satisfies grpc.ServiceDefinition;
