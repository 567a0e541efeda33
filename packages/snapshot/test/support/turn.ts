import { setImmediate as immediate } from 'node:timers/promises';

/** Lets pending I/O callbacks and promise continuations run: one event-loop turn. */
export function turn(): Promise<void> {
  return immediate();
}
