import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { SnapshotError, type SnapshotSummary } from '@coffer/snapshot';
import { asCliError, callServer } from '../cli/call-server.js';
import { CliError } from '../cli/cli-error.js';
import type { CommandContext } from '../cli/command-context.js';
import type { CommandDefinition, CommandGroup } from '../cli/command-definition.js';
import type { FlagSpec } from '../cli/flag-spec.js';
import { TransferProgress } from '../cli/transfer-progress.js';
import type { StreamingResponse } from '../client/vault-client.js';
import { prefixTable } from '../output/raft-rendering.js';
import { renderKeyValueTable } from '../output/secret-rendering.js';
import { AtomicFile } from '../raft/atomic-file.js';
import {
  describeSnapshotError,
  inspectSnapshotFile,
  snapshotFileSize,
  verifySnapshotFile,
} from '../raft/snapshot-file.js';

export const raftSnapshotGroup: CommandGroup = {
  path: ['operator', 'raft', 'snapshot'],
  summary: 'Save, restore and inspect Raft snapshots',
};

const PROGRESS_FLAG: FlagSpec = {
  name: 'progress',
  kind: 'bool',
  description:
    'Report progress on stderr every second for transfers that take longer (default: when stderr is a terminal).',
};

function progressFor(ctx: CommandContext, label: string, total: number | undefined): TransferProgress {
  const enabled = ctx.flags.has('progress') ? ctx.flags.bool('progress') : ctx.io.stderrIsTTY;
  return new TransferProgress({ io: ctx.io, label, total, enabled });
}

function fileArg(ctx: CommandContext, what: string): string {
  ctx.expectArgs(1);
  const path = (ctx.args[0] as string).trim();
  if (path === '') throw CliError.usage(`${what} file name is required`);
  return path;
}

function fsReason(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/**
 * Streams the snapshot body into `file` chunk by chunk (each chunk written before the next is
 * read: memory stays at one chunk whatever the size). A lost connection is an API error (2),
 * a failed write a local one (1). Resolves with the byte count and SHA-256.
 */
async function download(
  res: StreamingResponse,
  file: AtomicFile,
  progress: TransferProgress,
): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const chunks = res.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  for (;;) {
    let step: IteratorResult<Buffer>;
    try {
      step = await chunks.next();
    } catch (err) {
      throw CliError.api(
        `Error taking the snapshot: connection lost after ${bytes} bytes: ${(err as Error).message}`,
      );
    }
    if (step.done === true) break;
    const chunk = step.value;
    try {
      await file.write(chunk);
    } catch (err) {
      res.body.destroy();
      throw CliError.usage(`Error writing ${file.tempPath}: ${fsReason(err)}`);
    }
    hash.update(chunk);
    bytes += chunk.length;
    progress.update(bytes);
  }
  if (res.contentLength !== undefined && bytes !== res.contentLength) {
    throw CliError.api(
      `Error taking the snapshot: incomplete snapshot: received ${bytes} of ${res.contentLength} bytes`,
    );
  }
  return { bytes, sha256: hash.digest('hex') };
}

const saveCommand: CommandDefinition = {
  path: ['operator', 'raft', 'snapshot', 'save'],
  summary: 'Save a snapshot of the cluster to a file',
  usage: '[options] FILE',
  help:
    'Downloads a snapshot of the Raft state from the active node (a standby redirects there) into FILE. The data ' +
    'goes to FILE.tmp-<pid> next to FILE, is synced to disk and verified, and only then renamed to FILE: an ' +
    'interrupted save never leaves a partial FILE. Prints the size and SHA-256 of the snapshot.',
  flags: [PROGRESS_FLAG],
  async run(ctx) {
    const path = fileArg(ctx, 'Output');
    const client = await ctx.client();
    let file: AtomicFile;
    try {
      file = await AtomicFile.create(path);
    } catch (err) {
      throw CliError.usage(`Error creating ${path}.tmp-${process.pid}: ${fsReason(err)}`);
    }
    let summary: SnapshotSummary;
    let saved: { bytes: number; sha256: string };
    try {
      const res = await callServer('Error taking the snapshot', () => client.raftSnapshot());
      const progress = progressFor(ctx, 'Downloading snapshot', res.contentLength);
      try {
        saved = await download(res, file, progress);
      } finally {
        progress.finish();
      }
      try {
        await file.close();
      } catch (err) {
        throw CliError.usage(`Error writing ${file.tempPath}: ${fsReason(err)}`);
      }
      try {
        summary = await verifySnapshotFile(file.tempPath, saved.sha256);
      } catch (err) {
        if (err instanceof SnapshotError) {
          throw CliError.api(
            `Error taking the snapshot: the server sent an invalid snapshot: ${describeSnapshotError(err)}`,
          );
        }
        throw err;
      }
      try {
        await file.commit();
      } catch (err) {
        throw CliError.usage(`Error renaming ${file.tempPath} to ${path}: ${fsReason(err)}`);
      }
    } catch (err) {
      await file.discard();
      throw asCliError('Error taking the snapshot', err);
    }
    const result = {
      path,
      bytes: saved.bytes,
      sha256: saved.sha256,
      index: summary.index,
      term: summary.term,
    };
    if (ctx.out.format !== 'table') {
      ctx.out.data(result, true);
      return;
    }
    ctx.out.line(
      renderKeyValueTable([
        ['Path', path],
        ['Size', `${saved.bytes}`],
        ['SHA-256', saved.sha256],
        ['Index', String(summary.index)],
        ['Term', String(summary.term)],
      ]),
    );
  },
};

const restoreCommand: CommandDefinition = {
  path: ['operator', 'raft', 'snapshot', 'restore'],
  summary: 'Restore the cluster from a snapshot file',
  usage: '[options] FILE',
  help:
    'Verifies FILE locally (every checksum; a corrupt file is refused without contacting the server), then ' +
    'uploads it to the active node, which replaces all of its data with the snapshot. -force skips the ' +
    "server's check that the snapshot was taken under the same keyring.",
  flags: [
    {
      name: 'force',
      kind: 'bool',
      description: "Install the snapshot even if its keyring differs from the cluster's (snapshot-force).",
    },
    PROGRESS_FLAG,
  ],
  async run(ctx) {
    const path = fileArg(ctx, 'Snapshot');
    const size = await snapshotFileSize(path);
    let summary: SnapshotSummary;
    try {
      summary = await verifySnapshotFile(path);
    } catch (err) {
      if (err instanceof SnapshotError)
        throw CliError.usage(
          `Refusing to restore ${path}: not a valid snapshot: ${describeSnapshotError(err)}`,
        );
      throw err;
    }
    const force = ctx.flags.bool('force');
    const client = await ctx.client();
    const progress = progressFor(ctx, 'Uploading snapshot', size);
    const open = (): Readable => {
      let sent = 0;
      progress.update(0);
      const chunks = async function* (): AsyncGenerator<Buffer> {
        for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
          sent += chunk.length;
          progress.update(sent);
          yield chunk;
        }
      };
      return Readable.from(chunks(), { objectMode: false });
    };
    try {
      await callServer('Error installing the snapshot', () =>
        client.raftSnapshotRestore(open, { force, size }),
      );
    } finally {
      progress.finish();
    }
    const result = {
      path,
      bytes: size,
      sha256: summary.sha256,
      index: summary.index,
      term: summary.term,
      forced: force,
    };
    if (ctx.out.format !== 'table') ctx.out.data(result, true);
    else
      ctx.out.line(
        `Success! Restored snapshot ${path} (index ${summary.index}, term ${summary.term}, ${size} bytes)`,
      );
  },
};

const inspectCommand: CommandDefinition = {
  path: ['operator', 'raft', 'snapshot', 'inspect'],
  summary: 'Describe a snapshot file (offline)',
  usage: '[options] FILE',
  help: 'Reads and verifies FILE without contacting a server, and prints its index, term, size, entry count, creation time, and the entries per top-level key prefix.',
  flags: [],
  async run(ctx) {
    const path = fileArg(ctx, 'Snapshot');
    const summary = await inspectSnapshotFile(path);
    if (ctx.out.format !== 'table') {
      ctx.out.data(
        {
          index: summary.index,
          term: summary.term,
          size: summary.bytes,
          entries: summary.entries,
          blocks: summary.blocks,
          created_at: summary.meta.createdAt,
          format_version: summary.formatVersion,
          keyring_fingerprint: summary.meta.keyringFingerprint,
          sha256: summary.sha256,
          payload_sha256: summary.payloadSha256,
          configuration: summary.meta.configuration,
          ...(summary.meta.meta !== undefined ? { meta: summary.meta.meta } : {}),
          counts_by_prefix: summary.countsByPrefix,
          bytes_by_prefix: summary.bytesByPrefix,
        },
        true,
      );
      return;
    }
    ctx.out.line(
      renderKeyValueTable([
        ['Index', String(summary.index)],
        ['Term', String(summary.term)],
        ['Size', String(summary.bytes)],
        ['Entries', String(summary.entries)],
        ['Blocks', String(summary.blocks)],
        ['Created', summary.meta.createdAt],
        ['Format Version', String(summary.formatVersion)],
        ['Keyring Fingerprint', summary.meta.keyringFingerprint],
        ['SHA-256', summary.sha256],
      ]),
    );
    const prefixes = prefixTable(summary.countsByPrefix, summary.bytesByPrefix);
    if (prefixes !== '') {
      ctx.out.line();
      ctx.out.line(prefixes);
    }
  },
};

export const raftSnapshotCommands: readonly CommandDefinition[] = [
  saveCommand,
  restoreCommand,
  inspectCommand,
];
