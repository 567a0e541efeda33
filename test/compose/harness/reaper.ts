import { spawn } from 'node:child_process';
import { closeSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResources } from './run-resources.js';

export interface ReaperSpec extends RunResources {
  readonly parentPid: number;
}

export interface Reaper {
  /** The file the reaper logs to (kept only when it had to clean up). */
  readonly logFile: string;
  /** Records more resources (e.g. the image tag once known). */
  update(patch: Partial<RunResources>): void;
  /** The suite cleaned up itself: the reaper exits without doing anything. */
  disarm(): void;
}

/**
 * Starts reaper-main.ts detached, in its own session (so neither a Ctrl-C to the test's process
 * group nor the test runner killing the test process reaches it). It removes the run's
 * resources if the test process disappears before calling {@link Reaper.disarm}.
 */
export function startReaper(repoRoot: string, spec: ReaperSpec): Reaper {
  const specPath = join(tmpdir(), `coffer-compose-reaper-${spec.runId}.json`);
  const logFile = join(tmpdir(), `coffer-compose-reaper-${spec.runId}.log`);
  let current: ReaperSpec = spec;
  const write = (): void => {
    writeFileSync(`${specPath}.tmp`, JSON.stringify(current));
    renameSync(`${specPath}.tmp`, specPath);
  };
  write();
  const fd = openSync(logFile, 'a');
  const main = fileURLToPath(new URL('./reaper-main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main, specPath], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  child.unref();
  return {
    logFile,
    update(patch) {
      current = { ...current, ...patch };
      write();
    },
    disarm() {
      rmSync(specPath, { force: true });
      rmSync(logFile, { force: true });
    },
  };
}
