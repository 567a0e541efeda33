import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

const LIVE = 'fsm';
const MARKER = 'fsm.swap';
const MARKER_TMP = 'fsm.swap.tmp';
const STAGING_PREFIX = 'fsm.restore-';
const ASIDE_PREFIX = 'fsm.old-';
const PENDING_PREFIX = 'fsm.pending-';
const STAGING_NAME = /^fsm\.(?:restore|pending)-[0-9a-z-]+$/;

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Thrown when the directory is in a state no crash of this code could leave behind. */
export class FsmDirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FsmDirectoryError';
  }
}

/**
 * The on-disk layout of a raft FSM and its crash-safe replacement by a snapshot:
 *
 * ```
 * <root>/fsm                 the live LevelDB
 * <root>/fsm.restore-<n>     a snapshot being staged (a complete LevelDB once committed)
 * <root>/fsm.swap            the commit marker: names the staging directory that replaces fsm
 * <root>/fsm.old-<n>         the previous live LevelDB, moved aside during the swap
 * <root>/fsm.pending-<id>    a restore proposed through the raft log, filled by its chunks; it
 *                            survives restarts (the live DB records it) until commit or abort
 * ```
 *
 * Restore protocol: (1) write the snapshot into `fsm.restore-<n>`, close it, fsync every file
 * and the directory; (2) **commit**: write `fsm.swap` (temp file, fsync, rename, fsync `<root>`);
 * (3) close the live DB, rename `fsm` → `fsm.old-<n>`, rename `fsm.restore-<n>` → `fsm`, fsync
 * `<root>`; (4) delete `fsm.swap` (fsync `<root>`), then `fsm.old-<n>`.
 *
 * `recover()` runs before the live DB is opened: with a marker, it finishes steps 3–4 (whichever
 * renames are still missing); without one, any staging directory is an uncommitted restore and is
 * deleted. So a crash at any point yields the old state (before the marker is durable) or the new
 * state (after), never a mix.
 */
export class FsmDirectory {
  #nonce = 0;

  constructor(readonly root: string) {}

  /** The live LevelDB directory. */
  get livePath(): string {
    return join(this.root, LIVE);
  }

  /** Finishes a committed restore or discards an uncommitted one; removes leftovers. */
  async recover(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const marker = join(this.root, MARKER);
    if (await exists(marker)) {
      const staging = (await readFile(marker, 'utf8')).trim();
      if (!STAGING_NAME.test(staging)) throw new FsmDirectoryError(`${MARKER} names an unexpected directory`);
      const stagingPath = join(this.root, staging);
      if (await exists(stagingPath)) {
        if (await exists(this.livePath))
          await rename(
            this.livePath,
            join(this.root, ASIDE_PREFIX + staging.slice(staging.indexOf('-') + 1)),
          );
        await rename(stagingPath, this.livePath);
        await fsyncPath(this.root);
      } else if (!(await exists(this.livePath))) {
        throw new FsmDirectoryError(`${MARKER} is present but neither ${staging} nor ${LIVE} exists`);
      }
      await rm(marker, { force: true });
      await fsyncPath(this.root);
    }
    for (const name of await readdir(this.root)) {
      if (name.startsWith(STAGING_PREFIX) || name.startsWith(ASIDE_PREFIX) || name === MARKER_TMP) {
        await rm(join(this.root, name), { recursive: true, force: true });
      }
    }
  }

  /** The staging path of the raft-log restore `id` (kept by `recover`). */
  pendingPath(id: string): string {
    return join(this.root, PENDING_PREFIX + id);
  }

  /** Deletes every raft-log restore staging directory but `keep`'s. */
  async removePending(keep?: string): Promise<void> {
    for (const name of await readdir(this.root)) {
      if (name.startsWith(PENDING_PREFIX) && (keep === undefined || join(this.root, name) !== keep)) {
        await rm(join(this.root, name), { recursive: true, force: true });
      }
    }
  }

  /** A new, empty staging path (the directory itself is created by LevelDB). */
  async createStaging(): Promise<string> {
    const name = `${STAGING_PREFIX}${process.pid.toString(36)}-${(++this.#nonce).toString(36)}`;
    const path = join(this.root, name);
    await rm(path, { recursive: true, force: true });
    return path;
  }

  /** Makes every file of a closed staging LevelDB, and the directory entries, durable. */
  async syncStaging(stagingPath: string): Promise<void> {
    for (const name of await readdir(stagingPath)) await fsyncPath(join(stagingPath, name));
    await fsyncPath(stagingPath);
    await fsyncPath(this.root);
  }

  /** The commit point: once this resolves, `stagingPath` is the state a restart will see. */
  async commit(stagingPath: string): Promise<void> {
    const name = stagingPath.slice(this.root.length + 1);
    if (!STAGING_NAME.test(name) || join(this.root, name) !== stagingPath) {
      throw new FsmDirectoryError('staging path outside the FSM root');
    }
    const tmp = join(this.root, MARKER_TMP);
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(name);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(this.root, MARKER));
    await fsyncPath(this.root);
  }

  /**
   * Step 3–4 for a committed staging directory (the live DB must be closed). `between` runs after
   * the live DB was moved aside and before the staging directory takes its place (tests use it
   * to simulate a crash there).
   */
  async swap(stagingPath: string, between: () => Promise<void> = async () => {}): Promise<void> {
    const base = stagingPath.slice(this.root.length + 1);
    const aside = join(this.root, ASIDE_PREFIX + base.slice(base.indexOf('-') + 1));
    if (await exists(this.livePath)) await rename(this.livePath, aside);
    await between();
    await rename(stagingPath, this.livePath);
    await fsyncPath(this.root);
    await rm(join(this.root, MARKER), { force: true });
    await fsyncPath(this.root);
    await rm(aside, { recursive: true, force: true });
  }

  /** Deletes an uncommitted staging directory. */
  async discard(stagingPath: string): Promise<void> {
    await rm(stagingPath, { recursive: true, force: true });
  }
}
