import * as grpc from '@grpc/grpc-js';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { clusterChannelCredentials } from './cluster-credentials.js';
import { CLUSTER_MAX_MESSAGE_BYTES } from './cluster-grpc-options.js';
import type { ClusterTlsMaterial } from './cluster-tls-material.js';
import type { EchoReply, EchoRequest } from './echo-message.js';
import type { ForwardedRequest } from './forwarded-request.js';
import type { ForwardedResponse } from './forwarded-response.js';
import {
  ERROR_CODE_METADATA_KEY,
  ECHO_PATH,
  FORWARD_PATH,
  NO_ACTIVE_NODE_MESSAGE,
  forwardingService,
} from './forwarding-service.js';

export interface ForwardingClientOptions {
  /** Name the active node's certificate must carry, when it is not the host of `address`. */
  readonly serverName?: string;
  /** Keepalive ping interval on the connection (default 10 s). */
  readonly keepaliveMs?: number;
  /** How long to wait for a keepalive ack before dropping the connection (default 5 s). */
  readonly keepaliveTimeoutMs?: number;
  /** Largest request body forwarded (default 32 MiB, Vault's `max_request_size`); larger fails with `PayloadTooLarge`, nothing sent. */
  readonly maxBodyBytes?: number;
  /** Longest wait for a connection before a call fails as not sent (default 5 s; the call's deadline caps it). */
  readonly connectTimeoutMs?: number;
  /** Deadline of calls that give none (default 90 s, Vault's `max_request_duration`). */
  readonly defaultDeadlineMs?: number;
  /** Reconnect backoff after a failed connection: first and largest delay (default 100 ms and 1 s). */
  readonly reconnectBackoffMs?: { readonly initial: number; readonly max: number };
}

export interface ForwardCallOptions {
  /** Time allowed for the whole call, connecting included. */
  readonly deadlineMs?: number;
}

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** Statuses with which the server refuses a call before any handler runs. */
const REFUSED: ReadonlySet<grpc.status> = new Set([grpc.status.UNIMPLEMENTED, grpc.status.UNAUTHENTICATED]);

/** Statuses that end a call from the client side whether or not it reached the server. */
const ENDED_LOCALLY: ReadonlySet<grpc.status> = new Set([
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.CANCELLED,
]);

/**
 * A standby's side of request forwarding: one long-lived HTTP/2 connection (mutual TLS, keepalive,
 * automatic reconnect with backoff) to the active node's cluster port.
 *
 * Failures say whether the request can have run:
 * - not sent (no connection, TLS refused, connect timeout, service absent) →
 *   `CofferError(NoActiveNode, 'no active Vault instance found')`, 503; safe to retry elsewhere;
 * - sent, outcome unknown (connection lost, stream reset, deadline passed, handler crashed) →
 *   `CofferError(Indeterminate)`, 502; never a 4xx and never silently retried;
 * - the handler said it did not run the request (a typed `CofferError`) → that error, rethrown.
 */
export class ForwardingClient {
  readonly address: string;
  readonly #client: grpc.Client;
  readonly #maxBodyBytes: number;
  readonly #connectTimeoutMs: number;
  readonly #defaultDeadlineMs: number;
  #closed = false;

  constructor(address: string, tls: ClusterTlsMaterial, options: ForwardingClientOptions = {}) {
    this.address = address;
    this.#maxBodyBytes = options.maxBodyBytes ?? 32 * 1024 * 1024;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.#defaultDeadlineMs = options.defaultDeadlineMs ?? 90_000;
    const channelOptions: grpc.ChannelOptions = {
      'grpc.keepalive_time_ms': options.keepaliveMs ?? 10_000,
      'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs ?? 5_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.max_receive_message_length': CLUSTER_MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': CLUSTER_MAX_MESSAGE_BYTES,
      'grpc.initial_reconnect_backoff_ms': options.reconnectBackoffMs?.initial ?? 100,
      'grpc.max_reconnect_backoff_ms': options.reconnectBackoffMs?.max ?? 1_000,
      // A connection of its own (not grpc's process-wide pool), so close() really closes it.
      'grpc.use_local_subchannel_pool': 1,
    };
    if (options.serverName !== undefined)
      channelOptions['grpc.ssl_target_name_override'] = options.serverName;
    this.#client = new grpc.Client(address, clusterChannelCredentials(tls), channelOptions);
  }

  /** Sends a request to the active node and returns its response. */
  async forward(request: ForwardedRequest, options: ForwardCallOptions = {}): Promise<ForwardedResponse> {
    if (request.body.length > this.#maxBodyBytes) {
      throw new CofferError(ErrorCode.PayloadTooLarge, `request body exceeds ${this.#maxBodyBytes} bytes`);
    }
    return this.#call(FORWARD_PATH, forwardingService.forward, request, options);
  }

  /** Heartbeat: tells the active node who this standby is and learns who the active node is. */
  async echo(request: EchoRequest, options: ForwardCallOptions = {}): Promise<EchoReply> {
    return this.#call(ECHO_PATH, forwardingService.echo, request, options);
  }

  /** Closes the connection; later calls fail with `NoActiveNode`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.close();
  }

  async #call<Req, Res>(
    path: string,
    method: { requestSerialize: (r: Req) => Buffer; responseDeserialize: (b: Buffer) => Res },
    request: Req,
    options: ForwardCallOptions,
  ): Promise<Res> {
    const deadline = Date.now() + (options.deadlineMs ?? this.#defaultDeadlineMs);
    await this.#awaitReady(deadline);
    return new Promise<Res>((resolve, reject) => {
      const call = this.#client.makeUnaryRequest<Req, Res>(
        path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        new grpc.Metadata(),
        { deadline },
        (err, response) => {
          if (err !== null) reject(this.#failure(err, call));
          else if (response === undefined)
            reject(new CofferError(ErrorCode.Indeterminate, 'empty answer from the active node'));
          else resolve(response);
        },
      );
    });
  }

  /**
   * Waits until the connection is up: a call is only started on a ready channel, so a failure to
   * connect is known not to have sent anything. A channel in transient failure (the last connection
   * attempt failed; grpc keeps retrying in the background with backoff) fails at once.
   */
  async #awaitReady(deadline: number): Promise<void> {
    const channel = this.#client.getChannel();
    const until = Math.min(deadline, Date.now() + this.#connectTimeoutMs);
    for (;;) {
      if (this.#closed) throw this.#notSent('forwarding client closed');
      const state = channel.getConnectivityState(true);
      if (state === grpc.connectivityState.READY) return;
      if (state === grpc.connectivityState.TRANSIENT_FAILURE || state === grpc.connectivityState.SHUTDOWN) {
        throw this.#notSent(`cannot connect to ${this.address}`);
      }
      const changed = await new Promise<boolean>((resolve) =>
        channel.watchConnectivityState(state, until, (err) => resolve(err === undefined)),
      );
      if (!changed) throw this.#notSent(`no connection to ${this.address} before the deadline`);
    }
  }

  #notSent(cause: string): CofferError {
    return new CofferError(ErrorCode.NoActiveNode, NO_ACTIVE_NODE_MESSAGE, { cause: new Error(cause) });
  }

  #failure(err: grpc.ServiceError, call: grpc.ClientUnaryCall): CofferError {
    const typed = err.metadata?.get(ERROR_CODE_METADATA_KEY)[0];
    if (typeof typed === 'string' && KNOWN_CODES.has(typed))
      return new CofferError(typed as ErrorCode, err.details, { cause: err });
    // The call was started on a ready channel. Without a transport stream (no auth context) it
    // never left this process; deadline and cancellation end it locally either way, so for them
    // (as for everything once a stream exists) the outcome is unknown.
    const streamed = call.getAuthContext() !== null || ENDED_LOCALLY.has(err.code);
    if (!streamed || REFUSED.has(err.code))
      return new CofferError(ErrorCode.NoActiveNode, NO_ACTIVE_NODE_MESSAGE, { cause: err });
    return new CofferError(
      ErrorCode.Indeterminate,
      `forwarded request sent to the active node but no answer came back (${grpc.status[err.code]}); its outcome is unknown`,
      { cause: err },
    );
  }
}
