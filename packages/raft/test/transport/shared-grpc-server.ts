import * as grpc from '@grpc/grpc-js';
import type { TransportTls } from '../../src/transport/grpc-transport.js';

const identity = (b: Buffer): Buffer => b;

/** A second service for the shared server: `Ping` echoes its request. */
export const pingService: grpc.ServiceDefinition = {
  ping: {
    path: '/coffer.test.Other/Ping',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

/** A gRPC server as an application would own it: its own service on it, bound on 127.0.0.1. */
export interface OwnedServer {
  readonly server: grpc.Server;
  /** host:port it is bound on. */
  readonly address: string;
}

/**
 * Creates a server with the ping service, bound on `listen` (default a free port on 127.0.0.1),
 * with mutual TLS when `tls` is given (client certificates required and verified).
 */
export async function startOwnedServer(tls?: TransportTls, listen = '127.0.0.1:0'): Promise<OwnedServer> {
  const server = new grpc.Server({
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 1_000,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });
  server.addService(pingService, {
    ping: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
      callback(null, call.request),
  });
  const creds =
    tls === undefined
      ? grpc.ServerCredentials.createInsecure()
      : grpc.ServerCredentials.createSsl(
          Buffer.from(tls.ca),
          [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }],
          true,
        );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(listen, creds, (err, p) => (err ? reject(err) : resolve(p))),
  ).catch((err: unknown) => {
    server.forceShutdown();
    throw err;
  });
  return { server, address: `127.0.0.1:${port}` };
}

/** Calls the ping service at `address`; resolves with the echoed bytes or rejects with the gRPC error. */
export async function ping(address: string, payload: string, tls?: TransportTls): Promise<string> {
  const creds =
    tls === undefined
      ? grpc.credentials.createInsecure()
      : grpc.credentials.createSsl(Buffer.from(tls.ca), Buffer.from(tls.key), Buffer.from(tls.cert));
  const client = new grpc.Client(address, creds);
  try {
    return await new Promise<string>((resolve, reject) =>
      client.makeUnaryRequest<Buffer, Buffer>(
        '/coffer.test.Other/Ping',
        identity,
        identity,
        Buffer.from(payload),
        { deadline: Date.now() + 5_000 },
        (err, value) =>
          err !== null || value === undefined
            ? reject(err ?? new Error('no reply'))
            : resolve(value.toString()),
      ),
    );
  } finally {
    client.close();
  }
}
