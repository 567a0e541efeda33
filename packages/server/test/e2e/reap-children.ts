/**
 * Child processes a test started are killed when the test process ends: on a normal exit, and
 * when the test runner terminates the file (`--test-timeout` aborts a test file with SIGTERM,
 * which skips `after` hooks and 'exit' handlers). Without this a timed-out test file leaves its
 * servers running, holding ports and data directories.
 */
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
let installed = false;

function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  // Another handler (a benchmark's or the fault suite's graceful teardown) owns the shutdown;
  // whatever it leaves running is killed by the 'exit' handler.
  if (process.listenerCount(signal) > 1) return;
  killAll();
  // Then die of the same signal, as the process would have without this handler.
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  // First in line, so the count of other listeners is taken before a `once` one removes itself.
  for (const s of SIGNALS) process.prependListener(s, onSignal);
}

/** Kills `child` (SIGKILL) if it is still running when this process exits or is terminated. */
export function reapOnExit(child: ChildProcess): ChildProcess {
  install();
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}
