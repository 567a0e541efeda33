import type { WrapInfo } from '../wrapping/wrap-info.js';

/** Auth block returned by login and token-create endpoints (Vault's `auth` member). */
export interface AuthResponse {
  readonly client_token: string;
  readonly accessor: string;
  readonly policies: readonly string[];
  readonly token_policies: readonly string[];
  readonly identity_policies?: readonly string[];
  readonly metadata: Readonly<Record<string, string>> | null;
  readonly lease_duration: number;
  readonly renewable: boolean;
  readonly entity_id: string;
  readonly token_type: 'service' | 'batch';
  readonly orphan: boolean;
  readonly mfa_requirement: null;
  readonly num_uses: number;
}

/**
 * A secret lease attached to a response. Engines return `leaseId: ''` and the TTL they want; the
 * pipeline registers the lease (outside KV mounts, whose TTL is advisory) and fills in the ID.
 */
export interface SecretLease {
  readonly leaseId: string;
  readonly leaseDuration: number;
  readonly renewable: boolean;
  /** Seconds from issue; only ever shortens the mount's max lease TTL. */
  readonly maxTtl?: number;
  /** Kept with the lease (barrier-encrypted) and handed back to the engine's revoke/renew. */
  readonly internalData?: Readonly<Record<string, unknown>>;
}

/**
 * What an engine returns. The HTTP layer wraps it in Vault's envelope; with neither data,
 * auth nor warnings it answers 204.
 */
export interface LogicalResponse {
  readonly data?: Readonly<Record<string, unknown>>;
  readonly auth?: AuthResponse;
  readonly secret?: SecretLease;
  readonly warnings?: readonly string[];
  /**
   * Set when the response was wrapped (`X-Vault-Wrap-TTL`): the client gets only this, the
   * original response waits in the wrapping token's cubbyhole.
   */
  readonly wrapInfo?: WrapInfo;
  /**
   * Status of an enveloped response (default 200): 202 for work accepted to run in the
   * background (tidy), 404 for Vault's not-found answers that carry a warning.
   */
  readonly status?: number;
  /**
   * Bypass the envelope entirely: status, content type and body as given (bare JSON sys
   * endpoints such as sys/health, metrics, raw KV v2 soft-delete 404s).
   */
  readonly raw?: {
    readonly status: number;
    readonly contentType: string;
    readonly body: string | Uint8Array;
  };
}
