import type { SnapshotSource } from './byte-reader.js';
import { SnapshotDecoder } from './snapshot-decoder.js';
import type { SnapshotMeta } from './snapshot-meta.js';

/** What `verifySnapshot` and `inspectSnapshot` report about a fully verified snapshot. */
export interface SnapshotSummary {
  readonly formatVersion: number;
  readonly meta: SnapshotMeta;
  /** `meta.index`, `meta.term`, repeated for convenience. */
  readonly index: number;
  readonly term: number;
  /** Size of the file in bytes. */
  readonly bytes: number;
  readonly entries: number;
  readonly blocks: number;
  /** SHA-256 of the whole file, lowercase hex (what `sha256sum` prints). */
  readonly sha256: string;
  /** SHA-256 of the blocks section: equal for two snapshots of the same entries in the same order. */
  readonly payloadSha256: string;
  /** Entries per top-level key prefix (`logical/`, `sys/`, `core/`, ...), sorted by prefix. */
  readonly countsByPrefix: Readonly<Record<string, number>>;
  /** Key plus value bytes per top-level key prefix, same keys as `countsByPrefix`. */
  readonly bytesByPrefix: Readonly<Record<string, number>>;
}

/**
 * Distinct prefixes tracked before the rest are lumped together, so that inspecting a file
 * with millions of top-level keys still runs in constant memory.
 */
export const MAX_PREFIXES = 1024;

/** The bucket for keys beyond the first `MAX_PREFIXES` distinct prefixes. */
export const OTHER_PREFIX = '(other)';

/** First path segment including its `/` (`logical/`), or the whole key when it has no `/`. */
export function topLevelPrefix(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? key : key.slice(0, slash + 1);
}

/** Reads every byte of `source`, verifying everything, and summarizes it. */
export async function summarizeSnapshot(source: SnapshotSource): Promise<SnapshotSummary> {
  const decoder = await SnapshotDecoder.open(source);
  const counts = new Map<string, { entries: number; bytes: number }>();
  try {
    for (let block = await decoder.nextBlock(); block !== undefined; block = await decoder.nextBlock()) {
      for (const { key, value } of block) {
        let prefix = topLevelPrefix(key);
        let bucket = counts.get(prefix);
        if (bucket === undefined) {
          if (counts.size >= MAX_PREFIXES) prefix = OTHER_PREFIX;
          bucket = counts.get(prefix) ?? { entries: 0, bytes: 0 };
          counts.set(prefix, bucket);
        }
        bucket.entries++;
        bucket.bytes += Buffer.byteLength(key, 'utf8') + value.byteLength;
      }
    }
  } finally {
    await decoder.close();
  }
  const totals = decoder.totals;
  if (totals === undefined) throw new Error('snapshot decoder ended without a verified trailer');
  const sorted = [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    formatVersion: decoder.formatVersion,
    meta: decoder.meta,
    index: decoder.meta.index,
    term: decoder.meta.term,
    bytes: totals.bytes,
    entries: totals.entries,
    blocks: totals.blocks,
    sha256: totals.sha256,
    payloadSha256: totals.payloadSha256,
    countsByPrefix: Object.fromEntries(sorted.map(([prefix, c]) => [prefix, c.entries])),
    bytesByPrefix: Object.fromEntries(sorted.map(([prefix, c]) => [prefix, c.bytes])),
  };
}
