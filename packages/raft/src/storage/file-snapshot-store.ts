import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { ConfState, SnapshotMetadata } from '../core/types.js';
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
    // received from the leader).
    const nonce = `${process.pid}-${++this.#nonce}`;
    const tmp = join(this.dir, `${base}.${nonce}.snap.tmp`);
    const fh = await open(tmp, 'w');
    let size = 0;
    let crc = 0;
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
    await rename(tmp, join(this.dir, `${base}.snap`));
    const metaTmp = join(this.dir, `${base}.${nonce}.meta.tmp`);
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

  async retain(keep: SnapshotMetadata | undefined): Promise<void> {
    const k = keep === undefined ? undefined : baseName(keep);
    for (const base of [...this.#held.keys()]) {
      if (base === k) continue;
      this.#held.delete(base);
      await rm(join(this.dir, `${base}.meta`), { force: true });
      await rm(join(this.dir, `${base}.snap`), { force: true });
    }
  }

  async close(): Promise<void> {}

  async #syncDir(): Promise<void> {
    const dh = await open(this.dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }
}
