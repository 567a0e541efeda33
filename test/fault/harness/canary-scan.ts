/**
 * Canary scan: searches every file under some directories (LevelDB `.ldb`/`.log`/MANIFEST, raft
 * logs, snapshots, audit and server logs, temp files — anything) for secret "canaries" that must
 * never appear at rest in plaintext.
 *
 * Each needle is searched as raw UTF-8 bytes and in the encodings a leak would most likely take:
 * base64 (standard and URL alphabet, at each of the three byte alignments a substring of a
 * larger base64 blob can have), hex (lower and upper case) and UTF-16LE. Matching is a single
 * pass per file with a Rabin–Karp rolling hash over the shortest pattern length, a bitset
 * pre-filter and exact verification, so 10^5 needles (≈ 10^6 patterns) over ~100 MB stay in the
 * seconds range. Files are read in chunks with an overlap of the longest pattern, so a hit that
 * straddles two chunks is still found and memory stays bounded.
 */
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** One needle found in one file, in the first encoding that matched. */
export interface CanaryHit {
  readonly file: string;
  readonly needle: string;
  readonly encoding: CanaryEncoding;
}

export type CanaryEncoding = 'utf8' | 'base64' | 'base64url' | 'hex' | 'HEX' | 'utf16le';

/** Needles shorter than this (in UTF-8 bytes) would match by chance; they are refused. */
export const MIN_NEEDLE_BYTES = 4;

const CHUNK_BYTES = 8 * 1024 * 1024;
const FILTER_BITS = 1 << 24;
const HASH_BASE = 0x01000193;

interface Pattern {
  readonly bytes: Buffer;
  readonly needle: number;
  readonly encoding: CanaryEncoding;
}

/**
 * The base64 characters fully determined by `bytes` when it starts `shift` bytes into a larger
 * base64-encoded blob (characters mixing in neighbouring bytes or padding are dropped).
 */
export function base64Core(bytes: Buffer, shift: number, url = false): string {
  const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString(url ? 'base64url' : 'base64');
  const first = Math.ceil((8 * shift) / 6);
  const last = Math.floor((8 * (shift + bytes.length)) / 6); // exclusive
  return encoded.slice(first, last);
}

/** Every byte pattern searched for one needle. */
export function encodingsOf(needle: string): { bytes: Buffer; encoding: CanaryEncoding }[] {
  const utf8 = Buffer.from(needle, 'utf8');
  const out: { bytes: Buffer; encoding: CanaryEncoding }[] = [{ bytes: utf8, encoding: 'utf8' }];
  const seen = new Set<string>([utf8.toString('latin1')]);
  const add = (text: string, encoding: CanaryEncoding, as: BufferEncoding = 'latin1'): void => {
    const bytes = Buffer.from(text, as);
    const key = bytes.toString('latin1');
    if (bytes.length === 0 || seen.has(key)) return;
    seen.add(key);
    out.push({ bytes, encoding });
  };
  for (const shift of [0, 1, 2]) {
    add(base64Core(utf8, shift), 'base64');
    add(base64Core(utf8, shift, true), 'base64url');
  }
  add(utf8.toString('hex'), 'hex');
  add(utf8.toString('hex').toUpperCase(), 'HEX');
  add(needle, 'utf16le', 'utf16le');
  return out;
}

function hashOf(bytes: Uint8Array, start: number, k: number): number {
  let h = 0;
  for (let i = 0; i < k; i++) h = (Math.imul(h, HASH_BASE) + (bytes[start + i] ?? 0)) >>> 0;
  return h;
}

/** All files under `dir`, recursively (symlinks are not followed); missing dirs yield nothing. */
async function filesUnder(dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      out.push(dir);
      return;
    }
    throw err;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) await filesUnder(path, out);
    else if (e.isFile()) out.push(path);
  }
}

/** A compiled multi-pattern matcher (exported for benchmarks and tests). */
export class CanaryMatcher {
  readonly needles: readonly string[];
  readonly patterns: readonly Pattern[];
  /** Rolling-hash window: the shortest pattern length, at most 8. */
  readonly window: number;
  /** The longest pattern, in bytes. */
  readonly longest: number;
  private readonly filter = new Uint32Array(FILTER_BITS / 32);
  private readonly byHash = new Map<number, Pattern[]>();
  private readonly topPower: number;

  constructor(needles: readonly string[]) {
    this.needles = [...new Set(needles)];
    const patterns: Pattern[] = [];
    this.needles.forEach((needle, index) => {
      if (Buffer.byteLength(needle, 'utf8') < MIN_NEEDLE_BYTES)
        throw new RangeError(`canary needles must be at least ${MIN_NEEDLE_BYTES} bytes long`);
      for (const { bytes, encoding } of encodingsOf(needle))
        patterns.push({ bytes, needle: index, encoding });
    });
    this.patterns = patterns;
    let shortest = 8;
    let longest = 0;
    for (const p of patterns) {
      shortest = Math.min(shortest, p.bytes.length);
      longest = Math.max(longest, p.bytes.length);
    }
    this.window = shortest;
    this.longest = longest;
    let power = 1;
    for (let i = 1; i < this.window; i++) power = Math.imul(power, HASH_BASE) >>> 0;
    this.topPower = power;
    for (const p of patterns) {
      const h = hashOf(p.bytes, 0, this.window);
      const bit = h & (FILTER_BITS - 1);
      this.filter[bit >>> 5] = (this.filter[bit >>> 5] ?? 0) | (1 << (bit & 31));
      const list = this.byHash.get(h);
      if (list === undefined) this.byHash.set(h, [p]);
      else list.push(p);
    }
  }

  /**
   * Calls `found(needleIndex, encoding)` for every pattern occurrence starting in
   * `[0, startLimit)` of `buf` (the rest of `buf` is look-ahead for patterns starting earlier).
   */
  scan(buf: Buffer, startLimit: number, found: (needle: number, encoding: CanaryEncoding) => void): void {
    const k = this.window;
    if (this.patterns.length === 0 || buf.length < k) return;
    const filter = this.filter;
    const mask = FILTER_BITS - 1;
    const top = this.topPower;
    let h = hashOf(buf, 0, k);
    const end = Math.min(startLimit, buf.length - k + 1);
    for (let i = 0; i < end; i++) {
      if (i > 0) {
        h = (Math.imul((h - Math.imul(buf[i - 1] ?? 0, top)) >>> 0, HASH_BASE) + (buf[i + k - 1] ?? 0)) >>> 0;
      }
      const bit = h & mask;
      if (((filter[bit >>> 5] ?? 0) & (1 << (bit & 31))) === 0) continue;
      const list = this.byHash.get(h);
      if (list === undefined) continue;
      for (const p of list) {
        const len = p.bytes.length;
        if (i + len > buf.length) continue;
        if (buf.compare(p.bytes, 0, len, i, i + len) === 0) found(p.needle, p.encoding);
      }
    }
  }

  /** Every needle found in the file at `path` (each once, first encoding seen). */
  async scanFile(path: string): Promise<Map<number, CanaryEncoding>> {
    const hits = new Map<number, CanaryEncoding>();
    const record = (needle: number, encoding: CanaryEncoding): void => {
      if (!hits.has(needle)) hits.set(needle, encoding);
    };
    const overlap = Math.max(0, this.longest - 1);
    const handle = await open(path, 'r');
    try {
      const buf = Buffer.allocUnsafe(CHUNK_BYTES + overlap);
      let carried = 0;
      let position = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buf, carried, CHUNK_BYTES, position);
        position += bytesRead;
        const filled = carried + bytesRead;
        const last = bytesRead === 0;
        // Patterns starting in [0, limit) are complete or cannot be completed later.
        const limit = last ? filled : Math.max(0, filled - overlap);
        this.scan(buf.subarray(0, filled), limit, record);
        if (last) break;
        buf.copy(buf, 0, limit, filled);
        carried = filled - limit;
      }
    } finally {
      await handle.close();
    }
    return hits;
  }
}

/**
 * Recursively reads every file under `dirs` (a path that is a file is scanned itself) and
 * returns every (file, needle) pair where the needle occurs raw, base64/base64url, hex or
 * UTF-16LE. An empty result means no canary leaked. Needles must be ≥ 4 UTF-8 bytes.
 */
export async function scanForCanaries(
  dirs: string[],
  needles: string[],
): Promise<{ file: string; needle: string; encoding: CanaryEncoding }[]> {
  const matcher = new CanaryMatcher(needles);
  const files: string[] = [];
  for (const dir of dirs) await filesUnder(dir, files);
  const out: CanaryHit[] = [];
  for (const file of files.sort()) {
    let hits: Map<number, CanaryEncoding>;
    try {
      hits = await matcher.scanFile(file);
    } catch (err) {
      // A file removed while scanning (a compaction) holds nothing any more.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const [needle, encoding] of hits) {
      out.push({ file, needle: matcher.needles[needle] ?? '', encoding });
    }
  }
  return out;
}
