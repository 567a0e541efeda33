import type { RequestHandler } from '../core/core-request.js';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { forwardedRequestOf, replyOf } from '../ha/forwarded-http.js';
import type { StandbyNode } from '../ha/standby-router.js';
import type { ApiRequest } from '../http/api-request.js';
import type { HttpReply } from '../http/http-reply.js';
import type { MetricsAuthorizer } from './metrics-endpoint.js';

export interface MetricsAuthorizerOptions {
  /** The core: a `read` of `sys/metrics` through its pipeline checks token and ACL. */
  readonly handler: RequestHandler;
  /** HA: an unsealed standby has no token store, so it asks the active node. */
  readonly standby?: Pick<StandbyNode, 'isStandby' | 'forward'>;
}

/**
 * Authorizes a `sys/metrics` scrape. Active (or single) node: a `read` on `sys/metrics` through
 * the request pipeline (token lookup, ACL, token use). Standby: the token's capabilities on
 * `sys/metrics` as the active node reports them (`sys/capabilities-self`); `read` or `root` pass.
 * The metrics themselves are always this node's.
 */
export function metricsAuthorizer(options: MetricsAuthorizerOptions): MetricsAuthorizer {
  return async (req: ApiRequest, token: string): Promise<HttpReply | undefined> => {
    const standby = options.standby;
    if (standby?.isStandby === true) {
      const check = forwardedRequestOf({
        ...req,
        method: 'POST',
        url: '/v1/sys/capabilities-self',
        headers: { ...req.headers, 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ paths: ['sys/metrics'] })),
      });
      const res = await standby.forward(check);
      // The active node's refusal (403 bad token, 503…) is relayed as it answered.
      if (res.status >= 400) return replyOf(res);
      let caps: unknown;
      try {
        caps = (JSON.parse(Buffer.from(res.body).toString('utf8')) as { capabilities?: unknown })
          .capabilities;
      } catch {
        caps = undefined;
      }
      const list = Array.isArray(caps) ? caps.map(String) : [];
      if (!list.includes('root') && !list.includes('read'))
        throw new CofferError(ErrorCode.PermissionDenied, 'permission denied');
      return undefined;
    }
    await options.handler.handleRequest(
      Object.freeze({
        id: req.requestId,
        operation: 'read',
        path: 'sys/metrics',
        data: Object.freeze({}),
        token,
        headers: Object.freeze({}),
        clientAddress: req.clientAddress,
        head: false,
      }),
    );
    return undefined;
  };
}
