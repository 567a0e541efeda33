/**
 * A promise-chain mutex: tasks run one at a time, in submission order. A failing task does
 * not break the chain. Used for barrier lifecycle transitions so that no `await` interleaves
 * two transitions.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
