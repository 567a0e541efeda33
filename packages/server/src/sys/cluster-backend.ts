/** `sys/leader` of a raft node. */
export interface LeaderStatus {
  readonly isSelf: boolean;
  /** When the active node became active (RFC 3339); undefined when no active node is known. */
  readonly activeTime: Date | undefined;
  /** The active node's `api_addr` ('' when unknown). */
  readonly leaderAddress: string;
  /** The active node's `cluster_addr` as a URL ('' when unknown). */
  readonly leaderClusterAddress: string;
  readonly raftCommittedIndex: number;
  readonly raftAppliedIndex: number;
}

/** One entry of `sys/ha-status`. */
export interface HaNodeStatus {
  readonly hostname: string;
  readonly apiAddress: string;
  readonly clusterAddress: string;
  readonly activeNode: boolean;
  /** Last heartbeat from this standby; undefined for the active node. */
  readonly lastEcho: Date | undefined;
  readonly version: string;
}

/** A member in `sys/storage/raft/configuration`. */
export interface RaftServer {
  readonly nodeId: string;
  /** host:port of its cluster (raft) listener. */
  readonly address: string;
  readonly leader: boolean;
  readonly voter: boolean;
}

export interface RaftConfigurationStatus {
  readonly index: number;
  readonly servers: readonly RaftServer[];
}

/** `sys/storage/raft/join` on the joining node. PEM contents, not file names. */
export interface RaftJoinParams {
  /** Empty: use the configuration's `retry_join` stanzas. */
  readonly leaderApiAddr: string;
  readonly leaderCaCert?: string;
  readonly leaderClientCert?: string;
  readonly leaderClientKey?: string;
  readonly leaderTlsServername?: string;
  readonly retry: boolean;
  readonly nonVoter: boolean;
}

/** `sys/storage/raft/bootstrap/challenge` answer (wire names). */
export interface JoinChallenge {
  /** base64 of the challenge encrypted with the active node's seal access. */
  readonly challenge: string;
  readonly sealConfig: {
    readonly type: string;
    readonly secretShares: number;
    readonly secretThreshold: number;
  };
}

/** `sys/storage/raft/bootstrap/answer` request. */
export interface JoinAnswer {
  readonly serverId: string;
  readonly answer: Uint8Array;
  /** host:port (or URL) of the joining node's cluster listener. */
  readonly clusterAddr: string;
  /** The joining node's `api_addr` (Coffer extension; '' when not sent). */
  readonly apiAddr: string;
  readonly hostname: string;
  readonly nonVoter: boolean;
}

/** What the active node hands a node whose answer was right. */
export interface JoinAccepted {
  readonly peers: readonly {
    readonly id: string;
    readonly address: string;
    readonly suffrage: 'voter' | 'nonvoter';
  }[];
  /** The joining node's cluster TLS material: CA certificate, its certificate and key (a secret). */
  readonly tlsKeyring: { readonly ca_pem: string; readonly cert_pem: string; readonly key_pem: string };
  /** Raft index the joiner must have applied before its data is complete enough to unseal. */
  readonly index: number;
}

/** Autopilot settings (`sys/storage/raft/autopilot/configuration`); durations in seconds. */
export interface AutopilotConfig {
  readonly cleanupDeadServers: boolean;
  readonly lastContactThreshold: number;
  readonly deadServerLastContactThreshold: number;
  readonly maxTrailingLogs: number;
  readonly minQuorum: number;
  readonly serverStabilizationTime: number;
  readonly disableUpgradeMigration: boolean;
}

/**
 * HA and integrated-storage operations, for the `sys/` handlers (`sys/leader`, `sys/ha-status`,
 * `sys/step-down`, `sys/storage/raft/*`). Implemented by the HA node; absent on a node whose
 * storage is not raft.
 */
export interface ClusterBackend {
  leaderStatus(): Promise<LeaderStatus>;
  haStatus(): Promise<readonly HaNodeStatus[]>;
  /** Hands leadership to another voter (active node only). */
  stepDown(): Promise<void>;
  join(params: RaftJoinParams): Promise<void>;
  createChallenge(serverId: string): Promise<JoinChallenge>;
  acceptAnswer(answer: JoinAnswer): Promise<JoinAccepted>;
  configuration(): Promise<RaftConfigurationStatus>;
  removePeer(serverId: string): Promise<void>;
  /** The `data` of `sys/storage/raft/autopilot/state` (snake_case wire shape). */
  autopilotState(): Promise<Record<string, unknown>>;
  autopilotConfig(): Promise<AutopilotConfig>;
  setAutopilotConfig(patch: Partial<AutopilotConfig>): Promise<void>;
}
