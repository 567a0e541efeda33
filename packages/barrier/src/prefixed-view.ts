import type { TxnOp } from './physical-backend.js';
import type { Storage, StorageView } from './storage.js';

/** A StorageView that prepends `prefix` to every key before delegating to `storage`. */
export class PrefixedView implements StorageView {
  constructor(
    private readonly storage: Storage,
    readonly prefix: string,
  ) {}

  get(key: string): Promise<Uint8Array | undefined> {
    return this.storage.get(this.prefix + key);
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.storage.put(this.prefix + key, value);
  }

  delete(key: string): Promise<void> {
    return this.storage.delete(this.prefix + key);
  }

  list(prefix: string): Promise<string[]> {
    return this.storage.list(this.prefix + prefix);
  }

  transaction(ops: readonly TxnOp[]): Promise<void> {
    const prefixed = ops.map((op) => ({ ...op, key: this.prefix + op.key }));
    if (this.storage.transaction !== undefined) return this.storage.transaction(prefixed);
    return applyInOrder(this.storage, prefixed);
  }

  view(prefix: string): StorageView {
    return new PrefixedView(this.storage, this.prefix + prefix);
  }
}

async function applyInOrder(storage: Storage, ops: readonly TxnOp[]): Promise<void> {
  for (const op of ops) {
    if (op.kind === 'put') await storage.put(op.key, op.value);
    else await storage.delete(op.key);
  }
}
