import type { SnapshotMetadata } from '../core/types.js';
import { isOlderSnapshot } from './is-older-snapshot.js';
import type { SnapshotData, SnapshotStore } from './snapshot-store.js';

function keyOf(meta: SnapshotMetadata): string {
  return `${meta.term}-${meta.index}`;
}

/** SnapshotStore in memory; like MemoryLogStore it survives close()/open() on the same instance. */
export class MemorySnapshotStore implements SnapshotStore {
  readonly #held = new Map<string, { meta: SnapshotMetadata; chunks: readonly Uint8Array[]; size: number }>();

  async open(): Promise<readonly SnapshotMetadata[]> {
    return [...this.#held.values()].map((s) => s.meta);
  }

  async write(meta: SnapshotMetadata, data: SnapshotData): Promise<void> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (data instanceof Uint8Array) {
      chunks.push(data.slice());
      size = data.length;
    } else {
      for await (const chunk of data) {
        chunks.push(chunk.slice());
        size += chunk.length;
      }
    }
    // A copy already held may be being read (installed or sent): keep it.
    if (!this.#held.has(keyOf(meta))) this.#held.set(keyOf(meta), { meta, chunks, size });
  }

  has(meta: SnapshotMetadata): boolean {
    return this.#held.has(keyOf(meta));
  }

  size(meta: SnapshotMetadata): number {
    return this.#held.get(keyOf(meta))?.size ?? 0;
  }

  async *read(meta: SnapshotMetadata): AsyncIterable<Uint8Array> {
    const held = this.#held.get(keyOf(meta));
    if (held === undefined) throw new RangeError(`snapshot ${keyOf(meta)} not held`);
    for (const chunk of held.chunks) yield chunk;
  }

  async retain(keep: SnapshotMetadata): Promise<void> {
    for (const [key, s] of [...this.#held]) if (isOlderSnapshot(s.meta, keep)) this.#held.delete(key);
  }

  async retainOnly(keep: SnapshotMetadata | undefined): Promise<void> {
    const k = keep === undefined ? undefined : keyOf(keep);
    for (const key of [...this.#held.keys()]) if (key !== k) this.#held.delete(key);
  }

  async close(): Promise<void> {}
}
