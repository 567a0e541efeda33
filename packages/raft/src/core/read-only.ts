import type { NodeId } from './types.js';

/** One pending ReadIndex request on the leader. */
export interface ReadIndexStatus {
  /** Who asked: this node's id for local reads, else the follower to answer. */
  readonly from: NodeId;
  readonly context: Uint8Array;
  /** The leader's commit index when the request arrived. */
  readonly index: number;
  readonly acks: Set<NodeId>;
}

/** Request contexts as map keys (one char per byte). */
export function contextKey(ctx: Uint8Array): string {
  let s = '';
  for (let i = 0; i < ctx.length; i++) s += String.fromCharCode(ctx[i] as number);
  return s;
}

/**
 * ReadIndex requests waiting for a heartbeat round to confirm the leader is still the leader.
 * Requests are answered in arrival order: an ack for a later request confirms earlier ones too.
 */
export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  get size(): number {
    return this.queue.length;
  }

  addRequest(index: number, from: NodeId, context: Uint8Array): void {
    const key = contextKey(context);
    if (this.pending.has(key)) return;
    this.pending.set(key, { from, context, index, acks: new Set() });
    this.queue.push(key);
  }

  /** Records `id`'s heartbeat ack for `context`; returns the acks so far (undefined if unknown). */
  recvAck(id: NodeId, context: Uint8Array): ReadonlySet<NodeId> | undefined {
    const rs = this.pending.get(contextKey(context));
    if (rs === undefined) return undefined;
    rs.acks.add(id);
    return rs.acks;
  }

  /** Removes and returns every request up to and including the one for `context`. */
  advance(context: Uint8Array): ReadIndexStatus[] {
    const key = contextKey(context);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1);
    this.queue = this.queue.slice(at + 1);
    const out: ReadIndexStatus[] = [];
    for (const k of done) {
      const rs = this.pending.get(k);
      this.pending.delete(k);
      if (rs !== undefined) out.push(rs);
    }
    return out;
  }

  lastPendingContext(): Uint8Array | undefined {
    const key = this.queue[this.queue.length - 1];
    return key === undefined ? undefined : this.pending.get(key)?.context;
  }
}
