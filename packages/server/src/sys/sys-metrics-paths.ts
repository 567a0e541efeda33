import type { PathSpec } from '../logical/path-spec.js';

/**
 * `sys/metrics` as the pipeline sees it: the HTTP layer's metrics endpoint serves the body on
 * whichever node receives the request, and reads this path through the pipeline only to check
 * the token and the ACL (`read` on `sys/metrics`). Reached directly, it answers empty data.
 */
export function sysMetricsPaths(): PathSpec[] {
  return [
    {
      pattern: 'metrics',
      fields: {
        format: { type: 'string', default: '', description: 'Response format: "" (JSON) or "prometheus"' },
      },
      operations: { read: async () => ({ data: {} }) },
    },
  ];
}
