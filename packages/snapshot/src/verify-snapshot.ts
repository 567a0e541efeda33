import type { SnapshotSource } from './byte-reader.js';
import { SnapshotError } from './snapshot-error.js';
import { summarizeSnapshot, type SnapshotSummary } from './snapshot-summary.js';

export interface VerifySnapshotOptions {
  /** Expected SHA-256 of the whole file (hex, e.g. from `writeSnapshot` or a SHA256SUMS file). */
  readonly sha256?: string;
}

/**
 * Reads the whole snapshot and checks everything: magic, version, every checksum, every
 * structural rule, the trailer totals, end of input, and (if given) the file's expected
 * SHA-256. Resolves with the summary or rejects with `SnapshotError`. Use before applying a
 * snapshot when the source can be read twice (a file); otherwise apply to staging.
 */
export async function verifySnapshot(
  source: SnapshotSource,
  options: VerifySnapshotOptions = {},
): Promise<SnapshotSummary> {
  const summary = await summarizeSnapshot(source);
  if (options.sha256 !== undefined && options.sha256.toLowerCase() !== summary.sha256) {
    throw new SnapshotError('CHECKSUM_MISMATCH', 'snapshot SHA-256 differs from the expected one');
  }
  return summary;
}
