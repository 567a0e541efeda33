import type { ForwardedRequest } from '../cluster/forwarded-request.js';
import type { ForwardedResponse } from '../cluster/forwarded-response.js';
import { NO_ACTIVE_NODE_MESSAGE } from '../cluster/forwarding-service.js';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { ApiRequest, RequestForwarder } from '../http/api-request.js';
import type { HttpReply } from '../http/http-reply.js';
import { forwardedRequestOf, replyOf } from './forwarded-http.js';

/** Paths a standby answers itself (Vault §4): lifecycle, health, leader, raft join, metrics. */
const LOCAL_PATHS: ReadonlySet<string> = new Set([
  'sys/health',
  'sys/seal-status',
  'sys/leader',
  'sys/init',
  'sys/unseal',
  'sys/storage/raft/join',
  'sys/metrics',
]);

/** Snapshot transfers are never forwarded: the client is always redirected to the active node. */
const REDIRECT_PATHS: ReadonlySet<string> = new Set([
  'sys/storage/raft/snapshot',
  'sys/storage/raft/snapshot-force',
]);

/** The active node as a standby knows it. */
export interface ActiveNode {
  readonly nodeId: string;
  /** Its `api_addr` URL ('' when it has none). */
  readonly apiAddr: string;
  /** Its cluster address (host:port), where requests are forwarded. */
  readonly clusterAddr: string;
  /** This very node (it became active meanwhile): serve the request here. */
  readonly self: boolean;
}

/** What the router needs from the HA node. */
export interface StandbyNode {
  /** True while this node is an unsealed standby (anything else is served here). */
  readonly isStandby: boolean;
  /** The active node; undefined when none is known (→ 503). */
  activeNode(): Promise<ActiveNode | undefined>;
  /**
   * Sends the request to the active node over the cluster port: to `active` when given (as
   * `activeNode()` just told it; the active node still checks it is active), else to the active
   * node as known now.
   */
  forward(request: ForwardedRequest, active?: ActiveNode): Promise<ForwardedResponse>;
  /** Seals this node (its caller already checked the token with the active node). */
  sealLocally(): Promise<void>;
}

/**
 * The standby's request routing (Vault's handler.go): local paths are served here; snapshots, and
 * any request carrying `X-Vault-No-Request-Forwarding`, get a 307 to the active node's api_addr;
 * everything else is forwarded over gRPC/mTLS with token, headers, body and client address, and
 * the active node's answer is relayed verbatim. `sys/seal` seals this standby, after the active
 * node confirmed the token may (root or sudo on `sys/seal`).
 */
export class StandbyRouter implements RequestForwarder {
  readonly #node: StandbyNode;

  constructor(node: StandbyNode) {
    this.#node = node;
  }

  async route(req: ApiRequest, apiPath: string): Promise<HttpReply | undefined> {
    if (!this.#node.isStandby) return undefined;
    const path = apiPath.endsWith('/') ? apiPath.slice(0, -1) : apiPath;
    if (LOCAL_PATHS.has(path)) return undefined;
    if (path === 'sys/seal') return this.#seal(req);
    const active = await this.#node.activeNode();
    if (active === undefined) throw new CofferError(ErrorCode.NoActiveNode, NO_ACTIVE_NODE_MESSAGE);
    if (active.self) return undefined;
    const noForward = req.headers['x-vault-no-request-forwarding'];
    if (REDIRECT_PATHS.has(path) || (noForward !== undefined && String(noForward) !== ''))
      return this.#redirect(req, active);
    return replyOf(await this.#node.forward(forwardedRequestOf(req), active));
  }

  #redirect(req: ApiRequest, active: ActiveNode): HttpReply {
    if (active.apiAddr === '')
      throw new CofferError(ErrorCode.NoActiveNode, 'the active node advertises no api_addr to redirect to');
    return { status: 307, headers: { Location: `${active.apiAddr.replace(/\/+$/, '')}${req.url}` } };
  }

  async #seal(req: ApiRequest): Promise<HttpReply> {
    if (req.method !== 'PUT' && req.method !== 'POST')
      throw new CofferError(ErrorCode.UnsupportedOperation, 'unsupported operation');
    const check = forwardedRequestOf({
      ...req,
      method: 'POST',
      url: '/v1/sys/capabilities-self',
      headers: { ...req.headers, 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ paths: ['sys/seal'] })),
    });
    const res = await this.#node.forward(check);
    if (res.status >= 400) return replyOf(res);
    let caps: unknown;
    try {
      caps = (JSON.parse(Buffer.from(res.body).toString('utf8')) as { capabilities?: unknown }).capabilities;
    } catch {
      caps = undefined;
    }
    const list = Array.isArray(caps) ? caps.map(String) : [];
    if (!list.includes('root') && !(list.includes('sudo') && list.includes('update'))) {
      throw new CofferError(ErrorCode.PermissionDenied, 'permission denied');
    }
    await this.#node.sealLocally();
    return { status: 204 };
  }
}
