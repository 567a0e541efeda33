import type { LogicalResponse } from '../logical/logical-response.js';
import type { TokenEntry } from '../logical/token-entry.js';
import type { WrapInfo } from '../wrapping/wrap-info.js';
import { hashStructure, hmacString } from './hash.js';

/** What the pipeline knows about an authenticated request when it audits it. */
export interface AuditRequestInfo {
  readonly id: string;
  readonly operation: string;
  /** Full API path after `/v1/`. */
  readonly path: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** The raw client token: only ever written HMAC'd (unless `log_raw`). Absent when none was sent. */
  readonly clientToken?: string | undefined;
  /** Absent for a bad/expired token, a missing one, or an anonymous login. */
  readonly entry?: TokenEntry | undefined;
  /** `policy_results.allowed` (default true); false for a request refused before its handler. */
  readonly allowed?: boolean | undefined;
  readonly mountPoint: string;
  readonly mountType: string;
  readonly mountAccessor: string;
  readonly remoteAddress: string;
  /** Requested response-wrapping TTL, seconds (`request.wrap_ttl`). */
  readonly wrapTtl?: number | undefined;
}

/** How a device formats: `log_raw` disables all hashing, `hmac_accessor=false` leaves accessors plain. */
export interface FormatOptions {
  readonly salt: Uint8Array;
  readonly logRaw: boolean;
  readonly hmacAccessor: boolean;
}

type Json = Record<string, unknown>;

function str(o: FormatOptions, value: string): string;
function str(o: FormatOptions, value: string | undefined): string | undefined;
function str(o: FormatOptions, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return o.logRaw || value === '' ? value : hmacString(o.salt, value);
}

function accessor(o: FormatOptions, value: string): string {
  return o.hmacAccessor ? str(o, value) : value;
}

function data(o: FormatOptions, value: Readonly<Record<string, unknown>> | undefined): unknown {
  if (value === undefined) return undefined;
  return o.logRaw ? value : hashStructure(o.salt, value);
}

/** The issued token of a login (`response.auth`), as the entry's top-level `auth`. */
function issuedAuthOf(o: FormatOptions, a: NonNullable<LogicalResponse['auth']>): Json {
  return {
    client_token: str(o, a.client_token),
    accessor: accessor(o, a.accessor),
    policies: a.policies,
    token_policies: a.token_policies,
    metadata: a.metadata === null ? undefined : data(o, a.metadata),
    entity_id: a.entity_id,
    token_type: a.token_type,
    token_ttl: a.lease_duration,
    num_uses: a.num_uses === 0 ? undefined : a.num_uses,
    policy_results: { allowed: true },
  };
}

function authOf(o: FormatOptions, info: AuditRequestInfo): Json {
  const e = info.entry;
  const allowed = info.allowed ?? true;
  if (e === undefined) return { client_token: str(o, info.clientToken), policy_results: { allowed } };
  const policies = [...e.policies];
  return {
    client_token: str(o, info.clientToken),
    accessor: accessor(o, e.accessor),
    display_name: e.displayName,
    policies,
    token_policies: policies,
    metadata:
      Object.keys(e.meta).length === 0 ? undefined : o.logRaw ? e.meta : hashStructure(o.salt, e.meta),
    entity_id: e.entityId,
    token_type: e.type,
    num_uses: e.numUses === 0 ? undefined : e.numUses,
    token_ttl: e.ttl === 0 ? undefined : e.ttl,
    token_issue_time: new Date(e.creationTime * 1000).toISOString().replace('.000Z', 'Z'),
    policy_results: { allowed },
  };
}

function requestOf(o: FormatOptions, info: AuditRequestInfo): Json {
  return {
    id: info.id,
    operation: info.operation,
    mount_point: info.mountPoint === '' ? undefined : info.mountPoint,
    mount_type: info.mountType === '' ? undefined : info.mountType,
    mount_accessor: info.mountAccessor === '' ? undefined : info.mountAccessor,
    client_token: str(o, info.clientToken),
    client_token_accessor: info.entry === undefined ? undefined : accessor(o, info.entry.accessor),
    namespace: { id: 'root' },
    path: info.path,
    data: Object.keys(info.data).length === 0 ? undefined : data(o, info.data),
    remote_address: info.remoteAddress,
    wrap_ttl: info.wrapTtl === undefined || info.wrapTtl === 0 ? undefined : info.wrapTtl,
  };
}

function responseOf(
  o: FormatOptions,
  info: AuditRequestInfo,
  response: LogicalResponse | undefined,
): Json | undefined {
  if (response === undefined) return undefined;
  const a = response.auth;
  return {
    mount_point: info.mountPoint === '' ? undefined : info.mountPoint,
    mount_type: info.mountType === '' ? undefined : info.mountType,
    mount_accessor: info.mountAccessor === '' ? undefined : info.mountAccessor,
    auth: a === undefined ? undefined : { ...issuedAuthOf(o, a), policy_results: undefined },
    secret: response.secret === undefined ? undefined : { lease_id: response.secret.leaseId },
    data: data(o, response.data),
    wrap_info: response.wrapInfo === undefined ? undefined : wrapInfoOf(o, response.wrapInfo),
    warnings:
      response.warnings === undefined || response.warnings.length === 0 ? undefined : response.warnings,
  };
}

/** A wrapped response's `wrap_info`: the wrapping token always HMAC'd, accessors as `hmac_accessor` says. */
function wrapInfoOf(o: FormatOptions, w: WrapInfo): Json {
  return {
    ttl: w.ttl,
    token: str(o, w.token),
    accessor: accessor(o, w.accessor),
    creation_time: w.creationTime,
    creation_path: w.creationPath,
    wrapped_accessor:
      w.wrappedAccessor === undefined || w.wrappedAccessor === ''
        ? undefined
        : accessor(o, w.wrappedAccessor),
  };
}

/** RFC3339 with nanoseconds-style fraction (Go's RFC3339Nano trims trailing zeros; millis are enough). */
function now(): string {
  return new Date().toISOString();
}

/** One request entry, serialized as a JSON line (with `prefix` in front). */
export function formatRequestEntry(o: FormatOptions, info: AuditRequestInfo, error?: string): string {
  return JSON.stringify({
    time: now(),
    type: 'request',
    auth: authOf(o, info),
    request: requestOf(o, info),
    error,
  });
}

/** One response entry; `error` is the message of a failed request. */
export function formatResponseEntry(
  o: FormatOptions,
  info: AuditRequestInfo,
  response: LogicalResponse | undefined,
  error?: string,
): string {
  return JSON.stringify({
    time: now(),
    type: 'response',
    // A login's entry carries the token it issued (HMAC'd like any other).
    auth:
      info.entry === undefined && response?.auth !== undefined
        ? issuedAuthOf(o, response.auth)
        : authOf(o, info),
    request: requestOf(o, info),
    response: responseOf(o, info, response),
    error,
  });
}
