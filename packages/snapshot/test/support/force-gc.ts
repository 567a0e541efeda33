import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc: unknown = runInNewContext('gc');

/** Runs a full garbage collection (the test runner does not pass --expose-gc). */
export function forceGc(): void {
  if (typeof gc !== 'function') throw new Error('cannot expose gc');
  (gc as () => void)();
}

/** Live JS heap plus ArrayBuffer (Buffer) memory, in bytes. */
export function liveBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}
