import * as grpc from '@grpc/grpc-js';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { clusterServerCredentials } from './cluster-credentials.js';
import { clusterServerOptions } from './cluster-grpc-options.js';
import type { ClusterTlsMaterial } from './cluster-tls-material.js';
import type { EchoReply, EchoRequest } from './echo-message.js';
import type { ForwardedRequest } from './forwarded-request.js';
import type { ForwardedResponse } from './forwarded-response.js';
import { ForwardingStreamSession, type ForwardStreamCall } from './forwarding-stream-session.js';
import { ERROR_CODE_METADATA_KEY, NO_ACTIVE_NODE_MESSAGE, forwardingService } from './forwarding-service.js';

/** What the active node knows about a forwarded call besides the request itself. */
export interface ForwardingContext {
  /** The calling standby's node id: the CN of its client certificate (verified against the cluster CA). */
  readonly peerNodeId: string;
  /** Aborted when the standby cancels the call, its deadline passes, or the server is force-closed. */
  readonly signal: AbortSignal;
}

/**
 * Runs a forwarded request on the active node. Answer every HTTP outcome (errors included) with a
 * response; throw a `CofferError` only to say the request was *not* run (e.g. `NoActiveNode` after
 * stepping down, `Sealed`): the standby rethrows it with the same code and message. Any other
 * exception reaches the standby as an unknown outcome (`Indeterminate`).
 */
export type ForwardHandler = (
  request: ForwardedRequest,
  context: ForwardingContext,
) => Promise<ForwardedResponse>;

/** Answers a standby's heartbeat. */
export type EchoHandler = (
  request: EchoRequest,
  context: ForwardingContext,
) => EchoReply | Promise<EchoReply>;

export interface ForwardingServerOptions {
  /** This node's id (the default echo reply names it). */
  readonly nodeId: string;
  readonly handler: ForwardHandler;
  /** Default: replies `{nodeId, clusterAddress: address ?? '', appliedIndex: 0}`. */
  readonly echo?: EchoHandler;
  /** Told about handler exceptions that are not `CofferError`s (log them; the standby only sees "unknown outcome"). */
  readonly onError?: (err: unknown) => void;
}

export interface ForwardingListenOptions extends ForwardingServerOptions {
  /** host:port to listen on; port 0 picks a free port. */
  readonly listen: string;
  readonly tls: ClusterTlsMaterial;
  /** Extra server options (merged over `clusterServerOptions`). */
  readonly serverOptions?: grpc.ServerOptions;
}

type Callback<T> = grpc.sendUnaryData<T>;

/** A typed error the standby rethrows as is: the code travels in trailing metadata. */
function typedError(err: CofferError): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  metadata.set(ERROR_CODE_METADATA_KEY, err.code);
  return { code: grpc.status.FAILED_PRECONDITION, details: err.message, metadata };
}

/** The verified peer's node id: the CN of its client certificate (the cluster CA checked it). */
function peerNodeId(
  call: Pick<grpc.ServerUnaryCall<unknown, unknown>, 'getAuthContext'>,
): string | undefined {
  const cn = call.getAuthContext().sslPeerCertificate?.subject?.CN;
  return typeof cn === 'string' && cn !== '' ? cn : undefined;
}

/**
 * The active node's side of request forwarding: the `RequestForwarding` gRPC service
 * (`ForwardStream`, its one-request-per-call predecessor `Forward`, and `Echo`) on the cluster
 * port, behind mutual TLS with the cluster CA. Either registered on a `grpc.Server` the caller
 * owns (`attach`, so raft's transport can share the port) or on one it creates and binds itself
 * (`listen`). A standby's stream is checked once (its client certificate); every request on it
 * goes to the handler, which runs the active node's own checks, as a unary forward does.
 */
export class ForwardingServer {
  readonly #server: grpc.Server;
  readonly #owned: boolean;
  readonly #options: ForwardingServerOptions;
  readonly #inFlight = new Set<AbortController>();
  readonly #sessions = new Set<ForwardingStreamSession>();
  #address: string | undefined;
  #closed = false;

  private constructor(server: grpc.Server, owned: boolean, options: ForwardingServerOptions) {
    this.#server = server;
    this.#owned = owned;
    this.#options = options;
    server.addService(forwardingService, {
      forward: (
        call: grpc.ServerUnaryCall<ForwardedRequest, ForwardedResponse>,
        callback: Callback<ForwardedResponse>,
      ) => void this.#serve(call, callback, (req, ctx) => this.#options.handler(req, ctx)),
      forwardStream: (call: ForwardStreamCall) => this.#openStream(call),
      echo: (call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, callback: Callback<EchoReply>) =>
        void this.#serve(call, callback, async (req, ctx) =>
          this.#options.echo ? this.#options.echo(req, ctx) : this.#defaultEcho(),
        ),
    });
  }

  /**
   * Registers the service on a server the caller creates (with `clusterServerOptions` and
   * `clusterServerCredentials`), binds and shuts down. Peers are authenticated by that server's
   * credentials: calls without a verified client certificate are refused.
   */
  static attach(server: grpc.Server, options: ForwardingServerOptions): ForwardingServer {
    return new ForwardingServer(server, false, options);
  }

  /** Creates a server with mutual TLS on `options.listen` and serves the forwarding service on it. */
  static async listen(options: ForwardingListenOptions): Promise<ForwardingServer> {
    const server = new grpc.Server({ ...clusterServerOptions, ...options.serverOptions });
    const fs = new ForwardingServer(server, true, options);
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(options.listen, clusterServerCredentials(options.tls), (err, p) =>
        err ? reject(err) : resolve(p),
      );
    }).catch((err: unknown) => {
      server.forceShutdown();
      throw err;
    });
    const host = options.listen.slice(0, options.listen.lastIndexOf(':'));
    fs.#address = `${host === '' || host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    return fs;
  }

  /** host:port the server listens on (`listen` only). */
  get address(): string | undefined {
    return this.#address;
  }

  /** Forwarded requests being handled. */
  get inFlight(): number {
    let n = this.#inFlight.size;
    for (const s of this.#sessions) n += s.inFlight;
    return n;
  }

  /** Forwarding streams open (one per connected standby). */
  get streams(): number {
    return this.#sessions.size;
  }

  /**
   * Stops serving. Attached: unregisters the service (in-flight requests finish; the owner shuts the
   * server down). Owned: stops accepting, waits up to `graceMs` for in-flight requests, then cuts
   * them. Either way, streams run no new requests and end once their running ones are answered.
   */
  async close(graceMs = 5_000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of [...this.#sessions]) s.close();
    if (!this.#owned) {
      this.#server.removeService(forwardingService);
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#abortAll();
        this.#server.forceShutdown();
        resolve();
      }, graceMs);
      this.#server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Cuts every connection and in-flight call at once (owned servers); standbys see those calls fail. */
  forceClose(): void {
    this.#closed = true;
    this.#abortAll();
    if (this.#owned) this.#server.forceShutdown();
    else this.#server.removeService(forwardingService);
  }

  #abortAll(): void {
    for (const ac of this.#inFlight) ac.abort();
    for (const s of [...this.#sessions]) s.forceClose();
  }

  #openStream(call: ForwardStreamCall): void {
    const peer = peerNodeId(call);
    if (peer === undefined) {
      call.emit('error', {
        code: grpc.status.UNAUTHENTICATED,
        details: 'a cluster client certificate is required',
      });
      return;
    }
    if (this.#closed) {
      call.emit('error', typedError(new CofferError(ErrorCode.NoActiveNode, NO_ACTIVE_NODE_MESSAGE)));
      return;
    }
    const session = new ForwardingStreamSession(call, {
      peerNodeId: peer,
      handler: this.#options.handler,
      onError: this.#options.onError,
      onDone: (s) => this.#sessions.delete(s),
    });
    this.#sessions.add(session);
  }

  #defaultEcho(): EchoReply {
    return { nodeId: this.#options.nodeId, clusterAddress: this.#address ?? '', appliedIndex: 0 };
  }

  async #serve<Req, Res>(
    call: grpc.ServerUnaryCall<Req, Res>,
    callback: Callback<Res>,
    run: (request: Req, context: ForwardingContext) => Promise<Res>,
  ): Promise<void> {
    const cn = peerNodeId(call);
    if (cn === undefined) {
      callback({ code: grpc.status.UNAUTHENTICATED, details: 'a cluster client certificate is required' });
      return;
    }
    if (this.#closed) {
      callback(typedError(new CofferError(ErrorCode.NoActiveNode, NO_ACTIVE_NODE_MESSAGE)));
      return;
    }
    const ac = new AbortController();
    let answered = false;
    this.#inFlight.add(ac);
    // grpc-js also reports 'cancelled' when the stream closes after the answer: only abort before it.
    call.on('cancelled', () => {
      if (!answered) ac.abort();
    });
    let outcome: { readonly ok: true; readonly value: Res } | { readonly ok: false; readonly error: unknown };
    try {
      outcome = { ok: true, value: await run(call.request, { peerNodeId: cn, signal: ac.signal }) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    answered = true;
    this.#inFlight.delete(ac);
    if (outcome.ok) callback(null, outcome.value);
    else if (outcome.error instanceof CofferError) callback(typedError(outcome.error));
    else {
      this.#options.onError?.(outcome.error);
      callback({ code: grpc.status.INTERNAL, details: 'internal error' });
    }
  }
}
