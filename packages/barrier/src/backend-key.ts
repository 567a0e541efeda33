import { BarrierError } from './barrier-error.js';

/**
 * Rules every physical backend applies to keys, so that inmem, file and raft agree.
 *
 * - A key is a non-empty, well-formed UTF-16 string (no lone surrogates): it must survive the
 *   round trip through UTF-8, which is how persistent backends store it.
 * - Keys sort by their UTF-8 bytes, which is Unicode code-point order (Vault sorts Go strings,
 *   i.e. bytes; LevelDB's default comparator is bytewise). This differs from JavaScript's
 *   default `sort()` (UTF-16 code units) for characters above U+FFFF versus U+E000..U+FFFF.
 */
/** In `u` mode a surrogate class matches only surrogates that are not part of a pair. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new BarrierError('INVALID_KEY', 'storage key must be a non-empty string');
  }
  if (LONE_SURROGATE.test(key)) {
    throw new BarrierError('INVALID_KEY', 'storage key is not well-formed Unicode');
  }
}

/** Orders keys by code point (= by UTF-8 bytes). */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // At the first differing code unit, a surrogate (a code point above U+FFFF) sorts after
    // every BMP character, whereas as a raw code unit it sorts below U+E000..U+FFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}
