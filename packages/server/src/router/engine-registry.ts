import type { EngineFactory } from '../logical/engine.js';
import type { MountTableKind } from './mount-entry.js';

/**
 * Engine factories by type, one registry per table: secrets engines (`kv`, `cubbyhole`, ...)
 * and auth methods (`token`, ...). The core instantiates mounts from it.
 */
export class EngineRegistry {
  readonly #factories: Record<MountTableKind, Map<string, EngineFactory>> = {
    secret: new Map(),
    auth: new Map(),
  };

  register(table: MountTableKind, factory: EngineFactory): this {
    this.#factories[table].set(factory.type, factory);
    return this;
  }

  get(table: MountTableKind, type: string): EngineFactory | undefined {
    return this.#factories[table].get(type);
  }

  has(table: MountTableKind, type: string): boolean {
    return this.#factories[table].has(type);
  }
}
