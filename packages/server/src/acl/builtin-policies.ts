import { parsePolicy } from './parse-policy.js';
import type { Policy } from './policy.js';

export const ROOT_POLICY_NAME = 'root';
export const DEFAULT_POLICY_NAME = 'default';
export const RESPONSE_WRAPPING_POLICY_NAME = 'response-wrapping';

/**
 * The `root` policy: it has no rules; an `ACL` holding it allows everything (and must hold
 * nothing else, as in Vault). It cannot be modified or deleted.
 */
export const ROOT_POLICY: Policy = { name: ROOT_POLICY_NAME, raw: '', paths: [], templated: false };

/**
 * The `default` policy: the path rules Vault's default policy grants, in our own layout. Written to storage
 * when a cluster is initialised and never overwritten afterwards: operators may edit it, but
 * not delete it.
 */
export const DEFAULT_POLICY_TEXT = `
# Coffer's default policy: the same path rules Vault's default policy grants,
# so tokens behave the same under either server.

# Self-service on the token itself
path "auth/token/lookup-self" {
  capabilities = ["read"]
}
path "auth/token/renew-self" {
  capabilities = ["update"]
}
path "auth/token/revoke-self" {
  capabilities = ["update"]
}
path "sys/capabilities-self" {
  capabilities = ["update"]
}

# The caller's own identity entity
path "identity/entity/id/{{identity.entity.id}}" {
  capabilities = ["read"]
}
path "identity/entity/name/{{identity.entity.name}}" {
  capabilities = ["read"]
}

# The caller's combined ACL, for user interfaces
path "sys/internal/ui/resultant-acl" {
  capabilities = ["read"]
}

# Lease renewal (legacy and current paths) and lookup by lease id
path "sys/renew" {
  capabilities = ["update"]
}
path "sys/leases/renew" {
  capabilities = ["update"]
}
path "sys/leases/lookup" {
  capabilities = ["update"]
}

# The caller's private cubbyhole
path "cubbyhole/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

# Response wrapping: wrap, look up and unwrap
path "sys/wrapping/wrap" {
  capabilities = ["update"]
}
path "sys/wrapping/lookup" {
  capabilities = ["update"]
}
path "sys/wrapping/unwrap" {
  capabilities = ["update"]
}

# Hashing tool
path "sys/tools/hash" {
  capabilities = ["update"]
}
path "sys/tools/hash/*" {
  capabilities = ["update"]
}

# Control group status checks
path "sys/control-group/request" {
  capabilities = ["update"]
}

# OIDC provider authorization endpoint
path "identity/oidc/provider/+/authorize" {
  capabilities = ["read", "update"]
}
`;

/**
 * The internal, immutable policy of response-wrapping tokens: read/create the wrapped response
 * in their own cubbyhole and unwrap (vault/policy_store.go).
 */
export const RESPONSE_WRAPPING_POLICY_TEXT = `
path "cubbyhole/response" {
    capabilities = ["create", "read"]
}

path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}
`;

/** The parsed `default` policy as shipped. */
export function defaultPolicy(): Policy {
  return parsePolicy(DEFAULT_POLICY_NAME, DEFAULT_POLICY_TEXT);
}

/** The parsed `response-wrapping` policy. */
export function responseWrappingPolicy(): Policy {
  return parsePolicy(RESPONSE_WRAPPING_POLICY_NAME, RESPONSE_WRAPPING_POLICY_TEXT);
}
