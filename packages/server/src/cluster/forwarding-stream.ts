import * as grpc from '@grpc/grpc-js';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { ForwardedCall, ForwardedResult } from './forwarded-call.js';
import type { ForwardedRequest } from './forwarded-request.js';
import type { ForwardedResponse } from './forwarded-response.js';
import { FORWARD_BATCH_BYTES, forwardingBatches } from './forwarding-batches.js';
import {
  ERROR_CODE_METADATA_KEY,
  FORWARD_STREAM_PATH,
  NO_ACTIVE_NODE_MESSAGE,
  forwardingService,
} from './forwarding-service.js';

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** A forwarded request waiting for its answer, queued or sent on a stream. */
export interface PendingForward {
  readonly request: ForwardedRequest;
  /** When the standby stops waiting (ms since the epoch). */
  readonly deadline: number;
  /** Ends the wait with the answer or the failure; the first call wins. */
  settle(outcome: ForwardOutcome): void;
}

export type ForwardOutcome =
  | { readonly ok: true; readonly response: ForwardedResponse }
  | { readonly ok: false; readonly error: CofferError };

/** Why a stream could not be opened; nothing was sent on it. */
export interface StreamRefusal {
  readonly error: CofferError;
  /** The gRPC status that refused it, when one came (UNIMPLEMENTED: the active node predates streams). */
  readonly status: grpc.status | undefined;
}

export interface ForwardingStreamOptions {
  /** Longest wait for the active node to accept the stream. */
  readonly acceptTimeoutMs: number;
  /** Told once when the stream is over; its unanswered requests have been failed. */
  readonly onEnded: (stream: ForwardingStream) => void;
  /** Told when the last unanswered request got its answer. */
  readonly onIdle: (stream: ForwardingStream) => void;
}

type ClientCall = grpc.ClientDuplexStream<readonly ForwardedCall[], ForwardedResult[]>;

/** Not sent: the active node cannot have run it (503, safe to retry). */
export function notSent(cause: string | Error): CofferError {
  return new CofferError(ErrorCode.NoActiveNode, NO_ACTIVE_NODE_MESSAGE, {
    cause: typeof cause === 'string' ? new Error(cause) : cause,
  });
}

/** Sent, and no answer will come: it may or may not have run (502, never retried). */
export function unknownOutcome(why: string, cause?: unknown): CofferError {
  return new CofferError(
    ErrorCode.Indeterminate,
    `forwarded request sent to the active node but no answer came back (${why}); its outcome is unknown`,
    cause === undefined ? undefined : { cause },
  );
}

/** A typed error from the active node, rethrown with its code; an unknown code means an unknown outcome. */
export function typedFailure(code: string, message: string, cause?: unknown): CofferError {
  if (KNOWN_CODES.has(code))
    return new CofferError(code as ErrorCode, message, cause === undefined ? undefined : { cause });
  return unknownOutcome(`error code ${JSON.stringify(code.slice(0, 64))}`, cause);
}

/**
 * A request's share of a stream message, roughly: its body and URL, and a flat allowance for its
 * headers (HTTP limits them to some KiB; `MAX_CALLS_PER_MESSAGE` bounds their sum).
 */
function requestSize(p: PendingForward): number {
  return p.request.body.byteLength + p.request.url.length + 512;
}

/** With `FORWARD_BATCH_BYTES`, keeps a message of small requests far under the hard cap. */
const MAX_CALLS_PER_MESSAGE = 256;

/**
 * The standby's end of one `ForwardStream` call to the active node. Requests are sent only once
 * the active node accepted the stream (its response headers came). Answers are matched by id. When
 * the stream ends, requests still unanswered fail: with `NoActiveNode` when the active node ended
 * it with status OK (it promises to have answered every request it ran), with `Indeterminate`
 * otherwise (the connection broke, the stream was reset: they may have run).
 */
export class ForwardingStream {
  readonly #call: ClientCall;
  readonly #o: ForwardingStreamOptions;
  readonly #sent = new Map<number, PendingForward>();
  readonly #ids = new Map<PendingForward, number>();
  #nextId = 1;
  #open = false;
  #ended = false;

  private constructor(call: ClientCall, options: ForwardingStreamOptions) {
    this.#call = call;
    this.#o = options;
  }

  /** Opens a stream on `client` (whose channel is ready) and waits until the active node accepts it. */
  static open(
    client: grpc.Client,
    options: ForwardingStreamOptions,
  ): Promise<{ stream: ForwardingStream } | { refused: StreamRefusal }> {
    const method = forwardingService.forwardStream;
    const call: ClientCall = client.makeBidiStreamRequest(
      FORWARD_STREAM_PATH,
      method.requestSerialize,
      method.responseDeserialize,
      new grpc.Metadata(),
      {},
    );
    const stream = new ForwardingStream(call, options);
    return new Promise((resolve) => {
      /** accepting → accepted (the active node's headers came) or refused (status first, or timeout). */
      let phase: 'accepting' | 'accepted' | 'refused' = 'accepting';
      const refuse = (refused: StreamRefusal): void => {
        clearTimeout(timer);
        phase = 'refused';
        stream.#ended = true;
        resolve({ refused });
      };
      const timer = setTimeout(() => {
        call.cancel();
        refuse({ error: notSent('the active node did not accept the stream in time'), status: undefined });
      }, options.acceptTimeoutMs);
      call.once('metadata', () => {
        if (phase !== 'accepting') return;
        clearTimeout(timer);
        phase = 'accepted';
        stream.#open = true;
        resolve({ stream });
      });
      call.on('data', (results: ForwardedResult[]) => stream.#receive(results));
      // Every non-OK status also arrives as 'status'; listening here keeps the error from being thrown.
      call.on('error', () => undefined);
      let status: grpc.StatusObject | undefined;
      let readEnded = false;
      const ended = (): void => {
        if (status === undefined || !readEnded) return;
        if (phase === 'accepted') stream.#end(status);
        else if (phase === 'accepting') refuse({ error: refusal(status), status: status.code });
      };
      call.on('status', (s: grpc.StatusObject) => {
        status = s;
        // Nothing more is sent on a finished call, even before its last answers are read.
        stream.#open = false;
        ended();
      });
      // 'end' comes after every answer that arrived before the status was delivered.
      call.on('end', () => {
        readEnded = true;
        ended();
      });
    });
  }

  /** True while requests can be sent. */
  get isOpen(): boolean {
    return this.#open && !this.#ended;
  }

  /** Requests sent and not answered yet. */
  get unanswered(): number {
    return this.#sent.size;
  }

  /** Sends the requests, as few stream messages as their sizes allow. Requires `isOpen`. */
  send(requests: readonly PendingForward[]): void {
    for (const batch of forwardingBatches(
      requests,
      requestSize,
      FORWARD_BATCH_BYTES,
      MAX_CALLS_PER_MESSAGE,
    )) {
      const now = Date.now();
      const calls: ForwardedCall[] = batch.map((p) => {
        const id = this.#newId();
        this.#sent.set(id, p);
        this.#ids.set(p, id);
        return { id, request: p.request, timeoutMs: Math.max(1, p.deadline - now) };
      });
      this.#call.write(calls);
    }
  }

  /** Stops waiting for `request`'s answer (its deadline passed); returns false when it was not sent here. */
  forget(request: PendingForward): boolean {
    const id = this.#ids.get(request);
    if (id === undefined) return false;
    this.#ids.delete(request);
    this.#sent.delete(id);
    if (this.#sent.size === 0) this.#o.onIdle(this);
    return true;
  }

  /** Cancels the stream; unanswered requests fail as unknown outcomes. */
  cancel(): void {
    if (!this.#ended) this.#call.cancel();
  }

  #newId(): number {
    for (;;) {
      const id = this.#nextId;
      this.#nextId = id >= 0xffff_ffff ? 1 : id + 1;
      if (!this.#sent.has(id)) return id;
    }
  }

  #receive(results: readonly ForwardedResult[]): void {
    for (const r of results) {
      const p = this.#sent.get(r.id);
      if (p === undefined) continue; // its deadline passed meanwhile
      this.#sent.delete(r.id);
      this.#ids.delete(p);
      if ('response' in r) p.settle({ ok: true, response: r.response });
      else if ('error' in r) p.settle({ ok: false, error: typedFailure(r.error.code, r.error.message) });
      else p.settle({ ok: false, error: unknownOutcome('the active node failed to handle it') });
    }
    if (this.#sent.size === 0 && results.length > 0) this.#o.onIdle(this);
  }

  #end(status: grpc.StatusObject): void {
    if (this.#ended) return;
    this.#ended = true;
    const graceful = status.code === grpc.status.OK;
    const unanswered = [...this.#sent.values()];
    this.#sent.clear();
    this.#ids.clear();
    for (const p of unanswered) {
      p.settle({
        ok: false,
        error: graceful
          ? notSent('the active node ended the forwarding stream without running it')
          : unknownOutcome(grpc.status[status.code] ?? String(status.code), streamError(status)),
      });
    }
    this.#o.onEnded(this);
  }
}

function streamError(status: grpc.StatusObject): Error {
  return new Error(`forwarding stream ended: ${grpc.status[status.code] ?? status.code} ${status.details}`);
}

/** The stream was refused before the active node accepted it: nothing was sent. */
function refusal(status: grpc.StatusObject): CofferError {
  const typed = status.metadata.get(ERROR_CODE_METADATA_KEY)[0];
  if (typeof typed === 'string' && KNOWN_CODES.has(typed))
    return new CofferError(typed as ErrorCode, status.details, { cause: streamError(status) });
  return notSent(streamError(status));
}
