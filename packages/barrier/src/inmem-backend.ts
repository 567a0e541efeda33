import { assertValidKey, compareKeys } from './backend-key.js';
import type { BackendSupports, PhysicalBackend, TxnOp } from './physical-backend.js';

/**
 * A physical backend in process memory, for tests and `-dev` servers. Values are copied on the
 * way in and on the way out, so callers can never alias stored bytes.
 */
export class InmemBackend implements PhysicalBackend {
  readonly supports: BackendSupports = Object.freeze({ transactions: true });
  readonly #data = new Map<string, Uint8Array>();
  #closed = false;

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#checkOpen();
    assertValidKey(key);
    const value = this.#data.get(key);
    return value === undefined ? undefined : value.slice();
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.#checkOpen();
    assertValidKey(key);
    this.#data.set(key, Uint8Array.from(value));
  }

  async delete(key: string): Promise<void> {
    this.#checkOpen();
    assertValidKey(key);
    this.#data.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    this.#checkOpen();
    const children = new Set<string>();
    for (const key of this.#data.keys()) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf('/');
      children.add(slash === -1 ? rest : rest.slice(0, slash + 1));
    }
    return [...children].sort(compareKeys);
  }

  /** Validates every operation first, then applies all of them synchronously. */
  async transaction(ops: readonly TxnOp[]): Promise<void> {
    this.#checkOpen();
    for (const op of ops) assertValidKey(op.key);
    const staged = ops.map((op) => (op.kind === 'put' ? { ...op, value: Uint8Array.from(op.value) } : op));
    for (const op of staged) {
      if (op.kind === 'put') this.#data.set(op.key, op.value);
      else this.#data.delete(op.key);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error('InmemBackend is closed');
  }
}
