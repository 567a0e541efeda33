/**
 * Send times of a leader's most recent heartbeat broadcasts, by sequence number (leader leases).
 * A follower echoes the sequence number in its HeartbeatResp, and the acknowledgement is worth the
 * time its heartbeat was SENT, never the time the ack arrived: a leader resumed after a pause may
 * drain acks that were sent before the pause. Only the newest `size` broadcasts are remembered;
 * acks of older ones are ignored. Sequence numbers keep increasing across `clear()`, so an ack of
 * a forgotten broadcast can never be mistaken for a newer one.
 */
export class HeartbeatWindow {
  private readonly seqs: number[];
  private readonly times: number[];
  private last = 0;

  constructor(private readonly size = 256) {
    this.seqs = new Array<number>(size).fill(0);
    this.times = new Array<number>(size).fill(0);
  }

  /** Records a broadcast sent at `sentAt`; returns its sequence number (≥ 1). */
  stamp(sentAt: number): number {
    const seq = ++this.last;
    const slot = seq % this.size;
    this.seqs[slot] = seq;
    this.times[slot] = sentAt;
    return seq;
  }

  /** The send time of broadcast `seq`, or undefined when unknown or already forgotten. */
  sentAt(seq: number): number | undefined {
    if (!Number.isSafeInteger(seq) || seq <= 0 || seq > this.last) return undefined;
    const slot = seq % this.size;
    return this.seqs[slot] === seq ? this.times[slot] : undefined;
  }

  /** Forgets every broadcast (a new term or role). */
  clear(): void {
    this.seqs.fill(0);
  }
}
