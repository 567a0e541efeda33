/**
 * Serialises async work per key within one process: `run(key, fn)` starts `fn` only after every
 * earlier `run` with the same key has settled. Engines use it so that read-modify-write of one
 * record (e.g. KV v2 metadata) cannot interleave across `await`s. Keys with no waiters hold no
 * memory.
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key);
    let release: () => void = () => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous === undefined ? mine : previous.then(() => mine);
    this.#tails.set(key, tail);
    try {
      if (previous !== undefined) await previous;
      return await fn();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Number of keys with work queued or running (for tests). */
  get size(): number {
    return this.#tails.size;
  }
}
