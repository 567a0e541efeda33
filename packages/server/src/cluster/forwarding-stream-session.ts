import * as grpc from '@grpc/grpc-js';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { CLUSTER_MAX_MESSAGE_BYTES } from './cluster-grpc-options.js';
import type { ForwardedCall, ForwardedResult } from './forwarded-call.js';
import { forwardedHeadersSize, forwardingBatches } from './forwarding-batches.js';
import type { ForwardHandler, ForwardingContext } from './forwarding-server.js';
import { NO_ACTIVE_NODE_MESSAGE } from './forwarding-service.js';

/** The active node's end of one `ForwardStream` call. */
export type ForwardStreamCall = grpc.ServerDuplexStream<ForwardedCall[], readonly ForwardedResult[]>;

/** An answer larger than this cannot travel (the standby refuses messages over the hard cap). */
const MAX_RESULT_BYTES = CLUSTER_MAX_MESSAGE_BYTES - 64 * 1024;

/** A call being run. */
interface Running {
  readonly timer: NodeJS.Timeout;
  /** Given up on (timeout passed, or the stream is gone): its answer is not sent. */
  abandoned: boolean;
  /** Behind the context's `signal`, made on first use. */
  controller: AbortController | undefined;
}

function abandon(r: Running): void {
  clearTimeout(r.timer);
  r.abandoned = true;
  r.controller?.abort();
}

export interface StreamSessionOptions {
  /** The standby's node id (its verified client certificate's CN). */
  readonly peerNodeId: string;
  readonly handler: ForwardHandler;
  readonly onError: ((err: unknown) => void) | undefined;
  /** Told once the stream is over (ended by either side, or broken). */
  readonly onDone: (session: ForwardingStreamSession) => void;
}

function resultSize(r: ForwardedResult): number {
  if (!('response' in r)) return 64;
  return r.response.body.byteLength + forwardedHeadersSize(r.response.headers) + 32;
}

/**
 * Serves the requests of one standby's forwarding stream: runs each call as it arrives (the
 * handler sees the same request and context as a unary forward), aborts a call whose timeout
 * passes (it fails alone and gets no answer) and sends the answers ready in one event-loop turn as
 * one stream message. Ends the stream with status OK only after answering every call it ran, so
 * the standby knows calls still unanswered then never ran.
 */
export class ForwardingStreamSession {
  readonly #call: ForwardStreamCall;
  readonly #o: StreamSessionOptions;
  readonly #running = new Map<number, Running>();
  #ready: ForwardedResult[] = [];
  #flushScheduled = false;
  /** No new calls run: answer the running ones, then end with OK. */
  #draining = false;
  #done = false;

  constructor(call: ForwardStreamCall, options: StreamSessionOptions) {
    this.#call = call;
    this.#o = options;
    call.on('data', (calls: ForwardedCall[]) => this.#receive(calls));
    // The standby half-closed: it sends nothing more.
    call.on('end', () => this.close());
    call.on('cancelled', () => this.#abort());
    call.on('error', () => this.#abort());
    // Tells the standby the stream is accepted: it sends calls only after these headers.
    call.sendMetadata(new grpc.Metadata());
  }

  /** Calls being run. */
  get inFlight(): number {
    return this.#running.size;
  }

  /** Runs no new calls (they are answered `NoActiveNode`); ends the stream once the running ones are answered. */
  close(): void {
    this.#draining = true;
    this.#maybeEnd();
  }

  /** Aborts the running calls and breaks the stream: the standby sees their outcome as unknown. */
  forceClose(): void {
    if (this.#done) return;
    this.#abort();
    this.#call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'forwarding server closed' });
  }

  #receive(calls: readonly ForwardedCall[]): void {
    if (this.#done) return;
    for (const c of calls) {
      if (this.#running.has(c.id)) {
        // The standby reused an unanswered id: no answer could be matched to its call any more.
        this.forceClose();
        return;
      }
      if (this.#draining)
        this.#answer({ id: c.id, error: { code: ErrorCode.NoActiveNode, message: NO_ACTIVE_NODE_MESSAGE } });
      else this.#run(c);
    }
  }

  #run(c: ForwardedCall): void {
    const running: Running = {
      timer: setTimeout(
        () => {
          // The standby gave up on this call: abandon it, answer nothing.
          this.#running.delete(c.id);
          abandon(running);
          this.#maybeEnd();
        },
        Math.max(1, c.timeoutMs),
      ),
      abandoned: false,
      controller: undefined,
    };
    this.#running.set(c.id, running);
    const context: ForwardingContext = {
      peerNodeId: this.#o.peerNodeId,
      // Made only for handlers that ask for it.
      get signal(): AbortSignal {
        running.controller ??= new AbortController();
        if (running.abandoned) running.controller.abort();
        return running.controller.signal;
      },
    };
    this.#o.handler(c.request, context).then(
      (response) => this.#settle(c.id, running, { id: c.id, response }),
      (error: unknown) => {
        if (error instanceof CofferError) {
          this.#settle(c.id, running, { id: c.id, error: { code: error.code, message: error.message } });
          return;
        }
        this.#o.onError?.(error);
        this.#settle(c.id, running, { id: c.id, failed: true });
      },
    );
  }

  #settle(id: number, running: Running, result: ForwardedResult): void {
    clearTimeout(running.timer);
    if (this.#running.get(id) !== running) return; // abandoned (timeout, or the stream is gone)
    this.#running.delete(id);
    if (resultSize(result) > MAX_RESULT_BYTES) {
      this.#o.onError?.(new Error('forwarded response exceeds the cluster message size limit'));
      result = { id, failed: true };
    }
    this.#answer(result);
    this.#maybeEnd();
  }

  #answer(result: ForwardedResult): void {
    this.#ready.push(result);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    if (this.#done || this.#ready.length === 0) return;
    const ready = this.#ready;
    this.#ready = [];
    for (const batch of forwardingBatches(ready, resultSize)) this.#call.write(batch);
  }

  #maybeEnd(): void {
    if (!this.#draining || this.#done || this.#running.size > 0) return;
    this.#flush();
    this.#finish();
    this.#call.end();
  }

  #abort(): void {
    if (this.#done) return;
    for (const r of this.#running.values()) abandon(r);
    this.#running.clear();
    this.#ready = [];
    this.#finish();
  }

  #finish(): void {
    this.#done = true;
    this.#o.onDone(this);
  }
}
