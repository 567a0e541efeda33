import type { SnapshotEntry } from '../../src/snapshot-entry.js';

/**
 * An entry source that counts what has been pulled from it and records whether it was closed
 * (`return()` called), like a database iterator that must not leak.
 */
export class CountingEntries implements Iterable<SnapshotEntry> {
  pulled = 0;
  pulledBytes = 0;
  closed = false;

  constructor(
    readonly count: number,
    readonly valueBytes: number,
  ) {}

  [Symbol.iterator](): Iterator<SnapshotEntry> {
    const value = new Uint8Array(this.valueBytes).fill(7);
    return {
      next: (): IteratorResult<SnapshotEntry> => {
        if (this.closed || this.pulled >= this.count) return { done: true, value: undefined };
        const i = this.pulled++;
        this.pulledBytes += value.length;
        return { done: false, value: { key: `logical/m/${i}`, value } };
      },
      return: (): IteratorResult<SnapshotEntry> => {
        this.closed = true;
        return { done: true, value: undefined };
      },
    };
  }
}
