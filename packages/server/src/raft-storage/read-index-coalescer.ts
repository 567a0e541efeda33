/**
 * Coalesces linearizable-read barriers: at most one `readIndex()` round is in flight; callers
 * arriving while it is in flight all join the *next* round, started when the current one settles.
 * (Joining the current round would not be linearizable: it may have captured the commit index
 * before a write that completed before the late caller started.) N concurrent reads therefore
 * cost at most two rounds, and a steady stream of reads one round per round-trip.
 */
export class ReadIndexCoalescer {
  readonly #readIndex: () => Promise<void>;
  readonly #leaseRead: (() => Promise<void> | undefined) | undefined;
  #inFlight: Promise<void> | undefined;
  #next: Promise<void> | undefined;
  #rounds = 0;

  /**
   * `leaseRead`, when given, is asked first: a barrier it returns (a leader's lease read, which
   * costs no round trip) is used as is, without waiting for a round in flight.
   */
  constructor(readIndex: () => Promise<void>, leaseRead?: () => Promise<void> | undefined) {
    this.#readIndex = readIndex;
    this.#leaseRead = leaseRead;
  }

  /** Rounds started so far (each is one `readIndex()` call). */
  get rounds(): number {
    return this.#rounds;
  }

  /** Resolves once a round that started after this call has confirmed; rejects with its error. */
  wait(): Promise<void> {
    const leased = this.#leaseRead?.();
    if (leased !== undefined) return leased;
    if (this.#inFlight === undefined) return this.#start();
    this.#next ??= this.#inFlight.then(
      () => this.#startNext(),
      () => this.#startNext(),
    );
    return this.#next;
  }

  #startNext(): Promise<void> {
    this.#next = undefined;
    return this.#start();
  }

  #start(): Promise<void> {
    this.#rounds++;
    let round: Promise<void>;
    try {
      round = this.#readIndex();
    } catch (err) {
      round = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const tracked = round.finally(() => {
      if (this.#inFlight === tracked) this.#inFlight = undefined;
    });
    this.#inFlight = tracked;
    return tracked;
  }
}
