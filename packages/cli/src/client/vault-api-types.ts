/**
 * Shapes of the Vault HTTP API that the CLI and its client use (reference: vault-api.md
 * §1.3, §2, §5, §8). Field names are the wire names.
 */

/** `auth` block of a response (login, token create/renew). */
export interface VaultSecretAuth {
  readonly client_token: string;
  readonly accessor: string;
  readonly policies: readonly string[] | null;
  readonly token_policies?: readonly string[] | null;
  readonly identity_policies?: readonly string[] | null;
  readonly metadata: Readonly<Record<string, string>> | null;
  readonly lease_duration: number;
  readonly renewable: boolean;
  readonly entity_id?: string;
  readonly token_type?: string;
  readonly orphan?: boolean;
  readonly num_uses?: number;
  readonly mfa_requirement?: unknown;
}

/** `wrap_info` block of a response-wrapped answer. */
export interface VaultWrapInfo {
  readonly token: string;
  readonly accessor: string;
  readonly ttl: number;
  readonly creation_time: string;
  readonly creation_path: string;
  readonly wrapped_accessor?: string;
}

/** The response envelope of logical endpoints. */
export interface VaultSecret {
  readonly request_id: string;
  readonly lease_id: string;
  readonly lease_duration: number;
  readonly renewable: boolean;
  readonly data: Readonly<Record<string, unknown>> | null;
  readonly warnings: readonly string[] | null;
  readonly auth: VaultSecretAuth | null;
  readonly wrap_info: VaultWrapInfo | null;
  readonly mount_type?: string;
}

/** `GET sys/seal-status` and the answer of `PUT sys/unseal` (bare JSON). */
export interface SealStatus {
  readonly type: string;
  readonly initialized: boolean;
  readonly sealed: boolean;
  readonly t: number;
  readonly n: number;
  readonly progress: number;
  readonly nonce: string;
  readonly version: string;
  readonly build_date?: string;
  readonly migration: boolean;
  readonly cluster_name?: string;
  readonly cluster_id?: string;
  readonly recovery_seal: boolean;
  readonly storage_type?: string;
  readonly warnings?: readonly string[];
  readonly [extra: string]: unknown;
}

/** `GET sys/leader` (bare JSON). */
export interface LeaderStatus {
  readonly ha_enabled: boolean;
  readonly is_self: boolean;
  readonly active_time?: string;
  readonly leader_address: string;
  readonly leader_cluster_address: string;
  readonly performance_standby?: boolean;
  readonly performance_standby_last_remote_wal?: number;
  readonly last_wal?: number;
  readonly raft_committed_index?: number;
  readonly raft_applied_index?: number;
}

/** Body of `PUT sys/init`. */
export interface InitRequest {
  readonly secret_shares: number;
  readonly secret_threshold: number;
  readonly pgp_keys?: readonly string[];
  readonly root_token_pgp_key?: string;
  readonly recovery_shares?: number;
  readonly recovery_threshold?: number;
  readonly recovery_pgp_keys?: readonly string[];
}

/** Answer of `PUT sys/init`. */
export interface InitResponse {
  readonly keys: readonly string[];
  readonly keys_base64: readonly string[];
  readonly root_token: string;
  readonly recovery_keys?: readonly string[];
  readonly recovery_keys_base64?: readonly string[];
}

/** `GET sys/key-status`. */
export interface KeyStatus {
  readonly term: number;
  readonly install_time: string;
  readonly encryptions?: number;
}

/** Mount configuration as sent to `sys/mounts/:path` and `.../tune`. */
export interface MountConfigInput {
  readonly default_lease_ttl?: string;
  readonly max_lease_ttl?: string;
  readonly force_no_cache?: boolean;
  readonly description?: string;
  readonly audit_non_hmac_request_keys?: readonly string[];
  readonly audit_non_hmac_response_keys?: readonly string[];
  readonly listing_visibility?: string;
  readonly passthrough_request_headers?: readonly string[];
  readonly allowed_response_headers?: readonly string[];
  readonly plugin_version?: string;
  readonly options?: Readonly<Record<string, string>>;
  /** Auth mounts only: `default-service`, `default-batch`, `service` or `batch`. */
  readonly token_type?: string;
}

/** Body of `POST sys/mounts/:path`. */
export interface MountInput {
  readonly type: string;
  readonly description?: string;
  readonly config?: MountConfigInput;
  readonly options?: Readonly<Record<string, string>>;
  readonly local?: boolean;
  readonly seal_wrap?: boolean;
  readonly external_entropy_access?: boolean;
}

/** One entry of `GET sys/mounts`. */
export interface MountOutput {
  readonly type: string;
  readonly description: string;
  readonly accessor: string;
  readonly config: {
    readonly default_lease_ttl: number;
    readonly max_lease_ttl: number;
    readonly force_no_cache?: boolean;
    readonly [extra: string]: unknown;
  };
  readonly options: Readonly<Record<string, string>> | null;
  readonly local: boolean;
  readonly seal_wrap: boolean;
  readonly external_entropy_access?: boolean;
  readonly uuid?: string;
  readonly plugin_version?: string;
  readonly running_plugin_version?: string;
  readonly running_sha256?: string;
  readonly deprecation_status?: string;
  readonly [extra: string]: unknown;
}

/** Body of `POST auth/token/create`. */
export interface TokenCreateRequest {
  readonly id?: string;
  readonly policies?: readonly string[];
  readonly meta?: Readonly<Record<string, string>>;
  readonly no_parent?: boolean;
  readonly no_default_policy?: boolean;
  readonly ttl?: string;
  readonly explicit_max_ttl?: string;
  readonly period?: string;
  readonly display_name?: string;
  readonly num_uses?: number;
  readonly renewable?: boolean;
  readonly type?: string;
  readonly entity_alias?: string;
}

/** What the KV preflight (`sys/internal/ui/mounts/<path>`) tells the CLI. */
export interface KvMountInfo {
  /** The mount path with its trailing slash (`secret/`), or `''` when the server did not say. */
  readonly mountPath: string;
  readonly version: 1 | 2;
}

/** Body of `POST sys/storage/raft/join` (§3); the PEM fields hold contents, not paths. */
export interface RaftJoinRequest {
  readonly leader_api_addr: string;
  readonly retry: boolean;
  readonly non_voter: boolean;
  readonly leader_ca_cert?: string;
  readonly leader_client_cert?: string;
  readonly leader_client_key?: string;
  readonly leader_tls_servername?: string;
  readonly auto_join_scheme?: string;
  readonly auto_join_port?: number;
}

/** Answer of `POST sys/storage/raft/join` (bare JSON). */
export interface RaftJoinResponse {
  readonly joined: boolean;
}

/** One server of `GET sys/storage/raft/configuration` (`data.config.servers[]`). */
export interface RaftServer {
  readonly node_id: string;
  /** host:cluster_port */
  readonly address: string;
  readonly leader: boolean;
  readonly voter: boolean;
  readonly protocol_version?: string;
}

/** `data.config` of `GET sys/storage/raft/configuration`. */
export interface RaftConfiguration {
  readonly index?: number;
  readonly servers: readonly RaftServer[];
}

/** One server of the autopilot state (`data.servers[id]`), snake_case as on the wire. */
export interface AutopilotServer {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly node_status: string;
  /** A Go duration string (`516ms`). */
  readonly last_contact: string;
  readonly last_term: number;
  readonly last_index: number;
  readonly healthy: boolean;
  readonly stable_since: string;
  /** `leader`, `voter` or `non-voter`. */
  readonly status: string;
  readonly version?: string;
  readonly node_type?: string;
  readonly meta?: Readonly<Record<string, string>>;
  readonly [extra: string]: unknown;
}

/** `GET sys/storage/raft/autopilot/state` (`data`). */
export interface AutopilotState {
  readonly healthy: boolean;
  readonly failure_tolerance: number;
  readonly leader: string;
  readonly voters: readonly string[];
  readonly non_voters?: readonly string[];
  readonly servers: Readonly<Record<string, AutopilotServer>>;
  readonly optimistic_failure_tolerance?: number;
  readonly [extra: string]: unknown;
}

/** `GET sys/storage/raft/autopilot/configuration` (`data`); durations as Go strings (`10s`, `24h0m0s`). */
export interface AutopilotConfig {
  readonly cleanup_dead_servers: boolean;
  readonly last_contact_threshold: string;
  readonly dead_server_last_contact_threshold: string;
  readonly max_trailing_logs: number;
  readonly min_quorum: number;
  readonly server_stabilization_time: string;
  readonly disable_upgrade_migration: boolean;
}

/** Body of `POST sys/storage/raft/autopilot/configuration`: only the fields to change. */
export type AutopilotConfigInput = Partial<AutopilotConfig>;

/** Body of `PUT sys/audit/:path`. */
export interface AuditEnableInput {
  readonly type: string;
  readonly description?: string;
  readonly options?: Readonly<Record<string, string>>;
  readonly local?: boolean;
}

/** One entry of `GET sys/audit`. */
export interface AuditDevice {
  readonly type: string;
  readonly description: string;
  readonly options: Readonly<Record<string, string>> | null;
  readonly local: boolean;
  readonly path: string;
}

/** What `sys/leases/revoke*` should do (Vault's `RevokeOptions`). */
export interface LeaseRevokeOptions {
  readonly leaseId: string;
  /** `revoke-prefix/<id>`: every lease whose id starts with it. */
  readonly prefix?: boolean;
  /** `revoke-force/<id>`: prefix revocation ignoring backend errors (implies prefix). */
  readonly force?: boolean;
  /** Wait for the revocation instead of queueing it (sent as `sync`; not with force). */
  readonly sync?: boolean;
}
