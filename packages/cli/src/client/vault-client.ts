import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  HttpTransportError,
  sendHttpRequest,
  streamHttpRequest,
  type HttpResponse,
  type HttpStreamResponse,
  type TlsOptions,
} from './send-http-request.js';
import { VaultApiError, VaultConnectionError } from './vault-api-error.js';
import type {
  AuditDevice,
  AuditEnableInput,
  AutopilotConfig,
  AutopilotConfigInput,
  AutopilotServer,
  AutopilotState,
  InitRequest,
  InitResponse,
  KeyStatus,
  KvMountInfo,
  LeaderStatus,
  LeaseRevokeOptions,
  MountConfigInput,
  MountInput,
  MountOutput,
  RaftConfiguration,
  RaftJoinRequest,
  RaftJoinResponse,
  RaftServer,
  SealStatus,
  TokenCreateRequest,
  VaultSecret,
  VaultSecretAuth,
  VaultWrapInfo,
} from './vault-api-types.js';

export type { TlsOptions } from './send-http-request.js';

/** How to reach a Vault-compatible server. */
export interface VaultClientOptions {
  /** `http(s)://host:port`, without `/v1`. */
  readonly address: string;
  readonly token?: string | undefined;
  readonly tls?: TlsOptions | undefined;
  /** Per-request timeout in milliseconds (default 60 000, like VAULT_CLIENT_TIMEOUT). */
  readonly timeoutMs?: number | undefined;
  /** Retries on 412 and 5xx other than 501 (default 2, like VAULT_MAX_RETRIES). */
  readonly maxRetries?: number | undefined;
  /** Wait before retry n (1-based) is n × a random value in [min, max] ms (default 1000–1500). */
  readonly retryWaitMs?: { readonly min: number; readonly max: number } | undefined;
  /** Do not follow the one redirect Vault's client follows (VAULT_DISABLE_REDIRECTS). */
  readonly disableRedirects?: boolean | undefined;
  /** Sent as `X-Vault-Namespace` when set. */
  readonly namespace?: string | undefined;
  /** Sent as `X-Vault-Wrap-TTL` when set (e.g. `5m`). */
  readonly wrapTtl?: string | undefined;
  /** Extra headers on every request. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** Query parameters; array values repeat the key. */
export type QueryParams = Readonly<Record<string, string | readonly string[]>>;

export interface RequestOptions {
  readonly query?: QueryParams | undefined;
  /** JSON-encoded as the request body. */
  readonly body?: unknown;
  readonly contentType?: string | undefined;
  /** Send the request without the client token (unauthenticated endpoints). */
  readonly noToken?: boolean | undefined;
  /** Do not ask for response wrapping even when the client has a wrap TTL (the KV preflight). */
  readonly noWrap?: boolean | undefined;
}

/** Options of a request whose body (if any) is streamed. */
export interface StreamRequestOptions {
  /** Opens the request body; called again when a redirect makes the request go elsewhere. */
  readonly body?: (() => Readable) | undefined;
  /** Size of the body in bytes, sent as Content-Length (else the body is sent chunked). */
  readonly contentLength?: number | undefined;
  /** Default `application/octet-stream`. */
  readonly contentType?: string | undefined;
  readonly noToken?: boolean | undefined;
}

/** A successful answer (status < 400) whose body is still to be read. */
export interface StreamingResponse {
  readonly status: number;
  /** The URL that answered (after a redirect, the active node's). */
  readonly url: string;
  /** The body; it fails (`aborted`, ECONNRESET) if the connection is lost part-way. */
  readonly body: Readable;
  /** The Content-Length the server announced, if any. */
  readonly contentLength: number | undefined;
}

/** `GET sys/storage/raft/configuration`: the envelope (for JSON output) and its typed config. */
export interface RaftConfigurationAnswer {
  readonly secret: VaultSecret;
  readonly config: RaftConfiguration;
}

/** A buffered answer (status < 400). */
export interface VaultResponse {
  readonly status: number;
  readonly body: Buffer;
  /** The body parsed as JSON, or null when empty / not JSON. */
  readonly json: unknown;
}

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8').trim();
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Turns a JSON envelope into a `VaultSecret`, filling Go's zero values for missing fields. */
export function parseSecret(json: unknown): VaultSecret | null {
  if (!isObject(json)) return null;
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
  const data = isObject(json.data) ? json.data : null;
  const warnings = Array.isArray(json.warnings) ? json.warnings.map((w) => String(w)) : null;
  const auth = isObject(json.auth) ? (json.auth as unknown as VaultSecretAuth) : null;
  const wrapInfo = isObject(json.wrap_info) ? (json.wrap_info as unknown as VaultWrapInfo) : null;
  const secret: VaultSecret = {
    request_id: str(json.request_id),
    lease_id: str(json.lease_id),
    lease_duration: num(json.lease_duration),
    renewable: json.renewable === true,
    data,
    warnings,
    auth,
    wrap_info: wrapInfo,
    ...(typeof json.mount_type === 'string' && json.mount_type !== '' ? { mount_type: json.mount_type } : {}),
  };
  return secret;
}

function hasContent(secret: VaultSecret | null): secret is VaultSecret {
  if (!secret) return false;
  return (secret.data !== null && Object.keys(secret.data).length > 0) || (secret.warnings?.length ?? 0) > 0;
}

function numberOr0(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function stringOrEmpty(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** A duration field as text: Go strings as sent, bare numbers as seconds (`30` → `30s`). */
function durationText(v: unknown): string {
  if (typeof v === 'number' && Number.isFinite(v)) return `${v}s`;
  return stringOrEmpty(v);
}

/** The autopilot state with Go's zero values for missing fields; unknown fields are kept. */
function autopilotStateOf(data: Readonly<Record<string, unknown>>): AutopilotState {
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String(x)) : []);
  const servers: Record<string, AutopilotServer> = {};
  if (isObject(data.servers)) {
    for (const [id, raw] of Object.entries(data.servers)) {
      const srv = isObject(raw) ? raw : {};
      servers[id] = {
        ...srv,
        id: stringOrEmpty(srv.id) || id,
        name: stringOrEmpty(srv.name),
        address: stringOrEmpty(srv.address),
        node_status: stringOrEmpty(srv.node_status),
        last_contact: durationText(srv.last_contact),
        last_term: numberOr0(srv.last_term),
        last_index: numberOr0(srv.last_index),
        healthy: srv.healthy === true,
        stable_since: stringOrEmpty(srv.stable_since),
        status: stringOrEmpty(srv.status),
      };
    }
  }
  return {
    ...data,
    healthy: data.healthy === true,
    failure_tolerance: numberOr0(data.failure_tolerance),
    leader: stringOrEmpty(data.leader),
    voters: strings(data.voters),
    ...(data.non_voters !== undefined && data.non_voters !== null
      ? { non_voters: strings(data.non_voters) }
      : {}),
    servers,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Strips slashes around an API path: `/secret/foo/` → `secret/foo`. */
function cleanPath(path: string): string {
  return path.replace(/^\/+/, '');
}

/**
 * A typed client for the Vault HTTP API, used by the `coffer` CLI and by tests. It sends
 * `X-Vault-Request: true` on every request, follows one redirect (never https→http), retries
 * 412/5xx like Vault's Go client, and throws `VaultApiError` (status + `errors`) or
 * `VaultConnectionError`.
 */
export class VaultClient {
  private readonly options: VaultClientOptions;
  private currentToken: string | undefined;

  constructor(options: VaultClientOptions) {
    let address = options.address.trim().replace(/\/+$/, '');
    if (address.endsWith('/v1')) address = address.slice(0, -3);
    // Fail early on an unusable address, with the address (never a token) in the message.
    const parsed = new URL(address);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new TypeError(`unsupported address scheme "${parsed.protocol}" in ${address}`);
    }
    this.options = { ...options, address };
    this.currentToken = options.token === '' ? undefined : options.token;
  }

  /** The server address, without a trailing slash. */
  get address(): string {
    return this.options.address;
  }

  get token(): string | undefined {
    return this.currentToken;
  }

  /** A copy of this client that uses another token (or none). */
  withToken(token: string | undefined): VaultClient {
    return new VaultClient({ ...this.options, token });
  }

  /** A copy of this client that never asks for response wrapping. */
  withoutWrapping(): VaultClient {
    return new VaultClient({ ...this.options, token: this.currentToken, wrapTtl: undefined });
  }

  setToken(token: string | undefined): void {
    this.currentToken = token === '' ? undefined : token;
  }

  // ---------------------------------------------------------------------------------------
  // Transport

  /** Sends `method /v1/<path>`; resolves for status < 400, throws `VaultApiError` otherwise. */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<VaultResponse> {
    let url = new URL(`${this.options.address}/v1/${cleanPath(path)}`);
    for (const [key, value] of Object.entries(opts.query ?? {})) {
      if (typeof value === 'string') url.searchParams.append(key, value);
      else for (const v of value) url.searchParams.append(key, v);
    }
    const headers = this.baseHeaders(opts.noToken === true);
    if (this.options.wrapTtl && !opts.noWrap) headers['X-Vault-Wrap-TTL'] = this.options.wrapTtl;
    let body: Buffer | undefined;
    if (opts.body !== undefined) {
      body = Buffer.from(JSON.stringify(opts.body), 'utf8');
      headers['Content-Type'] = opts.contentType ?? 'application/json';
    }
    const maxRetries = Math.max(0, this.options.maxRetries ?? 2);
    let redirected = false;
    for (let attempt = 0; ;) {
      const res = await this.send(method, url, headers, body);
      if (this.isRedirect(res.status) && !this.options.disableRedirects) {
        url = this.redirectTarget(method, url, res.status, res.headers.location, redirected);
        redirected = true;
        continue;
      }
      if (res.status < 400) {
        return { status: res.status, body: res.body, json: parseJson(res.body) };
      }
      const retryable = res.status === 412 || (res.status >= 500 && res.status !== 501);
      if (retryable && attempt < maxRetries) {
        attempt += 1;
        const wait = this.options.retryWaitMs ?? { min: 1000, max: 1500 };
        await sleep(attempt * (wait.min + Math.random() * Math.max(0, wait.max - wait.min)));
        continue;
      }
      throw this.apiError(method, url, res);
    }
  }

  private isRedirect(status: number): boolean {
    return status === 301 || status === 302 || status === 307 || status === 308;
  }

  /** Where a redirect leads: one redirect only, with a Location, never from https to http. */
  private redirectTarget(
    method: string,
    url: URL,
    status: number,
    location: string | undefined,
    redirected: boolean,
  ): URL {
    if (redirected) {
      throw new VaultConnectionError({ method, url: url.href, reason: 'too many redirects' });
    }
    if (location === undefined || location === '') {
      throw new VaultConnectionError({
        method,
        url: url.href,
        reason: `redirect (${status}) without a Location`,
      });
    }
    const next = new URL(location, url);
    if (url.protocol === 'https:' && next.protocol === 'http:') {
      throw new VaultConnectionError({
        method,
        url: url.href,
        reason: 'refusing a redirect from https to http',
      });
    }
    return next;
  }

  /** The headers every request carries (token unless `noToken`, namespace, extra headers). */
  private baseHeaders(noToken: boolean): Record<string, string> {
    const headers: Record<string, string> = { 'X-Vault-Request': 'true', ...(this.options.headers ?? {}) };
    if (!noToken && this.currentToken !== undefined) headers['X-Vault-Token'] = this.currentToken;
    if (this.options.namespace) headers['X-Vault-Namespace'] = this.options.namespace;
    return headers;
  }

  /**
   * Sends `method /v1/<path>` with a streamed body and resolves with the answer's body still
   * unread (snapshots: nothing is held in memory whole). Follows one redirect like `request`;
   * a request body is re-opened with `body()` for the second attempt. No retries: a streamed
   * exchange is not repeated behind the caller's back. Throws `VaultApiError` for status >= 400.
   */
  async requestStream(
    method: string,
    path: string,
    opts: StreamRequestOptions = {},
  ): Promise<StreamingResponse> {
    let url = new URL(`${this.options.address}/v1/${cleanPath(path)}`);
    const headers = this.baseHeaders(opts.noToken === true);
    if (opts.body !== undefined) headers['Content-Type'] = opts.contentType ?? 'application/octet-stream';
    let redirected = false;
    for (;;) {
      let res: HttpStreamResponse;
      try {
        res = await streamHttpRequest({
          method,
          url,
          headers,
          ...(opts.body !== undefined ? { body: opts.body() } : {}),
          ...(opts.contentLength !== undefined ? { contentLength: opts.contentLength } : {}),
          timeoutMs: this.options.timeoutMs ?? 60_000,
          ...(this.options.tls !== undefined ? { tls: this.options.tls } : {}),
        });
      } catch (err) {
        throw this.connectionError(method, url, err);
      }
      if (this.isRedirect(res.status)) {
        res.discard();
        if (this.options.disableRedirects) {
          const reason = `the server redirected (${res.status}) to ${res.headers.location ?? '(no Location)'}, and redirects are disabled`;
          throw new VaultConnectionError({ method, url: url.href, reason });
        }
        url = this.redirectTarget(method, url, res.status, res.headers.location, redirected);
        redirected = true;
        continue;
      }
      if (res.status >= 400) {
        let body: Buffer;
        try {
          body = await res.readAll();
        } catch {
          body = Buffer.alloc(0);
        }
        throw this.apiError(method, url, { status: res.status, headers: res.headers, body });
      }
      const length = Number.parseInt(res.headers['content-length'] ?? '', 10);
      return {
        status: res.status,
        url: url.href,
        body: res.body,
        contentLength: Number.isSafeInteger(length) && length >= 0 ? length : undefined,
      };
    }
  }

  private async send(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: Buffer | undefined,
  ): Promise<HttpResponse> {
    try {
      return await sendHttpRequest({
        method,
        url,
        headers,
        body,
        timeoutMs: this.options.timeoutMs ?? 60_000,
        tls: this.options.tls,
      });
    } catch (err) {
      throw this.connectionError(method, url, err);
    }
  }

  /** A transport failure as `VaultConnectionError` (other errors as they are). */
  private connectionError(method: string, url: URL, err: unknown): unknown {
    if (err instanceof HttpTransportError) {
      let reason = err.message;
      if (
        url.protocol === 'https:' &&
        (err.code === 'EPROTO' || /wrong version number|packet length too long/i.test(reason))
      ) {
        reason += ' (the server may be running without TLS: try an http:// address)';
      }
      return new VaultConnectionError({ method, url: url.href, reason, code: err.code });
    }
    return err;
  }

  private apiError(method: string, url: URL, res: HttpResponse): VaultApiError {
    const json = parseJson(res.body);
    let errors: string[] = [];
    if (isObject(json) && Array.isArray(json.errors)) {
      errors = json.errors.map((e) => String(e));
    } else if (json === null) {
      const text = res.body.toString('utf8').trim();
      if (text !== '') errors = [text.length > 300 ? `${text.slice(0, 300)}…` : text];
    }
    const secret = parseSecret(json);
    return new VaultApiError({
      status: res.status,
      errors,
      method,
      url: url.href,
      secret: hasContent(secret) ? secret : null,
    });
  }

  // ---------------------------------------------------------------------------------------
  // Logical operations, with the Go client's 404 rules

  /**
   * `GET <path>`. A 404 gives null, unless its body carries data or warnings (KV v2 answers a
   * deleted version with 404 plus metadata): then that envelope is returned.
   */
  async read(path: string, query?: QueryParams): Promise<VaultSecret | null> {
    try {
      const res = await this.request('GET', path, { query });
      return parseSecret(res.json);
    } catch (err) {
      if (err instanceof VaultApiError && err.status === 404) return err.secret;
      throw err;
    }
  }

  /** `GET <path>?list=true` (what Vault's client sends for LIST). 404 → null. */
  async list(path: string): Promise<VaultSecret | null> {
    const p = cleanPath(path).replace(/\/*$/, '/');
    try {
      const res = await this.request('GET', p, { query: { list: 'true' } });
      return parseSecret(res.json);
    } catch (err) {
      if (err instanceof VaultApiError && err.status === 404) return err.secret;
      throw err;
    }
  }

  /** `PUT <path>` with a JSON body; 204 → null. */
  async write(path: string, data: unknown = {}): Promise<VaultSecret | null> {
    const res = await this.request('PUT', path, { body: data });
    return parseSecret(res.json);
  }

  /** `DELETE <path>`; 204 → null. */
  async delete(path: string, query?: QueryParams): Promise<VaultSecret | null> {
    const res = await this.request('DELETE', path, { query });
    return parseSecret(res.json);
  }

  /** `PATCH <path>` with `Content-Type: application/merge-patch+json`. */
  async mergePatch(path: string, data: unknown): Promise<VaultSecret | null> {
    const res = await this.request('PATCH', path, {
      body: data,
      contentType: 'application/merge-patch+json',
    });
    return parseSecret(res.json);
  }

  /** The `data` of a sys answer, falling back to the top level (legacy injection, §1.3). */
  private static dataOf(json: unknown): JsonObject {
    if (!isObject(json)) return {};
    if (isObject(json.data)) return json.data;
    return json;
  }

  // ---------------------------------------------------------------------------------------
  // sys/

  async sealStatus(): Promise<SealStatus> {
    const res = await this.request('GET', 'sys/seal-status', { noToken: true });
    return res.json as SealStatus;
  }

  async initStatus(): Promise<boolean> {
    const res = await this.request('GET', 'sys/init', { noToken: true });
    return isObject(res.json) && res.json.initialized === true;
  }

  async init(req: InitRequest): Promise<InitResponse> {
    const res = await this.request('PUT', 'sys/init', { body: req, noToken: true });
    return res.json as InitResponse;
  }

  async unseal(key: string, migrate = false): Promise<SealStatus> {
    const body = migrate ? { key, migrate } : { key };
    const res = await this.request('PUT', 'sys/unseal', { body, noToken: true });
    return res.json as SealStatus;
  }

  async resetUnseal(): Promise<SealStatus> {
    const res = await this.request('PUT', 'sys/unseal', { body: { reset: true }, noToken: true });
    return res.json as SealStatus;
  }

  async seal(): Promise<void> {
    await this.request('PUT', 'sys/seal');
  }

  async stepDown(): Promise<void> {
    await this.request('PUT', 'sys/step-down');
  }

  async leader(): Promise<LeaderStatus> {
    const res = await this.request('GET', 'sys/leader');
    return res.json as LeaderStatus;
  }

  async rotate(): Promise<void> {
    await this.request('PUT', 'sys/rotate');
  }

  async keyStatus(): Promise<KeyStatus> {
    const res = await this.request('GET', 'sys/key-status');
    const data = VaultClient.dataOf(res.json);
    return {
      term: Number(data.term ?? 0),
      install_time: String(data.install_time ?? ''),
      ...(data.encryptions !== undefined ? { encryptions: Number(data.encryptions) } : {}),
    };
  }

  async listMounts(): Promise<Record<string, MountOutput>> {
    const res = await this.request('GET', 'sys/mounts');
    const json = res.json;
    const data = isObject(json) && isObject(json.data) ? json.data : isObject(json) ? json : {};
    const mounts: Record<string, MountOutput> = {};
    for (const [path, info] of Object.entries(data)) {
      if (path.endsWith('/') && isObject(info)) mounts[path] = info as unknown as MountOutput;
    }
    return mounts;
  }

  async mount(path: string, input: MountInput): Promise<void> {
    await this.request('POST', `sys/mounts/${cleanPath(path)}`, { body: input });
  }

  async unmount(path: string): Promise<void> {
    await this.request('DELETE', `sys/mounts/${cleanPath(path)}`);
  }

  async tuneMount(path: string, config: MountConfigInput): Promise<void> {
    await this.request('POST', `sys/mounts/${cleanPath(path).replace(/\/+$/, '')}/tune`, { body: config });
  }

  async mountTune(path: string): Promise<JsonObject> {
    const res = await this.request('GET', `sys/mounts/${cleanPath(path).replace(/\/+$/, '')}/tune`);
    return VaultClient.dataOf(res.json);
  }

  async listPolicies(): Promise<string[]> {
    const secret = await this.list('sys/policies/acl');
    const keys = secret?.data?.keys;
    return Array.isArray(keys) ? keys.map((k) => String(k)) : [];
  }

  /** The policy text, or null when there is no such policy. */
  async readPolicy(name: string): Promise<string | null> {
    const secret = await this.read(`sys/policies/acl/${name}`);
    const policy = secret?.data?.policy ?? secret?.data?.rules;
    return typeof policy === 'string' ? policy : null;
  }

  async writePolicy(name: string, rules: string): Promise<void> {
    await this.request('PUT', `sys/policies/acl/${name}`, { body: { policy: rules } });
  }

  async deletePolicy(name: string): Promise<void> {
    await this.request('DELETE', `sys/policies/acl/${name}`);
  }

  /** Capabilities of the client token on `path` (`sys/capabilities-self`). */
  async capabilitiesSelf(path: string): Promise<string[]> {
    const res = await this.request('POST', 'sys/capabilities-self', { body: { paths: [path] } });
    return VaultClient.capabilitiesOf(res.json, path);
  }

  /** Capabilities of another token on `path` (`sys/capabilities`). */
  async capabilities(token: string, path: string): Promise<string[]> {
    const res = await this.request('POST', 'sys/capabilities', { body: { token, paths: [path] } });
    return VaultClient.capabilitiesOf(res.json, path);
  }

  private static capabilitiesOf(json: unknown, path: string): string[] {
    const data = VaultClient.dataOf(json);
    const caps = data[path] ?? data.capabilities;
    return Array.isArray(caps) ? caps.map((c) => String(c)) : [];
  }

  async revokePrefix(prefix: string): Promise<void> {
    await this.request('PUT', `sys/leases/revoke-prefix/${cleanPath(prefix)}`);
  }

  // ---------------------------------------------------------------------------------------
  // sys/auth, sys/audit (§2.5, §2.8)

  /** `GET sys/auth`: auth mounts by path (`userpass/`). */
  async listAuth(): Promise<Record<string, MountOutput>> {
    const res = await this.request('GET', 'sys/auth');
    const mounts: Record<string, MountOutput> = {};
    for (const [path, info] of Object.entries(VaultClient.dataOf(res.json))) {
      if (path.endsWith('/') && isObject(info)) mounts[path] = info as unknown as MountOutput;
    }
    return mounts;
  }

  /** `POST sys/auth/:path`. */
  async enableAuth(path: string, input: MountInput): Promise<void> {
    await this.request('POST', `sys/auth/${cleanPath(path)}`, { body: input });
  }

  /** `DELETE sys/auth/:path`. */
  async disableAuth(path: string): Promise<void> {
    await this.request('DELETE', `sys/auth/${cleanPath(path)}`);
  }

  /** `GET sys/audit`: audit devices by path (`file/`), each with its `path`. */
  async listAudit(): Promise<Record<string, AuditDevice>> {
    const res = await this.request('GET', 'sys/audit');
    const devices: Record<string, AuditDevice> = {};
    for (const [path, info] of Object.entries(VaultClient.dataOf(res.json))) {
      if (!path.endsWith('/') || !isObject(info)) continue;
      const options = isObject(info.options)
        ? Object.fromEntries(Object.entries(info.options).map(([k, v]) => [k, String(v)]))
        : null;
      devices[path] = {
        type: stringOrEmpty(info.type),
        description: stringOrEmpty(info.description),
        options,
        local: info.local === true,
        path: stringOrEmpty(info.path) || path,
      };
    }
    return devices;
  }

  /** `PUT sys/audit/:path`. */
  async enableAudit(path: string, input: AuditEnableInput): Promise<void> {
    await this.request('PUT', `sys/audit/${cleanPath(path)}`, { body: input });
  }

  /** `DELETE sys/audit/:path`. */
  async disableAudit(path: string): Promise<void> {
    await this.request('DELETE', `sys/audit/${cleanPath(path)}`);
  }

  // ---------------------------------------------------------------------------------------
  // sys/leases (§2.9), sys/wrapping (§2.11)

  /** `PUT sys/leases/lookup`. */
  async leaseLookup(leaseId: string): Promise<VaultSecret> {
    return this.requireSecret(
      await this.write('sys/leases/lookup', { lease_id: leaseId }),
      'sys/leases/lookup',
    );
  }

  /** `PUT sys/leases/renew`; `increment` in seconds (0: the server's choice). */
  async leaseRenew(leaseId: string, increment: number): Promise<VaultSecret> {
    return this.requireSecret(
      await this.write('sys/leases/renew', { increment, lease_id: leaseId }),
      'sys/leases/renew',
    );
  }

  /**
   * `PUT sys/leases/revoke/<id>`, `revoke-prefix/<id>` or `revoke-force/<id>` (the id in the
   * path, like Vault's client). `sync` is sent except with force. Resolves with the status
   * (204 done, 202 queued).
   */
  async leaseRevoke(opts: LeaseRevokeOptions): Promise<number> {
    const kind = opts.force === true ? 'revoke-force' : opts.prefix === true ? 'revoke-prefix' : 'revoke';
    const res = await this.request('PUT', `sys/leases/${kind}/${cleanPath(opts.leaseId)}`, {
      ...(opts.force === true ? {} : { body: { sync: opts.sync === true } }),
    });
    return res.status;
  }

  /**
   * `PUT sys/wrapping/unwrap`: the wrapped answer, or null when it held nothing. Without
   * `token`, the client token is the wrapping token; with one and no client token, it is sent
   * as the request token; otherwise it goes in the body. A 404 that carries data (a wrapped
   * 404) is returned as the answer.
   */
  async unwrap(token?: string): Promise<VaultSecret | null> {
    const wrapping = (token ?? '').trim();
    const asToken = wrapping !== '' && this.currentToken === undefined;
    const body =
      wrapping !== '' && !asToken && wrapping !== this.currentToken ? { token: wrapping } : undefined;
    const client = asToken ? this.withToken(wrapping) : this;
    try {
      const res = await client.request('PUT', 'sys/wrapping/unwrap', body ? { body } : {});
      return parseSecret(res.json);
    } catch (err) {
      if (err instanceof VaultApiError && err.status === 404 && err.secret?.data) return err.secret;
      throw err;
    }
  }

  /**
   * KV version detection (§8.3): `GET sys/internal/ui/mounts/<path>`. A 404 means an old
   * server: version 1. Any other error is thrown.
   */
  async kvPreflight(path: string): Promise<KvMountInfo> {
    let res: VaultResponse;
    try {
      res = await this.request('GET', `sys/internal/ui/mounts/${cleanPath(path)}`, { noWrap: true });
    } catch (err) {
      if (err instanceof VaultApiError && err.status === 404) return { mountPath: '', version: 1 };
      throw err;
    }
    const data = VaultClient.dataOf(res.json);
    const mountPath = typeof data.path === 'string' ? data.path : '';
    const options = data.options;
    const version = isObject(options) && options.version === '2' ? 2 : 1;
    return { mountPath, version };
  }

  // ---------------------------------------------------------------------------------------
  // sys/storage/raft (integrated storage, §3)

  /**
   * `POST sys/storage/raft/join` on the joining node (the client's address). Sent without a
   * token: the node is not initialised yet, and the caller's token belongs to the cluster.
   */
  async raftJoin(req: RaftJoinRequest): Promise<RaftJoinResponse> {
    const res = await this.request('POST', 'sys/storage/raft/join', { body: req, noToken: true });
    const json = res.json;
    return { joined: isObject(json) && json.joined === true };
  }

  /**
   * `GET sys/storage/raft/configuration`: the envelope and its typed `data.config`, or null
   * when the server has none (404 / empty). Wrong field types are an unexpected answer.
   */
  async raftConfiguration(): Promise<RaftConfigurationAnswer | null> {
    const path = 'sys/storage/raft/configuration';
    const secret = await this.read(path);
    if (!secret || !secret.data) return null;
    const config = secret.data.config;
    const servers = isObject(config) ? config.servers : undefined;
    if (!isObject(config) || !Array.isArray(servers)) {
      throw this.unexpectedAnswer('GET', path, 'data.config.servers is not a list');
    }
    const typed: RaftServer[] = servers.map((server: unknown, i) => {
      const at = `data.config.servers[${i}]`;
      if (!isObject(server)) throw this.unexpectedAnswer('GET', path, `${at} is not an object`);
      for (const key of ['node_id', 'address'] as const) {
        if (typeof server[key] !== 'string')
          throw this.unexpectedAnswer('GET', path, `${at}.${key} is not a string`);
      }
      for (const key of ['leader', 'voter'] as const) {
        if (typeof server[key] !== 'boolean')
          throw this.unexpectedAnswer('GET', path, `${at}.${key} is not a boolean`);
      }
      return server as unknown as RaftServer;
    });
    return {
      secret,
      config: { ...(typeof config.index === 'number' ? { index: config.index } : {}), servers: typed },
    };
  }

  /** `POST sys/storage/raft/remove-peer`. */
  async raftRemovePeer(serverId: string): Promise<void> {
    await this.request('POST', 'sys/storage/raft/remove-peer', { body: { server_id: serverId } });
  }

  /** `GET sys/storage/raft/autopilot/state`; null when the server has no autopilot (404). */
  async raftAutopilotState(): Promise<AutopilotState | null> {
    const secret = await this.read('sys/storage/raft/autopilot/state');
    if (!secret || !secret.data) return null;
    return autopilotStateOf(secret.data);
  }

  /** `GET sys/storage/raft/autopilot/configuration`; null when the server has none (404). */
  async raftAutopilotConfiguration(): Promise<AutopilotConfig | null> {
    const secret = await this.read('sys/storage/raft/autopilot/configuration');
    if (!secret || !secret.data) return null;
    const d = secret.data;
    return {
      cleanup_dead_servers: d.cleanup_dead_servers === true,
      last_contact_threshold: durationText(d.last_contact_threshold),
      dead_server_last_contact_threshold: durationText(d.dead_server_last_contact_threshold),
      max_trailing_logs: numberOr0(d.max_trailing_logs),
      min_quorum: numberOr0(d.min_quorum),
      server_stabilization_time: durationText(d.server_stabilization_time),
      disable_upgrade_migration: d.disable_upgrade_migration === true,
    };
  }

  /** `POST sys/storage/raft/autopilot/configuration` with the fields to change; 204 → null. */
  async setRaftAutopilotConfiguration(input: AutopilotConfigInput): Promise<VaultSecret | null> {
    const res = await this.request('POST', 'sys/storage/raft/autopilot/configuration', { body: input });
    return parseSecret(res.json);
  }

  /**
   * `GET sys/storage/raft/snapshot`, following a standby's redirect to the active node. The
   * snapshot is the unread body of the answer: stream it, never buffer it.
   */
  async raftSnapshot(): Promise<StreamingResponse> {
    return this.requestStream('GET', 'sys/storage/raft/snapshot');
  }

  /**
   * `POST sys/storage/raft/snapshot` (or `snapshot-force`) with the snapshot streamed as the
   * raw body. `open` is called once per attempt (again after a redirect to the active node).
   */
  async raftSnapshotRestore(
    open: () => Readable,
    opts: { force?: boolean; size?: number } = {},
  ): Promise<void> {
    const path = opts.force === true ? 'sys/storage/raft/snapshot-force' : 'sys/storage/raft/snapshot';
    const res = await this.requestStream('POST', path, { body: open, contentLength: opts.size });
    try {
      await finished(res.body.resume());
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new VaultConnectionError({ method: 'POST', url: res.url, reason: e.message, code: e.code });
    }
  }

  /** The server answered 2xx with something that does not have the documented shape. */
  private unexpectedAnswer(method: string, path: string, what: string): VaultConnectionError {
    return new VaultConnectionError({
      method,
      url: `${this.address}/v1/${path}`,
      reason: `unexpected answer: ${what}`,
    });
  }

  // ---------------------------------------------------------------------------------------
  // auth/token/

  async tokenCreate(req: TokenCreateRequest, role?: string): Promise<VaultSecret> {
    const path = role ? `auth/token/create/${role}` : 'auth/token/create';
    return this.requireSecret(await this.write(path, req), path);
  }

  async tokenLookupSelf(): Promise<VaultSecret> {
    const res = await this.request('GET', 'auth/token/lookup-self');
    return this.requireSecret(parseSecret(res.json), 'auth/token/lookup-self', 'GET');
  }

  async tokenLookup(token: string): Promise<VaultSecret> {
    return this.requireSecret(await this.write('auth/token/lookup', { token }), 'auth/token/lookup');
  }

  async tokenLookupAccessor(accessor: string): Promise<VaultSecret> {
    return this.requireSecret(
      await this.write('auth/token/lookup-accessor', { accessor }),
      'auth/token/lookup-accessor',
    );
  }

  async tokenRenewSelf(increment: number): Promise<VaultSecret> {
    return this.requireSecret(
      await this.write('auth/token/renew-self', { increment }),
      'auth/token/renew-self',
    );
  }

  async tokenRenew(token: string, increment: number): Promise<VaultSecret> {
    return this.requireSecret(await this.write('auth/token/renew', { token, increment }), 'auth/token/renew');
  }

  async tokenRenewAccessor(accessor: string, increment: number): Promise<VaultSecret> {
    return this.requireSecret(
      await this.write('auth/token/renew-accessor', { accessor, increment }),
      'auth/token/renew-accessor',
    );
  }

  async tokenRevokeSelf(): Promise<void> {
    await this.write('auth/token/revoke-self', {});
  }

  /** Revokes the token and its children. */
  async tokenRevoke(token: string): Promise<void> {
    await this.write('auth/token/revoke', { token });
  }

  async tokenRevokeOrphan(token: string): Promise<void> {
    await this.write('auth/token/revoke-orphan', { token });
  }

  async tokenRevokeAccessor(accessor: string): Promise<void> {
    await this.write('auth/token/revoke-accessor', { accessor });
  }

  /** Token endpoints always answer with a body; an empty answer is a broken server. */
  private requireSecret(secret: VaultSecret | null, path: string, method = 'PUT'): VaultSecret {
    if (!secret) {
      throw new VaultConnectionError({
        method,
        url: `${this.address}/v1/${path}`,
        reason: 'the server sent an empty answer',
      });
    }
    return secret;
  }
}
