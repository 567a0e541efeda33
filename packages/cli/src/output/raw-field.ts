import type { VaultSecret } from '../client/vault-api-types.js';

/**
 * The value `-field=<name>` selects from a response, as Vault resolves it: token fields from
 * the `auth` block, wrapping fields from `wrap_info`, envelope fields (`lease_id`,
 * `request_id`, ...), else the key in `data`. `data` gives KV v2's inner map when present.
 */
export function rawSecretField(secret: VaultSecret, field: string): unknown {
  const data = secret.data ?? {};
  if (secret.auth) {
    const auth = secret.auth;
    switch (field) {
      case 'token':
        return auth.client_token;
      case 'token_accessor':
        return auth.accessor;
      case 'token_duration':
        return auth.lease_duration;
      case 'token_renewable':
        return auth.renewable;
      case 'token_policies':
        return auth.token_policies;
      case 'identity_policies':
        return auth.identity_policies;
      case 'policies':
        return auth.policies;
      default:
        return data[field];
    }
  }
  if (secret.wrap_info) {
    const wrap = secret.wrap_info;
    switch (field) {
      case 'wrapping_token':
        return wrap.token;
      case 'wrapping_accessor':
        return wrap.accessor;
      case 'wrapping_token_ttl':
        return wrap.ttl;
      case 'wrapping_token_creation_time':
        return wrap.creation_time;
      case 'wrapping_token_creation_path':
        return wrap.creation_path;
      case 'wrapped_accessor':
        return wrap.wrapped_accessor;
      default:
        return data[field];
    }
  }
  switch (field) {
    case 'lease_duration':
    case 'refresh_interval':
      return secret.lease_duration;
    case 'lease_id':
      return secret.lease_id;
    case 'request_id':
      return secret.request_id;
    case 'renewable':
      return secret.renewable;
    case 'data':
      return 'data' in data ? data.data : secret.data;
    default:
      return data[field];
  }
}
