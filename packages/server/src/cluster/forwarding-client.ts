import * as grpc from '@grpc/grpc-js';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { clusterChannelCredentials } from './cluster-credentials.js';
import { CLUSTER_MAX_MESSAGE_BYTES } from './cluster-grpc-options.js';
import type { ClusterTlsMaterial } from './cluster-tls-material.js';
import type { EchoReply, EchoRequest } from './echo-message.js';
import type { ForwardedRequest } from './forwarded-request.js';
import type { ForwardedResponse } from './forwarded-response.js';
import { ERROR_CODE_METADATA_KEY, ECHO_PATH, FORWARD_PATH, forwardingService } from './forwarding-service.js';
import {
  ForwardingStream,
  notSent,
  typedFailure,
  unknownOutcome,
  type ForwardOutcome,
  type PendingForward,
} from './forwarding-stream.js';

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

/** After an active node refused the stream as unknown (an earlier version), how long to forward one request per call before trying again. */
const UNARY_FALLBACK_MS = 60_000;

/** Statuses with which the server refuses a call before any handler runs. */
const REFUSED: ReadonlySet<grpc.status> = new Set([grpc.status.UNIMPLEMENTED, grpc.status.UNAUTHENTICATED]);

/** Statuses that end a call from the client side whether or not it reached the server. */
const ENDED_LOCALLY: ReadonlySet<grpc.status> = new Set([
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.CANCELLED,
]);

/**
 * A standby's side of request forwarding: one long-lived HTTP/2 connection (mutual TLS, keepalive,
 * automatic reconnect with backoff) to the active node's cluster port, and on it one long-lived
 * `ForwardStream` that carries every forwarded request, tagged with an id. Requests made in one
 * event-loop turn travel in one stream message; the active node answers likewise. The stream is
 * opened when a request needs it and opened anew after it ended (connection lost, active node
 * closed). An active node without the stream (an earlier version) gets one call per request.
 *
 * Failures say whether the request can have run:
 * - not sent (no connection, TLS refused, connect timeout, service absent, the active node ended
 *   the stream before running it) → `CofferError(NoActiveNode, 'no active Vault instance found')`,
 *   503; safe to retry elsewhere;
 * - sent, outcome unknown (connection lost, stream reset, deadline passed, handler crashed) →
 *   `CofferError(Indeterminate)`, 502; never a 4xx and never silently retried;
 * - the handler said it did not run the request (a typed `CofferError`) → that error, rethrown.
 * Each request has its own deadline: one that passes fails that request alone.
 */
export class ForwardingClient {
  readonly address: string;
  readonly #client: grpc.Client;
  readonly #maxBodyBytes: number;
  readonly #connectTimeoutMs: number;
  readonly #defaultDeadlineMs: number;
  /** Requests not sent yet: they go out together at the end of the event-loop turn. */
  #queue: PendingForward[] = [];
  #flushScheduled = false;
  #stream: ForwardingStream | undefined;
  #opening = false;
  /** Until when requests go one per unary call (the active node does not know the stream). */
  #unaryUntil = 0;
  #closed = false;
  #released = false;

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
  forward(request: ForwardedRequest, options: ForwardCallOptions = {}): Promise<ForwardedResponse> {
    if (request.body.length > this.#maxBodyBytes) {
      return Promise.reject(
        new CofferError(ErrorCode.PayloadTooLarge, `request body exceeds ${this.#maxBodyBytes} bytes`),
      );
    }
    if (this.#closed) return Promise.reject(notSent('forwarding client closed'));
    const timeoutMs = options.deadlineMs ?? this.#defaultDeadlineMs;
    if (Date.now() < this.#unaryUntil)
      return this.#call(FORWARD_PATH, forwardingService.forward, request, { deadlineMs: timeoutMs });
    return new Promise<ForwardedResponse>((resolve, reject) => {
      let done = false;
      const pending: PendingForward = {
        request,
        deadline: Date.now() + timeoutMs,
        settle: (outcome: ForwardOutcome) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          if (outcome.ok) resolve(outcome.response);
          else reject(outcome.error);
        },
      };
      const timer = setTimeout(() => this.#expire(pending), timeoutMs);
      this.#queue.push(pending);
      this.#scheduleFlush();
    });
  }

  /** Heartbeat: tells the active node who this standby is and learns who the active node is. */
  async echo(request: EchoRequest, options: ForwardCallOptions = {}): Promise<EchoReply> {
    return this.#call(ECHO_PATH, forwardingService.echo, request, options);
  }

  /**
   * Closes the connection once the requests already sent are answered; requests not sent yet, and
   * later ones, fail with `NoActiveNode`.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failQueued(notSent('forwarding client closed'));
    this.#maybeRelease();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    if (this.#queue.length === 0) return;
    const stream = this.#stream;
    if (stream?.isOpen === true) {
      const queued = this.#queue;
      this.#queue = [];
      stream.send(queued);
    } else if (!this.#opening) {
      void this.#open();
    }
  }

  /** Opens the stream for the queued requests; when that fails, they fail as not sent. */
  async #open(): Promise<void> {
    this.#opening = true;
    let refusal: { error: CofferError; status: grpc.status | undefined };
    try {
      await this.#awaitReady(Date.now() + this.#connectTimeoutMs);
      const opened = await ForwardingStream.open(this.#client, {
        acceptTimeoutMs: this.#connectTimeoutMs,
        onEnded: (s) => {
          if (this.#stream === s) this.#stream = undefined;
          this.#maybeRelease();
          // Requests queued behind a stream that just ended get a new one.
          if (this.#queue.length > 0) this.#scheduleFlush();
        },
        onIdle: () => this.#maybeRelease(),
      });
      if ('stream' in opened) {
        this.#opening = false;
        if (this.#closed) {
          opened.stream.cancel();
          this.#maybeRelease();
          return;
        }
        this.#stream = opened.stream;
        this.#flush();
        return;
      }
      refusal = opened.refused;
    } catch (err) {
      refusal = { error: err instanceof CofferError ? err : notSent(String(err)), status: undefined };
    }
    this.#opening = false;
    if (refusal.status === grpc.status.UNIMPLEMENTED && !this.#closed) {
      // An active node of an earlier version: one call per request, safe since nothing was sent.
      this.#unaryUntil = Date.now() + UNARY_FALLBACK_MS;
      const queued = this.#queue;
      this.#queue = [];
      for (const p of queued) {
        this.#call(FORWARD_PATH, forwardingService.forward, p.request, {
          deadlineMs: Math.max(1, p.deadline - Date.now()),
        }).then(
          (response) => p.settle({ ok: true, response }),
          (error: unknown) => p.settle({ ok: false, error: error as CofferError }),
        );
      }
      return;
    }
    this.#failQueued(refusal.error);
    this.#maybeRelease();
  }

  /** A request's deadline passed: sent, its outcome is unknown; still queued, it was not sent. */
  #expire(pending: PendingForward): void {
    const stream = this.#stream;
    if (stream?.forget(pending) === true) {
      pending.settle({ ok: false, error: unknownOutcome('DEADLINE_EXCEEDED') });
      return;
    }
    const i = this.#queue.indexOf(pending);
    if (i >= 0) {
      this.#queue.splice(i, 1);
      pending.settle({
        ok: false,
        error: notSent(`no connection to ${this.address} before the deadline`),
      });
    }
    // Else it is in flight on a unary call (unary fallback), whose own deadline answers it.
  }

  #failQueued(error: CofferError): void {
    const queued = this.#queue;
    this.#queue = [];
    for (const p of queued) p.settle({ ok: false, error });
  }

  /** After close(): closes the connection once nothing is in flight on the stream. */
  #maybeRelease(): void {
    if (!this.#closed || this.#released || this.#opening) return;
    const stream = this.#stream;
    if (stream !== undefined && stream.unanswered > 0) return;
    this.#released = true;
    stream?.cancel();
    this.#stream = undefined;
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
   * Waits until the connection is up: a call or stream is only started on a ready channel, so a
   * failure to connect is known not to have sent anything. A channel in transient failure (the
   * last connection attempt failed; grpc keeps retrying in the background with backoff) fails at once.
   */
  async #awaitReady(deadline: number): Promise<void> {
    const channel = this.#client.getChannel();
    const until = Math.min(deadline, Date.now() + this.#connectTimeoutMs);
    for (;;) {
      if (this.#released) throw notSent('forwarding client closed');
      const state = channel.getConnectivityState(true);
      if (state === grpc.connectivityState.READY) return;
      if (state === grpc.connectivityState.TRANSIENT_FAILURE || state === grpc.connectivityState.SHUTDOWN) {
        throw notSent(`cannot connect to ${this.address}`);
      }
      const changed = await new Promise<boolean>((resolve) =>
        channel.watchConnectivityState(state, until, (err) => resolve(err === undefined)),
      );
      if (!changed) throw notSent(`no connection to ${this.address} before the deadline`);
    }
  }

  #failure(err: grpc.ServiceError, call: grpc.ClientUnaryCall): CofferError {
    const typed = err.metadata?.get(ERROR_CODE_METADATA_KEY)[0];
    if (typeof typed === 'string') return typedFailure(typed, err.details, err);
    // The call was started on a ready channel. Without a transport stream (no auth context) it
    // never left this process; deadline and cancellation end it locally either way, so for them
    // (as for everything once a stream exists) the outcome is unknown.
    const streamed = call.getAuthContext() !== null || ENDED_LOCALLY.has(err.code);
    if (!streamed || REFUSED.has(err.code)) return notSent(err);
    return unknownOutcome(grpc.status[err.code], err);
  }
}
