import { ClassicLevel } from 'classic-level';
import { assertValidKey } from './backend-key.js';
import { listLevelChildren } from './level-children.js';
import type { BackendSupports, PhysicalBackend, TxnOp } from './physical-backend.js';

export interface FileBackendOptions {
  /** Directory holding the LevelDB files; created when missing. */
  readonly path: string;
  /** Snappy block compression (default true). Tests turn it off to scan files for plaintext. */
  readonly compression?: boolean;
}

/** Keys are stored as their UTF-8 bytes, so LevelDB's bytewise order is code-point order. */
type Db = ClassicLevel<string, Uint8Array>;

const SYNC = { sync: true } as const;

/**
 * A physical backend on LevelDB (`classic-level`). Every write is fsync'd (`sync: true`) before
 * its promise resolves; a transaction is one LevelDB batch, applied atomically and fsync'd.
 */
export class FileBackend implements PhysicalBackend {
  readonly supports: BackendSupports = Object.freeze({ transactions: true });
  readonly #db: Db;

  private constructor(db: Db) {
    this.#db = db;
  }

  static async open(options: FileBackendOptions): Promise<FileBackend> {
    const db: Db = new ClassicLevel<string, Uint8Array>(options.path, {
      keyEncoding: 'utf8',
      valueEncoding: 'view',
      compression: options.compression ?? true,
    });
    await db.open();
    return new FileBackend(db);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertValidKey(key);
    const value = await this.#db.get(key);
    return value === undefined ? undefined : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    assertValidKey(key);
    await this.#db.put(key, value, SYNC);
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.#db.del(key, SYNC);
  }

  /** Direct children of `prefix` (see `listLevelChildren`). */
  async list(prefix: string): Promise<string[]> {
    return listLevelChildren((range) => this.#db.keys<Buffer>({ keyEncoding: 'buffer', ...range }), prefix);
  }

  /** Validates every operation, then writes them as one fsync'd LevelDB batch. */
  async transaction(ops: readonly TxnOp[]): Promise<void> {
    for (const op of ops) assertValidKey(op.key);
    await this.#db.batch(
      ops.map((op) =>
        op.kind === 'put'
          ? { type: 'put' as const, key: op.key, value: op.value }
          : { type: 'del' as const, key: op.key },
      ),
      SYNC,
    );
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}
