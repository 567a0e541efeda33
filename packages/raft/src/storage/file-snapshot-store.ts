import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { ConfState, SnapshotMetadata } from '../core/types.js';
import { isOlderSnapshot } from './is-older-snapshot.js';
import { LogCorruptionError } from './log-corruption-error.js';
import type { SnapshotData, SnapshotStore } from './snapshot-store.js';

interface Held {
  readonly meta: SnapshotMetadata;
  readonly size: number;
  readonly crc: number;
}

function baseName(meta: SnapshotMetadata): string {
  return `${meta.term.toString(16).padStart(16, '0')}-${meta.index.toString(16).padStart(16, '0')}`;
}

function isIdList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function parseHeld(name: string, text: string): Held {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new LogCorruptionError(`snapshot ${name}`, 'undecodable metadata');
  }
  if (typeof v !== 'object' || v === null) throw new LogCorruptionError(`snapshot ${name}`, 'bad metadata');
  const r = v as Record<string, unknown>;
  const cs = r.confState as Record<string, unknown> | null | undefined;
  if (
    typeof r.index !== 'number' ||
    typeof r.term !== 'number' ||
    typeof r.size !== 'number' ||
    typeof r.crc !== 'number' ||
    typeof cs !== 'object' ||
    cs === null ||
    !isIdList(cs.voters) ||
    !isIdList(cs.learners)
  ) {
    throw new LogCorruptionError(`snapshot ${name}`, 'bad metadata');
  }
  const confState: ConfState = { voters: cs.voters, learners: cs.learners };
  return { meta: { index: r.index, term: r.term, confState }, size: r.size, crc: r.crc };
}

/**
 * SnapshotStore in a directory. Each snapshot is `<term>-<index>.snap` (the bytes) plus
 * `<term>-<index>.meta` (JSON: metadata, size, CRC-32 of the bytes). Both are written to a
 * temporary name, fsynced and renamed; the `.meta` file is written last, so a snapshot without
 * one is incomplete and is deleted on open.
 */
export class FileSnapshotStore implements SnapshotStore {
  readonly #held = new Map<string, Held>();
  #nonce = 0;
  #queue: Promise<void> = Promise.resolve();

  constructor(readonly dir: string) {}

  async open(): Promise<readonly SnapshotMetadata[]> {
    await mkdir(this.dir, { recursive: true });
    const names = await readdir(this.dir);
    const complete = new Set<string>();
    for (const name of names) {
      if (!name.endsWith('.meta')) continue;
      const base = name.slice(0, -'.meta'.length);
      const held = parseHeld(base, await readFile(join(this.dir, name), 'utf8'));
      if (!names.includes(`${base}.snap`))
        throw new LogCorruptionError(`snapshot ${base}`, 'data file missing');
      this.#held.set(base, held);
      complete.add(base);
    }
    for (const name of names) {
      const base = name.replace(/\.(snap|meta)$/, '');
      if (!complete.has(base) || name.endsWith('.tmp')) await rm(join(this.dir, name), { force: true });
    }
    return [...this.#held.values()].map((h) => h.meta);
  }

  async write(meta: SnapshotMetadata, data: SnapshotData): Promise<void> {
    const base = baseName(meta);
    // Unique temporary names: the same snapshot may be written twice at once (taken locally and
    // received from the leader, or received twice).
    const nonce = `${process.pid}-${++this.#nonce}`;
    const tmp = join(this.dir, `${base}.${nonce}.snap.tmp`);
    let size = 0;
    let crc = 0;
    try {
      const fh = await open(tmp, 'w');
      try {
        const chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> =
          data instanceof Uint8Array ? [data] : data;
        for await (const chunk of chunks) {
          crc = crc32(chunk, crc);
          size += chunk.length;
          await fh.write(chunk);
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (err) {
      // E.g. the sender went away mid-stream: leave no partial file behind.
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
    await this.#serial(() => this.#commit(meta, base, nonce, tmp, size, crc));
  }

  /** Moves written bytes into place and writes the `.meta` file that makes them complete. */
  async #commit(
    meta: SnapshotMetadata,
    base: string,
    nonce: string,
    tmp: string,
    size: number,
    crc: number,
  ): Promise<void> {
    // A copy already held may be being read (installed or sent): never replace it under a reader.
    if (this.#held.has(base)) {
      await rm(tmp, { force: true });
      return;
    }
    const metaTmp = join(this.dir, `${base}.${nonce}.meta.tmp`);
    try {
      await rename(tmp, join(this.dir, `${base}.snap`));
      const mh = await open(metaTmp, 'w');
      try {
        await mh.writeFile(
          JSON.stringify({ index: meta.index, term: meta.term, confState: meta.confState, size, crc }),
        );
        await mh.sync();
      } finally {
        await mh.close();
      }
      await rename(metaTmp, join(this.dir, `${base}.meta`));
      await this.#syncDir();
    } catch (err) {
      // A `.snap` without its `.meta` is incomplete and deleted on the next open.
      await rm(tmp, { force: true }).catch(() => undefined);
      await rm(metaTmp, { force: true }).catch(() => undefined);
      throw err;
    }
    this.#held.set(base, { meta, size, crc });
  }

  has(meta: SnapshotMetadata): boolean {
    return this.#held.has(baseName(meta));
  }

  size(meta: SnapshotMetadata): number {
    return this.#held.get(baseName(meta))?.size ?? 0;
  }

  async *read(meta: SnapshotMetadata): AsyncIterable<Uint8Array> {
    const base = baseName(meta);
    const held = this.#held.get(base);
    if (held === undefined) throw new RangeError(`snapshot ${base} not held`);
    let size = 0;
    let crc = 0;
    for await (const chunk of createReadStream(join(this.dir, `${base}.snap`), {
      highWaterMark: 256 * 1024,
    })) {
      const bytes = chunk as Buffer;
      crc = crc32(bytes, crc);
      size += bytes.length;
      yield bytes;
    }
    if (size !== held.size || crc !== held.crc)
      throw new LogCorruptionError(`snapshot ${base}`, 'checksum mismatch');
  }

  retain(keep: SnapshotMetadata): Promise<void> {
    return this.#serial(() => this.#delete((held) => isOlderSnapshot(held.meta, keep)));
  }

  retainOnly(keep: SnapshotMetadata | undefined): Promise<void> {
    const k = keep === undefined ? undefined : baseName(keep);
    return this.#serial(() => this.#delete((_, base) => base !== k));
  }

  async #delete(doomed: (held: Held, base: string) => boolean): Promise<void> {
    for (const [base, held] of [...this.#held]) {
      if (!doomed(held, base)) continue;
      this.#held.delete(base);
      // `.meta` first: a crash in between leaves an incomplete snapshot, deleted on open.
      await rm(join(this.dir, `${base}.meta`), { force: true });
      await rm(join(this.dir, `${base}.snap`), { force: true });
    }
  }

  /**
   * Commits and deletions run one at a time, so a deletion never removes the file of a commit
   * of the same snapshot that is under way. (Streaming the bytes to a temporary file does not wait.)
   */
  #serial(fn: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.#queue;
  }

  async #syncDir(): Promise<void> {
    const dh = await open(this.dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }
}
