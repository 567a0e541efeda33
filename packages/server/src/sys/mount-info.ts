import type { MountEntry } from '../router/mount-entry.js';

/** Version string reported for built-in plugins (Vault prints e.g. `v1.15.0+builtin.vault`). */
export const BUILTIN_PLUGIN_VERSION = 'v0.1.0+builtin.coffer';

/**
 * A mount as `sys/mounts`, `sys/auth` and `sys/internal/ui/mounts` show it (Vault's
 * `mountInfo`): TTLs as integer seconds (0 = system default), optional config keys only when
 * set, `token_type` for auth mounts.
 */
export function mountInfo(entry: MountEntry): Record<string, unknown> {
  const c = entry.config;
  const config: Record<string, unknown> = {
    default_lease_ttl: c.defaultLeaseTtl,
    max_lease_ttl: c.maxLeaseTtl,
    force_no_cache: c.forceNoCache,
  };
  if (c.listingVisibility !== '') config['listing_visibility'] = c.listingVisibility;
  if (c.auditNonHmacRequestKeys.length > 0)
    config['audit_non_hmac_request_keys'] = [...c.auditNonHmacRequestKeys];
  if (c.auditNonHmacResponseKeys.length > 0)
    config['audit_non_hmac_response_keys'] = [...c.auditNonHmacResponseKeys];
  if (c.passthroughRequestHeaders.length > 0)
    config['passthrough_request_headers'] = [...c.passthroughRequestHeaders];
  if (c.allowedResponseHeaders.length > 0) config['allowed_response_headers'] = [...c.allowedResponseHeaders];
  if (entry.table === 'auth') config['token_type'] = c.tokenType === '' ? 'default-service' : c.tokenType;
  return {
    type: entry.type,
    description: entry.description,
    accessor: entry.accessor,
    config,
    local: entry.local,
    seal_wrap: entry.sealWrap,
    external_entropy_access: entry.externalEntropyAccess,
    options: entry.options === null ? null : { ...entry.options },
    uuid: entry.uuid,
    plugin_version: c.pluginVersion,
    running_plugin_version: BUILTIN_PLUGIN_VERSION,
    running_sha256: '',
    deprecation_status: 'supported',
  };
}
