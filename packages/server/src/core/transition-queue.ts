/**
 * A promise-chain mutex: transitions run one at a time, in call order, each seeing the state
 * the previous one published. A failing transition does not block the ones after it.
 */
export class TransitionQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(transition: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(transition, transition);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
