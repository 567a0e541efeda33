import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { inspectSnapshot, SnapshotError, verifySnapshot, type SnapshotSummary } from '@coffer/snapshot';
import { CliError } from '../cli/cli-error.js';

/** A local snapshot file: its size, and whether it is a regular file (usage error otherwise). */
export async function snapshotFileSize(path: string): Promise<number> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw CliError.usage(
      `Error opening snapshot file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (!info.isFile()) throw CliError.usage(`Error opening snapshot file ${path}: not a regular file`);
  return info.size;
}

/** Why a snapshot file was refused, on one line (`checksum mismatch (CHECKSUM_MISMATCH): ...`). */
export function describeSnapshotError(err: SnapshotError): string {
  return `${err.message.replace(/\s+/g, ' ').trim()} (${err.code})`;
}

/**
 * Reads the whole file and checks every checksum and structural rule (`verifySnapshot`), and
 * its SHA-256 when `sha256` is given. Resolves with the summary; rejects with the
 * `SnapshotError` for a bad snapshot, or a usage `CliError` when the file cannot be read.
 */
export async function verifySnapshotFile(path: string, sha256?: string): Promise<SnapshotSummary> {
  try {
    return await verifySnapshot(createReadStream(path), sha256 === undefined ? {} : { sha256 });
  } catch (err) {
    if (err instanceof SnapshotError) throw err;
    throw CliError.usage(
      `Error reading snapshot file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/** `inspectSnapshot` of a file; a bad or unreadable file is a usage `CliError`. */
export async function inspectSnapshotFile(path: string): Promise<SnapshotSummary> {
  await snapshotFileSize(path);
  try {
    return await inspectSnapshot(createReadStream(path));
  } catch (err) {
    if (err instanceof SnapshotError)
      throw CliError.usage(`Error inspecting snapshot ${path}: ${describeSnapshotError(err)}`);
    throw CliError.usage(
      `Error reading snapshot file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}
