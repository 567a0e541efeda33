import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * A file written under a temporary name in the same directory (`<path>.tmp-<pid>`) and renamed
 * over `path` only once complete and on disk: readers never see a partial file, and an
 * interrupted write leaves `path` as it was. Created with mode 0600.
 */
export class AtomicFile {
  readonly path: string;
  readonly tempPath: string;
  private handle: FileHandle | undefined;

  private constructor(path: string, tempPath: string, handle: FileHandle) {
    this.path = path;
    this.tempPath = tempPath;
    this.handle = handle;
  }

  /** Creates (or truncates) the temporary file; fs errors pass through. */
  static async create(path: string): Promise<AtomicFile> {
    const tempPath = `${path}.tmp-${process.pid}`;
    const handle = await open(tempPath, 'w', 0o600);
    return new AtomicFile(path, tempPath, handle);
  }

  /** Appends all of `chunk`. */
  async write(chunk: Uint8Array): Promise<void> {
    const handle = this.openHandle();
    let offset = 0;
    while (offset < chunk.length) {
      const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
      offset += bytesWritten;
    }
  }

  /** Flushes the temporary file to disk (fsync) and closes it; it can then be read back. */
  async close(): Promise<void> {
    const handle = this.openHandle();
    this.handle = undefined;
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Closes if needed, renames the temporary file to `path`, and syncs the directory. */
  async commit(): Promise<void> {
    if (this.handle !== undefined) await this.close();
    await rename(this.tempPath, this.path);
    await syncDirectory(dirname(this.path));
  }

  /** Closes and removes the temporary file; never throws. */
  async discard(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => undefined);
    await unlink(this.tempPath).catch(() => undefined);
  }

  private openHandle(): FileHandle {
    if (this.handle === undefined) throw new Error(`${this.tempPath} is already closed`);
    return this.handle;
  }
}

/** Makes a rename durable; best effort (some platforms and file systems cannot fsync a directory). */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // not supported here: the rename itself has happened
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
