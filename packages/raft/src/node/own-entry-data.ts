import type { Entry } from '../core/types.js';

/**
 * The entries, each with its data in an ArrayBuffer of its own. The in-memory log keeps entries
 * for a long time (until the next snapshot: up to 64 MiB of them), and data that is a view into a
 * larger buffer keeps all of that buffer alive — a slab of Node's 8 KiB Buffer pool shared with
 * short-lived request data, or a whole received gRPC batch. Measured on a leader holding 103,040
 * entries: 185 MiB of pool slabs for ~65 MiB of entry data. Entries already owning their buffer
 * are returned as they are.
 */
export function ownEntryData(entries: readonly Entry[]): Entry[] {
  const out: Entry[] = new Array<Entry>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as Entry;
    const d = e.data;
    out[i] =
      d.byteOffset === 0 && d.byteLength === d.buffer.byteLength ? e : { ...e, data: new Uint8Array(d) };
  }
  return out;
}
