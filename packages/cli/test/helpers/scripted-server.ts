import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the scripted server saw it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path after `/v1/`, without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  readonly rawBody: string;
  /** The body bytes as received (empty for raw routes, which read the body themselves). */
  readonly bytes: Buffer;
}

export interface ScriptedReply {
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

type Handler = (req: RecordedRequest) => ScriptedReply | Promise<ScriptedReply>;

/** Handles the request itself: streams the body in or out, closes sockets early, ... */
type RawHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * An HTTP server on 127.0.0.1 that answers with handlers registered per test (`METHOD path`)
 * and records every request. Unknown routes answer 404 `{"errors":[]}`.
 */
export class ScriptedServer {
  readonly requests: RecordedRequest[] = [];
  private readonly routes = new Map<string, Handler>();
  private readonly rawRoutes = new Map<string, RawHandler>();
  private server: Server | undefined;
  address = '';

  on(method: string, path: string, handler: Handler | ScriptedReply): this {
    this.routes.set(`${method} ${path}`, typeof handler === 'function' ? handler : () => handler);
    return this;
  }

  /** A route whose handler gets node's request and response, body unread (streaming tests). */
  onRaw(method: string, path: string, handler: RawHandler): this {
    this.rawRoutes.set(`${method} ${path}`, handler);
    return this;
  }

  /** Requests other than the KV preflight. */
  calls(): RecordedRequest[] {
    return this.requests.filter((r) => !r.path.startsWith('sys/internal/ui/mounts/'));
  }

  /** Answers the KV preflight for `mount` (e.g. `secret/`) with the given version. */
  kvMount(mount: string, version: 1 | 2): this {
    this.preflight.set(mount, version);
    return this;
  }

  private readonly preflight = new Map<string, 1 | 2>();

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const target = new URL(req.url ?? '/', 'http://x');
      const rawPath = target.pathname.replace(/^\/v1\//, '');
      const raw = this.rawRoutes.get(`${req.method ?? ''} ${rawPath}`);
      if (raw) {
        this.requests.push({
          method: req.method ?? '',
          path: rawPath,
          query: target.searchParams,
          headers: req.headers,
          body: undefined,
          rawBody: '',
          bytes: Buffer.alloc(0),
        });
        void Promise.resolve(raw(req, res)).catch((err: unknown) => res.destroy(err as Error));
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const url = new URL(req.url ?? '/', 'http://x');
          const bytes = Buffer.concat(chunks);
          const rawBody = bytes.toString('utf8');
          let body: unknown = undefined;
          if (rawBody !== '') {
            try {
              body = JSON.parse(rawBody);
            } catch {
              body = rawBody;
            }
          }
          const recorded: RecordedRequest = {
            method: req.method ?? '',
            path: url.pathname.replace(/^\/v1\//, ''),
            query: url.searchParams,
            headers: req.headers,
            body,
            rawBody,
            bytes,
          };
          this.requests.push(recorded);
          let reply: ScriptedReply;
          const pre = /^sys\/internal\/ui\/mounts\/(.*)$/.exec(recorded.path);
          const handler = this.routes.get(`${recorded.method} ${recorded.path}`);
          if (handler) {
            reply = await handler(recorded);
          } else if (pre) {
            const target = `${pre[1] ?? ''}/`;
            const mount = [...this.preflight.keys()].find((m) => target.startsWith(m));
            reply = mount
              ? {
                  body: {
                    data: {
                      path: mount,
                      type: 'kv',
                      options: { version: String(this.preflight.get(mount)) },
                    },
                  },
                }
              : {
                  status: 403,
                  body: {
                    errors: [
                      'preflight capability check returned 403, please ensure client\'s policies grant access to path "x"',
                    ],
                  },
                };
          } else {
            reply = { status: 404, body: { errors: [] } };
          }
          const status = reply.status ?? (reply.body === undefined ? 204 : 200);
          res.writeHead(status, { 'Content-Type': 'application/json', ...(reply.headers ?? {}) });
          res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
        })();
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    this.address = `http://127.0.0.1:${port}`;
    return this.address;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A logical response envelope with the given data. */
export function envelope(
  data: Record<string, unknown> | null,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    request_id: 'req-1',
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth: null,
    ...extra,
  };
}
