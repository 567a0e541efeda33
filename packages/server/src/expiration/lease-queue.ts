interface QueueItem {
  readonly at: number;
  readonly id: string;
}

/**
 * A binary min-heap of (time, lease ID): the one timer of the expiration manager always waits for
 * its head. Entries are never removed from the middle: the manager keeps the authoritative time
 * per lease and skips heap entries that no longer match it (lazy deletion); `compact` rebuilds
 * the heap from the live entries when stale ones pile up.
 */
export class LeaseQueue {
  #heap: QueueItem[] = [];

  get size(): number {
    return this.#heap.length;
  }

  push(id: string, at: number): void {
    const heap = this.#heap;
    heap.push({ at, id });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as QueueItem, heap[parent] as QueueItem)) break;
      swap(heap, i, parent);
      i = parent;
    }
  }

  /** The earliest entry, without removing it. */
  peek(): { readonly at: number; readonly id: string } | undefined {
    return this.#heap[0];
  }

  pop(): { readonly at: number; readonly id: string } | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < heap.length && before(heap[l] as QueueItem, heap[smallest] as QueueItem)) smallest = l;
      if (r < heap.length && before(heap[r] as QueueItem, heap[smallest] as QueueItem)) smallest = r;
      if (smallest === i) break;
      swap(heap, i, smallest);
      i = smallest;
    }
    return top;
  }

  /** Rebuilds the heap from `live` (lease ID → time), dropping every stale entry. */
  compact(live: ReadonlyMap<string, number>): void {
    const items: QueueItem[] = [];
    for (const [id, at] of live) if (at >= 0) items.push({ at, id });
    items.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    this.#heap = items; // a sorted array is a valid heap
  }

  clear(): void {
    this.#heap = [];
  }
}

function before(a: QueueItem, b: QueueItem): boolean {
  return a.at < b.at || (a.at === b.at && a.id < b.id);
}

function swap(heap: QueueItem[], i: number, j: number): void {
  const t = heap[i] as QueueItem;
  heap[i] = heap[j] as QueueItem;
  heap[j] = t;
}
