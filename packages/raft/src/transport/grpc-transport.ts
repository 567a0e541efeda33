import * as grpc from '@grpc/grpc-js';
import { crc32 } from 'node:zlib';
import type { Message, NodeId } from '../core/types.js';
import type { MessageHandler, SnapshotHandler, Transport, UnreachableHandler } from './transport.js';
import { TransportError } from './transport-error.js';
import { WireCodec } from './wire-codec.js';

/** PEM material for mutual TLS, handed in by the application. */
export interface TransportTls {
  /** CA certificate(s) that sign every node's certificate. */
  readonly ca: string | Buffer;
  /** This node's certificate chain (used as server and as client certificate). */
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** Expected server name in peers' certificates, when it is not the host of their address. */
  readonly serverName?: string;
}

/**
 * Either `listen` (the transport creates, binds and shuts down its own gRPC server) or `server`
 * plus `advertise` (the Raft service is registered on a server the application owns).
 */
export interface GrpcTransportOptions {
  readonly id: NodeId;
  /** host:port to listen on; port 0 picks a free port. Required unless `server` is given. */
  readonly listen?: string;
  /**
   * A gRPC server the application owns, so other services can share the port: the transport
   * only adds its Raft service to it (before or after the owner binds it). It never binds or
   * shuts the server down; `close()` removes the service and ends the calls it is serving. The
   * owner chooses the server's credentials (`tls` then only configures dialling peers) and its
   * options (keepalive pings must be permitted, messages up to 64 MiB accepted).
   */
  readonly server?: grpc.Server;
  /**
   * The address peers should dial. Default with `listen`: the listen host with the bound port;
   * required with `server` (the transport does not know where the owner bound it).
   */
  readonly advertise?: string;
  /**
   * Mutual TLS: the certificates this node dials peers with and, with `listen`, the server's
   * credentials (which then require and verify client certificates).
   */
  readonly tls?: TransportTls;
  /** Keepalive ping interval on idle connections (default 10 s). */
  readonly keepaliveMs?: number;
  /** How long to wait for a keepalive ack before dropping the connection (default 5 s). */
  readonly keepaliveTimeoutMs?: number;
  /** A peer stream that accepts no bytes for this long is cut and the peer reported (default 5 s). */
  readonly sendStallMs?: number;
  /** A snapshot stream that makes no progress for this long fails (default 15 s). */
  readonly snapshotStallMs?: number;
  /** Snapshot chunk size on the wire (default 256 KiB). */
  readonly snapshotChunkBytes?: number;
  /** Messages held per peer while its stream is backed up; the oldest are dropped beyond it (default 8192). */
  readonly maxQueuedMessages?: number;
  /** After a failed stream, messages to that peer are dropped for this long (default 100 ms). */
  readonly reconnectBackoffMs?: number;
}

export interface GrpcTransportStats {
  readonly batchesSent: number;
  readonly messagesSent: number;
  readonly messagesDropped: number;
  readonly batchesReceived: number;
  readonly messagesReceived: number;
}

const SEND_PATH = '/coffer.raft.v1.Raft/Send';
const SNAPSHOT_PATH = '/coffer.raft.v1.Raft/InstallSnapshot';
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

const closedStatus = (): Partial<grpc.StatusObject> => ({
  code: grpc.status.UNAVAILABLE,
  details: 'raft transport closed',
});

const identity = (b: Buffer): Buffer => b;

const serviceDefinition: grpc.ServiceDefinition = {
  send: {
    path: SEND_PATH,
    requestStream: true,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
  installSnapshot: {
    path: SNAPSHOT_PATH,
    requestStream: true,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

interface Peer {
  readonly id: NodeId;
  readonly address: string;
  readonly client: grpc.Client;
  call: grpc.ClientWritableStream<Buffer> | undefined;
  queue: Message[];
  /** The stream refused more bytes; flush again on 'drain'. */
  blocked: boolean;
  stallTimer: NodeJS.Timeout | undefined;
  /** Until this time (ms), messages are dropped: the last stream failed. */
  backoffUntil: number;
}

/**
 * Transport over gRPC (HTTP/2). Each peer gets one long-lived client stream (`Send`) carrying
 * batches: the messages of one `send()` call go out at once as one Batch per peer, and messages
 * queued while a peer's stream is backed up (waiting for 'drain') are coalesced into one Batch. Snapshots use a separate client-streaming `InstallSnapshot` call in
 * chunks, waiting for 'drain' (HTTP/2 flow control) between writes.
 *
 * The Raft service runs on a gRPC server of its own (`listen`) or on one the application owns
 * and shares with its other services (`server`), so one cluster port carries everything.
 */
export class GrpcTransport implements Transport {
  readonly id: NodeId;
  #address = '';
  readonly #options: GrpcTransportOptions;
  readonly #codec = WireCodec.get();
  readonly #server: grpc.Server;
  /** The transport created the server (`listen`): it binds it and shuts it down. */
  readonly #ownsServer: boolean;
  /** Ends each server call in progress with UNAVAILABLE (on close). */
  readonly #serverCalls = new Set<() => void>();
  readonly #peers = new Map<NodeId, Peer>();
  readonly #dirty = new Set<Peer>();
  #closed = false;
  #onMessage: MessageHandler = () => {};
  #onSnapshot: SnapshotHandler = () => Promise.reject(new Error('no snapshot handler'));
  #onUnreachable: UnreachableHandler = () => {};
  readonly #snapshotCalls = new Set<grpc.ClientWritableStream<Buffer>>();
  #stats = { batchesSent: 0, messagesSent: 0, messagesDropped: 0, batchesReceived: 0, messagesReceived: 0 };

  constructor(options: GrpcTransportOptions) {
    if ((options.server === undefined) === (options.listen === undefined)) {
      throw new TypeError('GrpcTransport: give exactly one of `listen` and `server`');
    }
    if (options.server !== undefined && (options.advertise ?? '') === '') {
      throw new TypeError('GrpcTransport: `advertise` is required with a shared `server`');
    }
    this.id = options.id;
    this.#options = options;
    this.#ownsServer = options.server === undefined;
    this.#server =
      options.server ??
      new grpc.Server({
        'grpc.keepalive_time_ms': options.keepaliveMs ?? 10_000,
        'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs ?? 5_000,
        'grpc.keepalive_permit_without_calls': 1,
        'grpc.http2.min_ping_interval_without_data_ms': 1_000,
        'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
        'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
      });
    // Throws if the shared server already serves a Raft service (another, unclosed transport).
    this.#server.addService(serviceDefinition, {
      send: (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
        this.#serveSend(call, callback),
      installSnapshot: (
        call: grpc.ServerReadableStream<Buffer, Buffer>,
        callback: grpc.sendUnaryData<Buffer>,
      ) => void this.#serveSnapshot(call, callback),
    });
  }

  get address(): string {
    return this.#address;
  }

  stats(): GrpcTransportStats {
    return { ...this.#stats };
  }

  async start(): Promise<void> {
    if (this.#closed) throw new Error('GrpcTransport: start() after close()');
    const listen = this.#options.listen;
    if (listen === undefined) {
      // Shared server: the owner binds it; peers dial what it told us.
      this.#address = this.#options.advertise ?? '';
      return;
    }
    const tls = this.#options.tls;
    const creds =
      tls === undefined
        ? grpc.ServerCredentials.createInsecure()
        : grpc.ServerCredentials.createSsl(
            Buffer.from(tls.ca),
            [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }],
            true,
          );
    const port = await new Promise<number>((resolve, reject) => {
      this.#server.bindAsync(listen, creds, (err, p) => (err ? reject(err) : resolve(p)));
    });
    if (this.#options.advertise !== undefined) this.#address = this.#options.advertise;
    else {
      const host = listen.slice(0, listen.lastIndexOf(':'));
      this.#address = `${host === '' || host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    }
  }

  onMessage(handler: MessageHandler): void {
    this.#onMessage = handler;
  }

  onSnapshot(handler: SnapshotHandler): void {
    this.#onSnapshot = handler;
  }

  onUnreachable(handler: UnreachableHandler): void {
    this.#onUnreachable = handler;
  }

  addPeer(id: NodeId, address: string): void {
    if (this.#closed || id === this.id) return;
    const existing = this.#peers.get(id);
    if (existing !== undefined) {
      if (existing.address === address) return;
      this.removePeer(id);
    }
    const tls = this.#options.tls;
    const creds =
      tls === undefined
        ? grpc.credentials.createInsecure()
        : grpc.credentials.createSsl(Buffer.from(tls.ca), Buffer.from(tls.key), Buffer.from(tls.cert));
    const channelOptions: grpc.ChannelOptions = {
      'grpc.keepalive_time_ms': this.#options.keepaliveMs ?? 10_000,
      'grpc.keepalive_timeout_ms': this.#options.keepaliveTimeoutMs ?? 5_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1_000,
      // Raft resends what is lost; grpc's own retries would only buffer messages for replay.
      'grpc.enable_retries': 0,
    };
    if (tls?.serverName !== undefined) channelOptions['grpc.ssl_target_name_override'] = tls.serverName;
    const client = new grpc.Client(address, creds, channelOptions);
    this.#peers.set(id, {
      id,
      address,
      client,
      call: undefined,
      queue: [],
      blocked: false,
      stallTimer: undefined,
      backoffUntil: 0,
    });
  }

  removePeer(id: NodeId): void {
    const peer = this.#peers.get(id);
    if (peer === undefined) return;
    this.#peers.delete(id);
    this.#dirty.delete(peer);
    this.#resetCall(peer);
    peer.client.close();
  }

  addressOf(id: NodeId): string | undefined {
    return id === this.id ? this.#address : this.#peers.get(id)?.address;
  }

  send(messages: readonly Message[]): void {
    if (this.#closed) return;
    const max = this.#options.maxQueuedMessages ?? 8192;
    const now = Date.now();
    for (const m of messages) {
      const peer = this.#peers.get(m.to);
      if (peer === undefined || peer.backoffUntil > now) {
        this.#stats.messagesDropped++;
        continue;
      }
      peer.queue.push(m);
      if (peer.queue.length > max) {
        const excess = peer.queue.length - max;
        peer.queue.splice(0, excess);
        this.#stats.messagesDropped += excess;
      }
      this.#dirty.add(peer);
    }
    // Write now: one send() call is already one batch per peer. A peer whose stream is backed
    // up keeps its queue, which the 'drain' handler writes as one coalesced batch.
    if (this.#dirty.size > 0) this.#flushAll();
  }

  readonly #flushAll = (): void => {
    const dirty = [...this.#dirty];
    this.#dirty.clear();
    for (const peer of dirty) this.#flush(peer);
  };

  #flush(peer: Peer): void {
    if (this.#closed || peer.blocked || peer.queue.length === 0 || this.#peers.get(peer.id) !== peer) return;
    const call = peer.call ?? this.#openCall(peer);
    const batch = peer.queue;
    peer.queue = [];
    this.#stats.batchesSent++;
    this.#stats.messagesSent += batch.length;
    if (!call.write(this.#codec.encodeBatch(this.id, this.#address, batch))) {
      peer.blocked = true;
      peer.stallTimer = setTimeout(() => {
        // No progress: the peer is not reading. Cut the stream; raft will retry.
        if (peer.call === call) call.cancel();
      }, this.#options.sendStallMs ?? 5_000);
    }
  }

  #openCall(peer: Peer): grpc.ClientWritableStream<Buffer> {
    const call = peer.client.makeClientStreamRequest<Buffer, Buffer>(SEND_PATH, identity, identity, (err) => {
      if (peer.call !== call) return;
      this.#resetCall(peer);
      if (err !== null && !this.#closed && this.#peers.get(peer.id) === peer) {
        this.#stats.messagesDropped += peer.queue.length;
        peer.queue = [];
        peer.backoffUntil = Date.now() + (this.#options.reconnectBackoffMs ?? 100);
        this.#onUnreachable(peer.id);
      }
    });
    call.on('drain', () => {
      if (peer.call !== call) return;
      peer.blocked = false;
      if (peer.stallTimer !== undefined) clearTimeout(peer.stallTimer);
      peer.stallTimer = undefined;
      this.#flush(peer);
    });
    call.on('error', () => {
      // Reported through the callback.
    });
    peer.call = call;
    return call;
  }

  #resetCall(peer: Peer): void {
    if (peer.stallTimer !== undefined) clearTimeout(peer.stallTimer);
    peer.stallTimer = undefined;
    peer.blocked = false;
    const call = peer.call;
    peer.call = undefined;
    if (call !== undefined) call.cancel();
  }

  #learn(from: NodeId, address: string): void {
    if (address !== '' && from !== this.id && !this.#peers.has(from)) this.addPeer(from, address);
  }

  /**
   * Wraps a server call's callback so it answers once, and registers the call so that `close()`
   * can end it with UNAVAILABLE (with a shared server, nothing else would: the server stays up).
   */
  #track(
    call: grpc.ServerReadableStream<Buffer, Buffer>,
    callback: grpc.sendUnaryData<Buffer>,
  ): grpc.sendUnaryData<Buffer> | undefined {
    if (this.#closed) {
      callback(closedStatus());
      return undefined;
    }
    let answered = false;
    const answer: grpc.sendUnaryData<Buffer> = (err, value) => {
      if (answered) return;
      answered = true;
      this.#serverCalls.delete(end);
      callback(err, value);
    };
    const end = (): void => {
      answer(closedStatus());
      // Fails a snapshot handler still reading the stream (it reports through the answered callback).
      call.destroy(new Error('raft transport closed'));
    };
    this.#serverCalls.add(end);
    call.on('cancelled', () => this.#serverCalls.delete(end));
    return answer;
  }

  #serveSend(call: grpc.ServerReadableStream<Buffer, Buffer>, reply: grpc.sendUnaryData<Buffer>): void {
    const callback = this.#track(call, reply);
    if (callback === undefined) return;
    // Headers now, not with the final answer: until a client call has seen the server's headers,
    // grpc-js keeps the messages written on it for a possible retry (a heap snapshot of a busy
    // leader found 82 MiB of raft messages in grpc-js's retry write buffer).
    call.sendMetadata(new grpc.Metadata());
    call.on('data', (bytes: Buffer) => {
      if (this.#closed) return;
      let batch;
      try {
        batch = this.#codec.decodeBatch(bytes);
      } catch {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: 'undecodable batch' });
        call.destroy(new Error('undecodable batch'));
        return;
      }
      this.#stats.batchesReceived++;
      this.#stats.messagesReceived += batch.messages.length;
      this.#learn(batch.from, batch.fromAddress);
      for (const m of batch.messages) this.#onMessage(m);
    });
    call.on('end', () => callback(null, this.#codec.encodeBatchAck()));
    call.on('error', () => {
      // The client went away; nothing to answer.
    });
  }

  async #serveSnapshot(
    call: grpc.ServerReadableStream<Buffer, Buffer>,
    reply: grpc.sendUnaryData<Buffer>,
  ): Promise<void> {
    const callback = this.#track(call, reply);
    if (callback === undefined) return;
    call.sendMetadata(new grpc.Metadata());
    // A cancelled call does not end its readable side: fail the reader instead of leaving it hanging.
    call.on('cancelled', () => call.destroy(new Error('snapshot stream cancelled by the sender')));
    const it = call[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const codec = this.#codec;
    try {
      const first = await it.next();
      if (first.done === true) throw new Error('empty snapshot stream');
      const header = codec.decodeChunk(first.value);
      if (header.kind !== 'header') throw new Error('snapshot stream must start with a header');
      this.#learn(header.message.from, header.fromAddress);
      let complete = false;
      async function* data(): AsyncIterable<Uint8Array> {
        let size = 0;
        let crc = 0;
        for (;;) {
          const r = await it.next();
          if (r.done === true) throw new Error('snapshot stream ended without a trailer');
          const chunk = codec.decodeChunk(r.value);
          if (chunk.kind === 'data') {
            size += chunk.data.length;
            crc = crc32(chunk.data, crc);
            yield chunk.data;
          } else if (chunk.kind === 'trailer') {
            if (chunk.size !== size || chunk.crc32 !== crc)
              throw new Error('snapshot stream checksum mismatch');
            complete = true;
            return;
          } else throw new Error('unexpected snapshot header');
        }
      }
      await this.#onSnapshot(header.message, data());
      if (!complete) throw new Error('snapshot handler did not consume the stream');
      callback(null, codec.encodeSnapshotAck());
    } catch (err) {
      // grpc-js cannot deliver a status to a client whose request stream is still backed up by
      // flow control: read and discard the rest first (the sender stops when it sees the status).
      try {
        for (let r = await it.next(); r.done !== true; r = await it.next());
      } catch {
        // Cancelled by the sender: nothing more to read.
      }
      callback({ code: grpc.status.ABORTED, details: err instanceof Error ? err.message : String(err) });
    }
  }

  async sendSnapshot(message: Message, data: AsyncIterable<Uint8Array>): Promise<void> {
    const to = message.to;
    if (this.#closed) throw new TransportError('closed', to, 'transport closed');
    const peer = this.#peers.get(to);
    if (peer === undefined) throw new TransportError('unreachable', to, 'unknown peer');
    const stallMs = this.#options.snapshotStallMs ?? 15_000;
    const chunkBytes = this.#options.snapshotChunkBytes ?? 256 * 1024;
    let stallTimer: NodeJS.Timeout | undefined;
    let failure: Error | undefined;
    let call!: grpc.ClientWritableStream<Buffer>;
    const done = new Promise<void>((resolve, reject) => {
      call = peer.client.makeClientStreamRequest<Buffer, Buffer>(SNAPSHOT_PATH, identity, identity, (err) => {
        if (err !== null) reject(new TransportError('snapshot_failed', to, failure?.message ?? err.details));
        else resolve();
      });
    });
    done.catch(() => undefined);
    this.#snapshotCalls.add(call);
    const armStall = (): void => {
      if (stallTimer !== undefined) clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        failure = new Error(`no progress for ${stallMs} ms`);
        call.cancel();
      }, stallMs);
    };
    // Settles when the call ends either way; a write waiting for 'drain' must not outlive it.
    const ended = done.then(
      () => {
        throw new TransportError('snapshot_failed', to, 'receiver answered before the stream ended');
      },
      (err: unknown) => {
        throw err;
      },
    );
    ended.catch(() => undefined);
    const write = async (bytes: Buffer): Promise<void> => {
      armStall();
      if (call.write(bytes)) return;
      let onDrain: () => void = () => {};
      try {
        await Promise.race([new Promise<void>((resolve) => call.once('drain', (onDrain = resolve))), ended]);
      } finally {
        call.off('drain', onDrain);
      }
    };
    call.on('error', () => {
      // Reported through the callback.
    });
    try {
      await write(this.#codec.encodeHeader(this.#address, message));
      let size = 0;
      let crc = 0;
      for await (const chunk of data) {
        for (let off = 0; off < chunk.length; off += chunkBytes) {
          const piece = chunk.subarray(off, Math.min(chunk.length, off + chunkBytes));
          size += piece.length;
          crc = crc32(piece, crc);
          await write(this.#codec.encodeData(piece));
        }
      }
      await write(this.#codec.encodeTrailer(size, crc));
      call.end();
      armStall();
      await done;
    } catch (err) {
      call.cancel();
      if (err instanceof TransportError) throw err;
      await done.catch(() => undefined);
      throw new TransportError(
        'snapshot_failed',
        to,
        failure?.message ?? (err instanceof Error ? err.message : String(err)),
      );
    } finally {
      if (stallTimer !== undefined) clearTimeout(stallTimer);
      this.#snapshotCalls.delete(call);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const call of this.#snapshotCalls) call.cancel();
    for (const id of [...this.#peers.keys()]) this.removePeer(id);
    if (this.#ownsServer) {
      // Peers hold long-lived streams open to us; raft tolerates their loss, so don't wait for them.
      this.#server.forceShutdown();
      return;
    }
    // A shared server stays up for its other services: stop taking Raft calls (new ones get
    // UNIMPLEMENTED) and end the open ones, so peers see this node as unreachable at once.
    this.#server.removeService(serviceDefinition);
    for (const end of [...this.#serverCalls]) end();
  }
}
