import type { Entry } from './types.js';

/** Fixed per-entry overhead (index, term, type, framing) counted toward message and batch limits. */
export const ENTRY_OVERHEAD_BYTES = 16;

/** The size an entry counts for against `maxSizePerMsg`, inflight bytes and Ready batch limits. */
export function entrySize(e: Entry): number {
  return e.data.byteLength + ENTRY_OVERHEAD_BYTES;
}

/**
 * Truncates `ents` in place to the longest prefix whose total size is at most `maxBytes`,
 * always keeping at least one entry (an oversized entry must still make progress). Returns `ents`.
 */
export function limitSize<T extends Entry[]>(ents: T, maxBytes: number): T {
  if (ents.length <= 1 || maxBytes === Infinity) return ents;
  let size = 0;
  for (let i = 0; i < ents.length; i++) {
    size += entrySize(ents[i] as Entry);
    if (size > maxBytes && i > 0) {
      ents.length = i;
      break;
    }
  }
  return ents;
}
