import type { Outcome } from './history-op.js';

/**
 * Maps an HTTP answer to an outcome: 2xx → ok, 4xx → fail (definitely not applied: the server
 * promises this, invariant I3), anything else — 5xx, no status (timeout, reset) — → info.
 * Workloads that treat some 4xx as a successful observation (a read's 404 = absent) handle
 * those before calling this.
 */
export function outcomeOfStatus(status: number | undefined): Outcome {
  if (status === undefined) return 'info';
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 400 && status < 500) return 'fail';
  return 'info';
}
