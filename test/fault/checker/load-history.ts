import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { fromHistoryLine } from './history-line.js';
import type { HistoryOp } from './history-op.js';

/**
 * Reads a history written by HistoryRecorder (JSON lines) back into memory, sorted by id.
 * Blank lines are skipped; a malformed line throws with its line number. A torn last line (the
 * harness was killed mid-write) is dropped only when `tolerateTornTail` is set.
 */
export async function loadHistory(
  path: string,
  options: { tolerateTornTail?: boolean } = {},
): Promise<HistoryOp[]> {
  const ops: HistoryOp[] = [];
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  let pendingError: Error | undefined;
  for await (const line of lines) {
    lineNo++;
    if (pendingError) throw pendingError;
    if (line.trim() === '') continue;
    try {
      ops.push(fromHistoryLine(line));
    } catch (e) {
      pendingError = new Error(`${path}:${lineNo}: ${(e as Error).message}`);
    }
  }
  if (pendingError && !options.tolerateTornTail) throw pendingError;
  ops.sort((a, b) => a.id - b.id);
  return ops;
}
