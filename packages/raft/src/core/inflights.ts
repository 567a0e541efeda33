/**
 * The leader's window of in-flight appends to one follower (pipelining): the last index of each
 * unacknowledged App message and its size, bounded by a message count and a byte budget.
 * A ring buffer allocated on first use, so idle followers cost nothing.
 */
export class Inflights {
  private start = 0;
  private countValue = 0;
  private bytesValue = 0;
  private indexes: number[] = [];
  private sizes: number[] = [];

  constructor(
    /** Maximum number of messages in flight. */
    readonly capacity: number,
    /** Maximum bytes in flight; 0 means no byte limit. */
    readonly maxBytes: number,
  ) {}

  get count(): number {
    return this.countValue;
  }

  get bytes(): number {
    return this.bytesValue;
  }

  full(): boolean {
    return this.countValue >= this.capacity || (this.maxBytes > 0 && this.bytesValue >= this.maxBytes);
  }

  /** Records an App message whose last entry is `index`. Indexes must be added in increasing order. */
  add(index: number, bytes: number): void {
    if (this.indexes.length < this.capacity) {
      this.indexes = new Array<number>(this.capacity).fill(0);
      this.sizes = new Array<number>(this.capacity).fill(0);
      this.start = 0;
      // No entries can be live here: the arrays are only (re)allocated while empty.
    }
    if (this.countValue >= this.capacity) return;
    const at = (this.start + this.countValue) % this.capacity;
    this.indexes[at] = index;
    this.sizes[at] = bytes;
    this.countValue++;
    this.bytesValue += bytes;
  }

  /** Frees every in-flight message whose last index is ≤ `to` (they were acknowledged). */
  freeLE(to: number): void {
    while (this.countValue > 0 && (this.indexes[this.start] as number) <= to) {
      this.bytesValue -= this.sizes[this.start] as number;
      this.start = (this.start + 1) % this.capacity;
      this.countValue--;
    }
    if (this.countValue === 0) {
      this.start = 0;
      this.bytesValue = 0;
    }
  }

  /** Frees the oldest message (a heartbeat response proves the follower is alive; unstick the window). */
  freeFirstOne(): void {
    if (this.countValue > 0) this.freeLE(this.indexes[this.start] as number);
  }

  reset(): void {
    this.start = 0;
    this.countValue = 0;
    this.bytesValue = 0;
  }
}
