import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { coerceValue } from '../logical/coerce-fields.js';
import type { FieldType } from '../logical/field-spec.js';
import type { LogicalRequest } from '../logical/logical-request.js';
import type { LogicalResponse } from '../logical/logical-response.js';
import type { FieldValues, PathSpec } from '../logical/path-spec.js';
import {
  DEFAULT_MOUNT_CONFIG,
  type MountConfig,
  type MountEntry,
  type MountTableKind,
} from '../router/mount-entry.js';
import { mountInfo } from './mount-info.js';
import type { SysBackend, TuneRequest } from './sys-backend.js';

const bad = (message: string): CofferError => new CofferError(ErrorCode.BadRequest, message);

/** Vault's `sanitizePath`: no leading slash, one trailing slash. */
export function sanitizeMountPath(path: string): string {
  let p = path.trim();
  while (p.startsWith('/')) p = p.slice(1);
  if (p !== '' && !p.endsWith('/')) p += '/';
  return p;
}

const LISTING_VISIBILITY = new Set(['', 'unauth', 'hidden']);
const TOKEN_TYPES = new Set(['default-service', 'default-batch', 'service', 'batch', 'default']);

function convert(name: string, type: FieldType, value: unknown): unknown {
  try {
    return coerceValue(type, value);
  } catch {
    throw bad(`invalid value for "${name}"`);
  }
}

/** A TTL given as duration string/seconds, or `system` (= 0, the system default). */
function ttl(name: string, value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value === 'system') return 0;
  return convert(name, 'duration', value) as number;
}

function optionalStrings(name: string, value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  return convert(name, 'comma-string-slice', value) as string[];
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return convert(name, 'string', value) as string;
}

/** Parses the `config` object of a mount request into a MountConfig (TTL sanity included). */
function mountConfigOf(
  table: MountTableKind,
  raw: Readonly<Record<string, unknown>>,
  systemMax: number,
): MountConfig {
  const defaultLeaseTtl = ttl('default_lease_ttl', raw['default_lease_ttl']) ?? 0;
  const maxLeaseTtl = ttl('max_lease_ttl', raw['max_lease_ttl']) ?? 0;
  if (maxLeaseTtl !== 0 && defaultLeaseTtl > maxLeaseTtl)
    throw bad('given default lease TTL greater than given max lease TTL');
  if (maxLeaseTtl > systemMax) throw bad('given max lease TTL greater than system max lease TTL');
  const listingVisibility = optionalString('listing_visibility', raw['listing_visibility']) ?? '';
  if (!LISTING_VISIBILITY.has(listingVisibility))
    throw bad(`invalid listing_visibility ${listingVisibility}`);
  const tokenType = optionalString('token_type', raw['token_type']) ?? '';
  if (tokenType !== '' && table !== 'auth') throw bad('token_type can only be modified on auth mounts');
  if (tokenType !== '' && !TOKEN_TYPES.has(tokenType)) throw bad(`invalid token type "${tokenType}"`);
  return Object.freeze({
    defaultLeaseTtl,
    maxLeaseTtl,
    forceNoCache:
      raw['force_no_cache'] === undefined
        ? false
        : (convert('force_no_cache', 'bool', raw['force_no_cache']) as boolean),
    listingVisibility,
    auditNonHmacRequestKeys:
      optionalStrings('audit_non_hmac_request_keys', raw['audit_non_hmac_request_keys']) ?? [],
    auditNonHmacResponseKeys:
      optionalStrings('audit_non_hmac_response_keys', raw['audit_non_hmac_response_keys']) ?? [],
    passthroughRequestHeaders:
      optionalStrings('passthrough_request_headers', raw['passthrough_request_headers']) ?? [],
    allowedResponseHeaders:
      optionalStrings('allowed_response_headers', raw['allowed_response_headers']) ?? [],
    tokenType:
      table === 'auth' ? (tokenType === '' || tokenType === 'default' ? 'default-service' : tokenType) : '',
    pluginVersion:
      optionalString('plugin_version', raw['plugin_version']) ?? DEFAULT_MOUNT_CONFIG.pluginVersion,
  });
}

function stringMap(name: string, value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  return convert(name, 'string-map', value) as Record<string, string>;
}

function tableData(backend: SysBackend, table: MountTableKind): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const entry of backend.mounts(table)) data[entry.path] = mountInfo(entry);
  return data;
}

function findEntry(backend: SysBackend, table: MountTableKind, path: string): MountEntry | undefined {
  return backend.mounts(table).find((e) => e.path === path);
}

/** `sys/mounts/auth/<path>/tune` addresses the auth table. */
function tuneTarget(table: MountTableKind, rawPath: string): { table: MountTableKind; path: string } {
  const path = sanitizeMountPath(rawPath);
  if (table === 'secret' && path.startsWith('auth/'))
    return { table: 'auth', path: path.slice('auth/'.length) };
  return { table, path };
}

function tuneInfo(backend: SysBackend, entry: MountEntry): Record<string, unknown> {
  const sys = backend.systemTtls();
  const c = entry.config;
  const data: Record<string, unknown> = {
    default_lease_ttl: c.defaultLeaseTtl === 0 ? sys.defaultLeaseTtl : c.defaultLeaseTtl,
    max_lease_ttl: c.maxLeaseTtl === 0 ? sys.maxLeaseTtl : c.maxLeaseTtl,
    force_no_cache: c.forceNoCache,
    description: entry.description,
  };
  if (entry.options !== null) data['options'] = { ...entry.options };
  if (c.listingVisibility !== '') data['listing_visibility'] = c.listingVisibility;
  if (c.auditNonHmacRequestKeys.length > 0)
    data['audit_non_hmac_request_keys'] = [...c.auditNonHmacRequestKeys];
  if (c.auditNonHmacResponseKeys.length > 0)
    data['audit_non_hmac_response_keys'] = [...c.auditNonHmacResponseKeys];
  if (c.passthroughRequestHeaders.length > 0)
    data['passthrough_request_headers'] = [...c.passthroughRequestHeaders];
  if (c.allowedResponseHeaders.length > 0) data['allowed_response_headers'] = [...c.allowedResponseHeaders];
  if (entry.table === 'auth') data['token_type'] = c.tokenType === '' ? 'default-service' : c.tokenType;
  if (c.pluginVersion !== '') data['plugin_version'] = c.pluginVersion;
  return data;
}

async function readTune(
  backend: SysBackend,
  table: MountTableKind,
  rawPath: string,
): Promise<LogicalResponse> {
  const target = tuneTarget(table, rawPath);
  const entry = findEntry(backend, target.table, target.path);
  if (entry === undefined)
    throw bad(`cannot fetch sysview for path "${target.table === 'auth' ? 'auth/' : ''}${target.path}"`);
  return { data: tuneInfo(backend, entry) };
}

async function writeTune(
  backend: SysBackend,
  table: MountTableKind,
  rawPath: string,
  req: LogicalRequest,
): Promise<undefined> {
  const target = tuneTarget(table, rawPath);
  const entry = findEntry(backend, target.table, target.path);
  if (entry === undefined)
    throw bad(`cannot tune "${target.table === 'auth' ? 'auth/' : ''}${target.path}": no mount at that path`);
  const d = req.data;
  const tokenType = optionalString('token_type', d['token_type']);
  if (tokenType !== undefined && tokenType !== '') {
    if (target.table !== 'auth') throw bad('token_type can only be modified on auth mounts');
    if (!TOKEN_TYPES.has(tokenType)) throw bad(`invalid token type "${tokenType}"`);
  }
  const listingVisibility = optionalString('listing_visibility', d['listing_visibility']);
  if (listingVisibility !== undefined && !LISTING_VISIBILITY.has(listingVisibility)) {
    throw bad(`invalid listing_visibility ${listingVisibility}`);
  }
  const tune: TuneRequest = {
    table: target.table,
    path: target.path,
    defaultLeaseTtl: ttl('default_lease_ttl', d['default_lease_ttl']),
    maxLeaseTtl: ttl('max_lease_ttl', d['max_lease_ttl']),
    description: optionalString('description', d['description']),
    options: stringMap('options', d['options']),
    listingVisibility,
    auditNonHmacRequestKeys: optionalStrings('audit_non_hmac_request_keys', d['audit_non_hmac_request_keys']),
    auditNonHmacResponseKeys: optionalStrings(
      'audit_non_hmac_response_keys',
      d['audit_non_hmac_response_keys'],
    ),
    passthroughRequestHeaders: optionalStrings(
      'passthrough_request_headers',
      d['passthrough_request_headers'],
    ),
    allowedResponseHeaders: optionalStrings('allowed_response_headers', d['allowed_response_headers']),
    tokenType: tokenType === '' ? undefined : tokenType === 'default' ? 'default-service' : tokenType,
  };
  await backend.tune(tune);
  return undefined;
}

async function enable(
  backend: SysBackend,
  table: MountTableKind,
  fields: FieldValues,
  req: LogicalRequest,
): Promise<undefined> {
  const path = sanitizeMountPath(String(fields['path'] ?? ''));
  if (path === '' || path === '/') throw bad('path cannot be blank');
  if (path.split('/').some((seg) => seg === '..' || seg === '.'))
    throw bad('path cannot contain "." or ".." segments');
  let type = String(fields['type'] ?? '').trim();
  if (type === '')
    throw bad(
      table === 'auth'
        ? 'backend type must be specified as a string'
        : 'backend type must be specified as a string',
    );
  let options = stringMap('options', req.data['options']) ?? null;
  if (table === 'secret' && (type === 'kv-v1' || type === 'kv-v2')) {
    options = { ...(options ?? {}), version: type === 'kv-v1' ? '1' : '2' };
    type = 'kv';
  }
  if (table === 'auth' && type === 'token') throw bad('token credential backend cannot be instantiated');
  if (!backend.mountable(table, type)) {
    if (['system', 'cubbyhole', 'identity', 'token'].includes(type))
      throw bad(`mount type of "${type}" is not mountable`);
    throw bad(`plugin not found in the catalog: ${type}`);
  }
  const rawConfig = req.data['config'];
  if (
    rawConfig !== undefined &&
    rawConfig !== null &&
    (typeof rawConfig !== 'object' || Array.isArray(rawConfig))
  ) {
    throw bad('invalid value for "config": expected an object');
  }
  const config = mountConfigOf(
    table,
    (rawConfig ?? {}) as Record<string, unknown>,
    backend.systemTtls().maxLeaseTtl,
  );
  await backend.mount({
    table,
    path,
    type,
    description: String(fields['description'] ?? ''),
    config,
    options,
    local: fields['local'] === true,
    sealWrap: fields['seal_wrap'] === true,
    externalEntropyAccess: fields['external_entropy_access'] === true,
  });
  return undefined;
}

const MOUNT_FIELDS = {
  path: { type: 'string', description: 'Mount path' },
  type: { type: 'string', description: 'Engine type' },
  description: { type: 'string', description: 'Human-friendly description' },
  config: { type: 'map', description: 'Mount configuration' },
  options: { type: 'string-map', description: 'Engine options' },
  local: { type: 'bool', default: false, description: 'Local to this cluster (not replicated)' },
  seal_wrap: { type: 'bool', default: false, description: 'Seal-wrap the mount' },
  external_entropy_access: { type: 'bool', default: false, description: 'External entropy access' },
  plugin_name: { type: 'string', description: 'Deprecated' },
  plugin_version: { type: 'string', description: 'Plugin version' },
} as const;

const TUNE_FIELDS = {
  path: { type: 'string', description: 'Mount path' },
  default_lease_ttl: { type: 'string', description: 'Default lease TTL' },
  max_lease_ttl: { type: 'string', description: 'Max lease TTL' },
  description: { type: 'string', description: 'Description' },
  options: { type: 'string-map', description: 'Engine options' },
  listing_visibility: { type: 'string', description: 'unauth, hidden or empty' },
  audit_non_hmac_request_keys: { type: 'comma-string-slice', description: 'Request keys not HMACed' },
  audit_non_hmac_response_keys: { type: 'comma-string-slice', description: 'Response keys not HMACed' },
  passthrough_request_headers: { type: 'comma-string-slice', description: 'Headers passed to the engine' },
  allowed_response_headers: { type: 'comma-string-slice', description: 'Headers the engine may set' },
  token_type: { type: 'string', description: 'Token type (auth mounts)' },
  force_no_cache: { type: 'bool', description: 'Disable caching' },
  plugin_version: { type: 'string', description: 'Plugin version' },
} as const;

/**
 * `sys/mounts`, `sys/mounts/:path`, `sys/mounts/:path/tune`, `sys/auth`, `sys/auth/:path`,
 * `sys/auth/:path/tune`, `sys/internal/ui/mounts` and `sys/internal/ui/mounts/:path`.
 */
export function sysMountPaths(backend: SysBackend): PathSpec[] {
  return [
    {
      pattern: 'mounts',
      fields: {},
      operations: { read: async () => ({ data: tableData(backend, 'secret') }) },
    },
    {
      pattern: 'mounts/(?<path>.+?)/tune/?',
      fields: TUNE_FIELDS,
      operations: {
        read: async (_req, f) => readTune(backend, 'secret', String(f['path'])),
        update: async (req, f) => writeTune(backend, 'secret', String(f['path']), req),
      },
    },
    {
      pattern: 'mounts/(?<path>.+)',
      fields: MOUNT_FIELDS,
      operations: {
        read: async (_req, f) => {
          const entry = findEntry(backend, 'secret', sanitizeMountPath(String(f['path'])));
          if (entry === undefined)
            throw bad(`No secret engine mount at ${sanitizeMountPath(String(f['path']))}`);
          return { data: mountInfo(entry) };
        },
        update: async (req, f) => enable(backend, 'secret', f, req),
        delete: async (_req, f) => {
          const path = sanitizeMountPath(String(f['path']));
          if (path === '') throw bad('path cannot be blank');
          await backend.unmount('secret', path);
          return undefined;
        },
      },
    },
    {
      pattern: 'auth',
      fields: {},
      operations: { read: async () => ({ data: tableData(backend, 'auth') }) },
    },
    {
      pattern: 'auth/(?<path>.+?)/tune/?',
      fields: TUNE_FIELDS,
      rootProtected: true,
      operations: {
        read: async (_req, f) => readTune(backend, 'auth', String(f['path'])),
        update: async (req, f) => writeTune(backend, 'auth', String(f['path']), req),
      },
    },
    {
      pattern: 'auth/(?<path>.+)',
      fields: MOUNT_FIELDS,
      rootProtected: true,
      operations: {
        read: async (_req, f) => {
          const entry = findEntry(backend, 'auth', sanitizeMountPath(String(f['path'])));
          if (entry === undefined) throw bad(`No auth engine at ${sanitizeMountPath(String(f['path']))}`);
          return { data: mountInfo(entry) };
        },
        update: async (req, f) => enable(backend, 'auth', f, req),
        delete: async (_req, f) => {
          const path = sanitizeMountPath(String(f['path']));
          if (path === '') throw bad('path cannot be blank');
          await backend.unmount('auth', path);
          return undefined;
        },
      },
    },
    {
      pattern: 'internal/ui/mounts',
      fields: {},
      unauthenticated: true,
      takesArbitraryInput: true,
      operations: {
        read: async (req) => {
          const result: Record<string, Record<string, unknown>> = { secret: {}, auth: {} };
          for (const table of ['secret', 'auth'] as const) {
            for (const entry of backend.mounts(table)) {
              const mountPoint = table === 'auth' ? `auth/${entry.path}` : entry.path;
              const target = result[table] as Record<string, unknown>;
              if (req.auth !== undefined && (await backend.hasMountAccess(req.auth, mountPoint))) {
                target[entry.path] = mountInfo(entry);
              } else if (entry.config.listingVisibility === 'unauth') {
                target[entry.path] = {
                  type: entry.type,
                  description: entry.description,
                  options: entry.options === null ? null : { ...entry.options },
                };
              }
            }
          }
          return { data: result };
        },
      },
    },
    {
      pattern: 'internal/ui/mounts/(?<path>.+)',
      fields: { path: { type: 'string', description: 'Path inside a mount' } },
      unauthenticated: true,
      takesArbitraryInput: true,
      operations: {
        read: async (req, f) => {
          const path = String(f['path']);
          const found = backend.mountFor(path);
          const denied = new CofferError(
            ErrorCode.PermissionDenied,
            `preflight capability check returned 403, please ensure client's policies grant access to path "${path.endsWith('/') ? path : `${path}/`}"`,
          );
          if (req.auth === undefined || found === undefined) throw denied;
          if (!(await backend.hasMountAccess(req.auth, found.mountPoint))) throw denied;
          return { data: { ...mountInfo(found.entry), path: found.entry.path } };
        },
      },
    },
  ];
}
