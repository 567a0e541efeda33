import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { ApiRequest } from '../http/api-request.js';
import { clientToken } from '../http/client-token.js';
import type { HttpReply } from '../http/http-reply.js';
import type { Metrics } from './metrics.js';

/**
 * Checks that `token` may read `sys/metrics`: resolves undefined when it may; throws a
 * CofferError (403, 503…) or resolves the reply to relay (a standby's answer from the active node).
 */
export type MetricsAuthorizer = (req: ApiRequest, token: string) => Promise<HttpReply | undefined>;

export interface MetricsEndpointOptions {
  readonly metrics: Metrics;
  /** Seconds (`telemetry { prometheus_retention_time }`); 0 disables the Prometheus format. */
  readonly prometheusRetentionTime: number;
  /** Listener or telemetry `unauthenticated_metrics_access`: no token needed. */
  readonly unauthenticated: boolean;
  readonly authorize: MetricsAuthorizer;
}

const textReply = (status: number, body: string): HttpReply => ({
  status,
  contentType: 'text/plain; charset=utf-8',
  body,
});

/**
 * The format a scraper asks for without `?format=` (Vault's `FormatFromRequest`): Prometheus for
 * an `Accept` that starts with OpenMetrics or names `prometheus/telemetry`; else '' (JSON).
 */
function formatFromAccept(accept: string | readonly string[] | undefined): string {
  const values = accept === undefined ? [] : typeof accept === 'string' ? [accept] : accept;
  if (values[0]?.startsWith('application/openmetrics-text') === true) return 'prometheus';
  return values.some((v) => v.includes('prometheus/telemetry')) ? 'prometheus' : '';
}

/**
 * `GET /v1/sys/metrics[?format=prometheus]`, answered by the node that receives it (standbys
 * included; never forwarded). JSON by default (Vault's go-metrics summary), Prometheus text with
 * `format=prometheus`; unknown format → 400 text/plain; Prometheus with retention 0 → 400
 * `prometheus is not enabled`. Without `format`, a Prometheus `Accept` header picks Prometheus.
 * A token with `read` on `sys/metrics` is required unless
 * unauthenticated access is configured.
 */
export class MetricsEndpoint {
  readonly #options: MetricsEndpointOptions;

  constructor(options: MetricsEndpointOptions) {
    this.#options = options;
  }

  /** True for the API paths (after `/v1/`) and methods served here. */
  handles(method: string, apiPath: string): boolean {
    return (
      (method === 'GET' || method === 'HEAD') && (apiPath === 'sys/metrics' || apiPath === 'sys/metrics/')
    );
  }

  async serve(req: ApiRequest, query: URLSearchParams): Promise<HttpReply> {
    const { metrics, unauthenticated, authorize, prometheusRetentionTime } = this.#options;
    if (!unauthenticated) {
      const token = clientToken(req.headers);
      if (token === undefined) throw new CofferError(ErrorCode.PermissionDenied, 'permission denied');
      const denied = await authorize(req, token);
      if (denied !== undefined) return denied;
    }
    const asked = query.get('format') ?? '';
    const format = asked === '' ? formatFromAccept(req.headers['accept']) : asked;
    if (format === 'prometheus') {
      if (prometheusRetentionTime <= 0) return textReply(400, 'prometheus is not enabled');
      return { status: 200, contentType: metrics.prometheusContentType, body: await metrics.prometheus() };
    }
    if (format !== '') return textReply(400, `metric response format "${format}" unknown`);
    return { status: 200, contentType: 'application/json', body: JSON.stringify(await metrics.json()) };
  }
}
