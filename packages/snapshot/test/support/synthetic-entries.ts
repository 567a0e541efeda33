import type { SnapshotEntry } from '../../src/snapshot-entry.js';
import { seededRandom } from './seeded-random.js';

const MiB = 1024 * 1024;

/** 2 MiB of seeded pseudo-random bytes that every synthetic value is a slice of. */
export const VALUE_POOL: Uint8Array = (() => {
  const random = seededRandom(0xc0ffee);
  const words = new Uint32Array((2 * MiB) / 4);
  for (let i = 0; i < words.length; i++) words[i] = Math.floor(random.next() * 0x100000000);
  return new Uint8Array(words.buffer);
})();

const PREFIXES = ['logical/', 'sys/', 'core/', 'auth/', 'ünïcødé/', '日本/'] as const;
const ALPHABET = ['a', 'b', 'z', '0', '9', '-', '_', '.', 'é', 'ß', 'д', '日', '本', '🔑', '𝄞', ' '] as const;

/**
 * Entry `i` of the synthetic snapshot `seed`, computed from (seed, i) alone so that a reader
 * can check what it gets without anyone keeping the entries. Keys: a top-level prefix and
 * random Unicode segments (including astral characters). Values: mostly 0–600 bytes, every
 * 97th empty, every 10,007th exactly 1 MiB.
 */
export function syntheticEntry(seed: number, i: number): SnapshotEntry {
  const random = seededRandom((seed * 0x9e3779b1) ^ i);
  let key = random.pick(PREFIXES);
  const segments = 1 + random.int(4);
  for (let s = 0; s < segments; s++) {
    const length = 1 + random.int(12);
    for (let c = 0; c < length; c++) key += random.pick(ALPHABET);
    key += s + 1 < segments ? '/' : '';
  }
  key += `-${i}`;
  const length = i % 10_007 === 10_006 ? MiB : i % 97 === 0 ? 0 : random.int(601);
  const start = random.int(VALUE_POOL.length - length + 1);
  return { key, value: VALUE_POOL.subarray(start, start + length) };
}

/** Entries 0..count-1 of synthetic snapshot `seed`, generated lazily (nothing kept). */
export function* syntheticEntries(seed: number, count: number): Generator<SnapshotEntry> {
  for (let i = 0; i < count; i++) yield syntheticEntry(seed, i);
}
