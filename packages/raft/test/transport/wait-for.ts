import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `condition` until it holds; throws (with `what`) after `timeoutMs`. For real I/O only. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}
