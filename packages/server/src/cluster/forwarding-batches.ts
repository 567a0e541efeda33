import type { ForwardedHeaders } from './forwarded-request.js';

/**
 * Soft size cap of one forwarding-stream message: items join a message while it stays under it;
 * an item larger than the cap travels alone (the hard cap is `CLUSTER_MAX_MESSAGE_BYTES`).
 */
export const FORWARD_BATCH_BYTES = 1024 * 1024;

/** Bytes a header set takes on the wire, roughly (names and values plus framing). */
export function forwardedHeadersSize(headers: ForwardedHeaders): number {
  let n = 0;
  for (const name in headers) {
    n += name.length + 4;
    for (const v of headers[name] ?? []) n += v.length + 2;
  }
  return n;
}

/**
 * Splits `items` into stream messages in order: each holds at least one item, and more while
 * their summed `sizeOf` stays within `softBytes` and their count within `maxItems`.
 */
export function forwardingBatches<T>(
  items: readonly T[],
  sizeOf: (item: T) => number,
  softBytes = FORWARD_BATCH_BYTES,
  maxItems = Infinity,
): T[][] {
  if (items.length === 1) return [items.slice()];
  const out: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const n = sizeOf(item);
    if (batch.length > 0 && (bytes + n > softBytes || batch.length >= maxItems)) {
      out.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += n;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}
