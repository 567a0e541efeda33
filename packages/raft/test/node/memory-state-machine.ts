import { EntryType } from '../../src/core/types.js';
import type { Entry, SnapshotMetadata } from '../../src/core/types.js';
import type { StateMachine } from '../../src/node/state-machine.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * A test state machine: the list of applied payloads (as strings). With `durable`, it reports
 * its applied index on restart like a persistent store would (keep the instance across restarts).
 * With `onDemandSnapshots` (durable too) it offers on-demand snapshots: its state is the snapshot.
 */
export class MemoryStateMachine implements StateMachine {
  values: string[] = [];
  applied = 0;
  applyCalls = 0;
  restores = 0;
  /** When set, apply() throws it (to test fatal errors). */
  failWith: Error | undefined;
  /** What snapshotAllowed() answers (false defers compaction). */
  allowSnapshots = true;
  /** The applied index as of the last sync() (what an fsync would have made durable). */
  synced = 0;
  /** Indexes of the snapshots captured, in order. */
  readonly snapshotsCaptured: number[] = [];

  constructor(
    readonly durable = false,
    readonly onDemandSnapshots = false,
  ) {
    if (onDemandSnapshots && !durable) throw new Error('on-demand snapshots need a durable state machine');
  }

  async apply(entries: readonly Entry[]): Promise<void> {
    if (this.failWith !== undefined) throw this.failWith;
    this.applyCalls++;
    for (const e of entries) {
      if (e.index <= this.applied)
        throw new Error(`entry ${e.index} applied twice (applied ${this.applied})`);
      if (e.index !== this.applied + 1) throw new Error(`gap: entry ${e.index} after ${this.applied}`);
      this.applied = e.index;
      if (e.type === EntryType.Normal && e.data.length > 0) this.values.push(decoder.decode(e.data));
    }
  }

  snapshotAllowed(): boolean {
    return this.allowSnapshots;
  }

  async sync(): Promise<void> {
    this.synced = this.applied;
  }

  async snapshot(): Promise<Uint8Array> {
    this.snapshotsCaptured.push(this.applied);
    return encoder.encode(JSON.stringify({ applied: this.applied, values: this.values }));
  }

  async restore(data: AsyncIterable<Uint8Array>, meta: SnapshotMetadata): Promise<void> {
    const parts: Uint8Array[] = [];
    for await (const c of data) parts.push(c);
    const parsed = JSON.parse(Buffer.concat(parts).toString('utf8')) as { applied: number; values: string[] };
    if (parsed.applied !== meta.index)
      throw new Error(`snapshot bytes at ${parsed.applied}, metadata says ${meta.index}`);
    this.values = parsed.values;
    this.applied = parsed.applied;
    this.restores++;
  }

  /** A fresh process: volatile state is gone unless durable. */
  restart(): MemoryStateMachine {
    if (this.durable) return this;
    return new MemoryStateMachine(false);
  }

  get appliedIndex(): (() => Promise<number>) | undefined {
    return this.durable ? async () => this.applied : undefined;
  }
}
