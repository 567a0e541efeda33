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

  view(prefix: string): StorageView {
    return new PrefixedView(this.storage, this.prefix + prefix);
  }
}
