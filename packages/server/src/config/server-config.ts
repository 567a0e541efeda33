/**
 * The validated server configuration (`loadConfig`). All durations are whole seconds; every
 * default is filled in, so consumers never re-apply defaults.
 */
export interface ServerConfig {
  /** The file the configuration was read from. */
  readonly file: string;
  readonly storage: StorageConfig;
  /** At least one. */
  readonly listeners: readonly TcpListenerConfig[];
  /** Full URL clients are redirected to (`https://node1:8200`); undefined when not set. */
  readonly apiAddr: string | undefined;
  /** Full URL other nodes reach this node's cluster port on; required with raft storage. */
  readonly clusterAddr: string | undefined;
  readonly clusterName: string | undefined;
  /** Default false. */
  readonly ui: boolean;
  /** Default `info`. */
  readonly logLevel: LogLevel;
  /** Seconds; default 768h (2764800). */
  readonly defaultLeaseTtl: number;
  /** Seconds; default 768h (2764800). Never less than `defaultLeaseTtl`. */
  readonly maxLeaseTtl: number;
  /** Accepted for Vault compatibility; has no effect. Default false. */
  readonly disableMlock: boolean;
  readonly telemetry: TelemetryConfig;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export type StorageConfig = InmemStorageConfig | FileStorageConfig | RaftStorageConfig;

export interface InmemStorageConfig {
  readonly type: 'inmem';
}

export interface FileStorageConfig {
  readonly type: 'file';
  readonly path: string;
}

export interface RaftStorageConfig {
  readonly type: 'raft';
  /** Data directory. */
  readonly path: string;
  /** Raft server id; undefined means "generate one and persist it". */
  readonly nodeId: string | undefined;
  readonly retryJoin: readonly RetryJoinConfig[];
  /** 1 (fastest) to 10; an unset or 0 value is stored as 5, Vault's default. */
  readonly performanceMultiplier: number;
  /** Commits between snapshots; default 8192. */
  readonly snapshotThreshold: number;
  /** Log entries kept after a snapshot; default 10000. */
  readonly trailingLogs: number;
  /** Seconds between snapshot checks; default 120. */
  readonly snapshotInterval: number;
  /** Bytes; default 1048576. */
  readonly maxEntrySize: number;
  /** Default false. */
  readonly retryJoinAsNonVoter: boolean;
}

export interface RetryJoinConfig {
  /** `https://host:port` of a node to join through. */
  readonly leaderApiAddr: string;
  readonly leaderCaCertFile: string | undefined;
  readonly leaderClientCertFile: string | undefined;
  readonly leaderClientKeyFile: string | undefined;
  readonly leaderTlsServername: string | undefined;
  /** Inline PEM alternatives to the `*_file` settings. */
  readonly leaderCaCert: string | undefined;
  readonly leaderClientCert: string | undefined;
  readonly leaderClientKey: string | undefined;
}

export interface TcpListenerConfig {
  readonly type: 'tcp';
  /** `host:port`; default `127.0.0.1:8200`. */
  readonly address: string;
  /** `host:port`; default: `address` with the port plus one. */
  readonly clusterAddress: string;
  /** Default false: TLS is on and needs `tlsCertFile` and `tlsKeyFile`. */
  readonly tlsDisable: boolean;
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  /** Bytes; default 33554432 (32 MiB). Negative means no limit (as in Vault). */
  readonly maxRequestSize: number;
  /** From the listener's `telemetry { unauthenticated_metrics_access }`; default false. */
  readonly unauthenticatedMetricsAccess: boolean;
}

export interface TelemetryConfig {
  /** Seconds Prometheus metrics are retained; 0 disables the Prometheus endpoint. Default 24h (86400). */
  readonly prometheusRetentionTime: number;
  /** Default false. */
  readonly disableHostname: boolean;
  /** Serve `sys/metrics` without a token on every listener. Default false. */
  readonly unauthenticatedMetricsAccess: boolean;
}
