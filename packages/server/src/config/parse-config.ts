import {
  HclSyntaxError,
  parseHcl,
  parseJson,
  unfoldItems,
  type HclEntry,
  type HclFile,
  type HclObject,
  type SourcePosition,
} from '../hcl/index.js';
import { ConfigError } from './config-error.js';
import { closestKey, readBlocks, readBool, readDuration, readInt, readString } from './config-values.js';
import type {
  LogLevel,
  RaftStorageConfig,
  RetryJoinConfig,
  ServerConfig,
  StorageConfig,
  TcpListenerConfig,
  TelemetryConfig,
} from './server-config.js';

export type ConfigFormat = 'hcl' | 'json';

export interface ParseConfigOptions {
  /**
   * Environment variables that override the file, as in Vault: VAULT_API_ADDR,
   * VAULT_CLUSTER_ADDR, VAULT_RAFT_PATH, VAULT_RAFT_NODE_ID. Nothing is read from
   * `process.env` unless the caller passes it here.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const DEFAULT_LEASE_TTL = 768 * 3600;
const DEFAULT_MAX_REQUEST_SIZE = 32 * 1024 * 1024;
const DEFAULT_LISTENER_ADDRESS = '127.0.0.1:8200';

/** Vault settings Coffer recognises but does not implement: named in the error so users know why. */
const UNSUPPORTED_VAULT_KEYS = new Set([
  'ha_storage',
  'seal',
  'service_registration',
  'plugin_directory',
  'plugin_file_uid',
  'plugin_file_permissions',
  'cache_size',
  'disable_cache',
  'log_format',
  'log_file',
  'log_rotate_duration',
  'log_rotate_bytes',
  'log_rotate_max_files',
  'pid_file',
  'raw_storage_endpoint',
  'introspection_endpoint',
  'enable_response_header_hostname',
  'enable_response_header_raft_node_id',
  'default_max_request_duration',
  'disable_clustering',
  'disable_performance_standby',
  'disable_sealwrap',
  'disable_printable_check',
  'entropy',
  'experiments',
  'license_path',
  'user_lockout',
]);

/**
 * Parses and validates a server configuration (Vault's `vault server -config` format, HCL1 or
 * JSON) into a `ServerConfig` with every default applied. A document that starts with `{` is
 * JSON whatever `format` says (HCL1 decides the same way). Throws `ConfigError` with the
 * position of the offending key or value.
 */
export function parseConfig(
  text: string,
  file: string,
  format: ConfigFormat = 'hcl',
  options: ParseConfigOptions = {},
): ServerConfig {
  let ast: HclFile;
  const json = format === 'json' || text.trimStart().startsWith('{');
  try {
    ast = json ? parseJson(text, file) : parseHcl(text, file);
  } catch (err) {
    if (err instanceof HclSyntaxError) {
      throw new ConfigError(err.position, `invalid ${json ? 'JSON' : 'HCL'}: ${err.reason}`, { cause: err });
    }
    throw err;
  }
  return new ConfigBuilder(file, options.env ?? {}).build(ast.body);
}

type Handlers = Readonly<Record<string, (entry: HclEntry) => void>>;

/** Calls the handler for each entry of `block`; an unknown key is an error naming `where`. */
function eachEntry(block: HclObject, where: string, handlers: Handlers): void {
  for (const entry of unfoldItems(block)) {
    const name = entry.key.name;
    const handler = Object.prototype.hasOwnProperty.call(handlers, name) ? handlers[name] : undefined;
    if (handler === undefined) {
      const known = Object.keys(handlers);
      const hint = closestKey(name, known);
      let reason = `unknown key "${name}" ${where}`;
      if (where === 'at the top level' && UNSUPPORTED_VAULT_KEYS.has(name)) {
        reason = `"${name}" is a Vault setting that Coffer does not support`;
      } else if (hint !== undefined) {
        reason += ` (did you mean "${hint}"?)`;
      } else {
        reason += `; expected one of: ${known.join(', ')}`;
      }
      throw new ConfigError(entry.key.pos, reason);
    }
    handler(entry);
  }
}

/** The `type "…" { }` blocks under a key such as `storage` or `listener`: [type name, body]. */
function typedBlocks(entry: HclEntry): { type: string; pos: SourcePosition; body: HclObject }[] {
  const out: { type: string; pos: SourcePosition; body: HclObject }[] = [];
  for (const block of readBlocks(entry)) {
    const typed = unfoldItems(block);
    if (typed.length === 0) {
      throw new ConfigError(
        block.pos,
        `"${entry.key.name}" needs a type, e.g. ${entry.key.name} "${exampleType(entry.key.name)}" { ... }`,
      );
    }
    for (const t of typed) {
      if (t.value.kind !== 'object' && t.value.kind !== 'list') {
        throw new ConfigError(
          t.key.pos,
          `"${entry.key.name}" needs a type label, e.g. ${entry.key.name} "${exampleType(entry.key.name)}" { ... }`,
        );
      }
      for (const body of readBlocks(t)) out.push({ type: t.key.name, pos: t.key.pos, body });
    }
  }
  return out;
}

function exampleType(key: string): string {
  return key === 'listener' ? 'tcp' : 'raft';
}

function checkUrl(value: string, key: string, pos: SourcePosition): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      pos,
      `"${key}" must be a full URL such as "https://10.0.0.1:8200", got ${JSON.stringify(value)}`,
    );
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new ConfigError(
      pos,
      `"${key}" must be an http:// or https:// URL with a host, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function parseHostPort(value: string, key: string, pos: SourcePosition): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.%a-zA-Z]+\]|[^:[\]\s]*):([0-9]{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    throw new ConfigError(
      pos,
      `"${key}" must be host:port (e.g. "0.0.0.0:8200" or "[::]:8200"), got ${JSON.stringify(value)}`,
    );
  }
  return { host: m[1] ?? '', port };
}

function envPos(name: string): SourcePosition {
  return { file: `<env ${name}>`, line: 1, column: 1 };
}

class ConfigBuilder {
  private storage: { config: StorageConfig; pos: SourcePosition } | undefined;
  private readonly listeners: { config: TcpListenerConfig; pos: SourcePosition }[] = [];
  private apiAddr: string | undefined;
  private clusterAddr: string | undefined;
  private clusterName: string | undefined;
  private ui = false;
  private logLevel: LogLevel = 'info';
  private defaultLeaseTtl: { value: number; pos: SourcePosition } | undefined;
  private maxLeaseTtl: { value: number; pos: SourcePosition } | undefined;
  private disableMlock = false;
  private telemetry: TelemetryConfig | undefined;

  constructor(
    private readonly file: string,
    private readonly env: Readonly<Record<string, string | undefined>>,
  ) {}

  build(body: HclObject): ServerConfig {
    eachEntry(body, 'at the top level', {
      storage: (e) => this.storageBlocks(e),
      backend: (e) => this.storageBlocks(e),
      listener: (e) => this.listenerBlocks(e),
      api_addr: (e) => (this.apiAddr = checkUrl(readString(e), 'api_addr', e.value.pos)),
      cluster_addr: (e) => (this.clusterAddr = checkUrl(readString(e), 'cluster_addr', e.value.pos)),
      cluster_name: (e) => (this.clusterName = readString(e)),
      ui: (e) => (this.ui = readBool(e)),
      log_level: (e) => (this.logLevel = parseLogLevel(readString(e), e.value.pos)),
      default_lease_ttl: (e) => (this.defaultLeaseTtl = { value: readDuration(e), pos: e.value.pos }),
      max_lease_ttl: (e) => (this.maxLeaseTtl = { value: readDuration(e), pos: e.value.pos }),
      disable_mlock: (e) => (this.disableMlock = readBool(e)),
      telemetry: (e) => this.telemetryBlock(e),
    });

    const apiEnv = this.env['VAULT_API_ADDR'];
    if (apiEnv) this.apiAddr = checkUrl(apiEnv, 'VAULT_API_ADDR', envPos('VAULT_API_ADDR'));
    const clusterEnv = this.env['VAULT_CLUSTER_ADDR'];
    if (clusterEnv)
      this.clusterAddr = checkUrl(clusterEnv, 'VAULT_CLUSTER_ADDR', envPos('VAULT_CLUSTER_ADDR'));

    const top: SourcePosition = { file: this.file, line: 1, column: 1 };
    if (this.storage === undefined) {
      throw new ConfigError(
        top,
        'a storage block is required, e.g. storage "raft" { path = "/var/lib/coffer" node_id = "node1" }',
      );
    }
    if (this.listeners.length === 0) {
      throw new ConfigError(
        top,
        'at least one listener is required, e.g. listener "tcp" { address = "0.0.0.0:8200" tls_disable = true }',
      );
    }
    if (this.storage.config.type === 'raft' && this.clusterAddr === undefined) {
      throw new ConfigError(
        this.storage.pos,
        'raft storage requires "cluster_addr" (e.g. cluster_addr = "https://10.0.0.1:8201")',
      );
    }

    const defaultLeaseTtl = this.defaultLeaseTtl?.value ?? DEFAULT_LEASE_TTL;
    const maxLeaseTtl = this.maxLeaseTtl?.value ?? DEFAULT_LEASE_TTL;
    if (defaultLeaseTtl > maxLeaseTtl) {
      throw new ConfigError(
        this.defaultLeaseTtl?.pos ?? this.maxLeaseTtl?.pos ?? top,
        `default_lease_ttl (${defaultLeaseTtl}s) cannot be larger than max_lease_ttl (${maxLeaseTtl}s)`,
      );
    }

    return {
      file: this.file,
      storage: this.storage.config,
      listeners: this.listeners.map((l) => l.config),
      apiAddr: this.apiAddr,
      clusterAddr: this.clusterAddr,
      clusterName: this.clusterName,
      ui: this.ui,
      logLevel: this.logLevel,
      defaultLeaseTtl,
      maxLeaseTtl,
      disableMlock: this.disableMlock,
      telemetry: this.telemetry ?? {
        prometheusRetentionTime: 24 * 3600,
        disableHostname: false,
        unauthenticatedMetricsAccess: false,
      },
    };
  }

  private storageBlocks(entry: HclEntry): void {
    for (const { type, pos, body } of typedBlocks(entry)) {
      if (this.storage !== undefined) {
        throw new ConfigError(
          pos,
          `only one storage block is allowed (the first is at line ${this.storage.pos.line})`,
        );
      }
      const where = `in storage "${type}"`;
      let config: StorageConfig;
      switch (type) {
        case 'inmem':
          eachEntry(body, where, {});
          config = { type: 'inmem' };
          break;
        case 'file': {
          let path: string | undefined;
          eachEntry(body, where, { path: (e) => (path = nonEmpty(e)) });
          if (path === undefined) throw new ConfigError(pos, 'storage "file" requires "path"');
          config = { type: 'file', path };
          break;
        }
        case 'raft':
          config = this.raftStorage(body, pos, where);
          break;
        default:
          throw new ConfigError(
            pos,
            `unsupported storage type "${type}"; expected "raft", "file" or "inmem"`,
          );
      }
      this.storage = { config, pos };
    }
  }

  private raftStorage(body: HclObject, pos: SourcePosition, where: string): RaftStorageConfig {
    let path: string | undefined;
    let nodeId: string | undefined;
    const retryJoin: RetryJoinConfig[] = [];
    let performanceMultiplier = 0;
    let snapshotThreshold = 8192;
    let trailingLogs = 10000;
    let snapshotInterval = 120;
    let maxEntrySize = 1048576;
    let retryJoinAsNonVoter = false;
    eachEntry(body, where, {
      path: (e) => (path = nonEmpty(e)),
      node_id: (e) => (nodeId = nonEmpty(e)),
      retry_join: (e) => {
        for (const block of readBlocks(e)) retryJoin.push(parseRetryJoin(block));
      },
      performance_multiplier: (e) => (performanceMultiplier = readInt(e, { min: 0, max: 10 })),
      snapshot_threshold: (e) => (snapshotThreshold = readInt(e, { min: 1 })),
      trailing_logs: (e) => (trailingLogs = readInt(e, { min: 0 })),
      snapshot_interval: (e) => (snapshotInterval = readDuration(e)),
      max_entry_size: (e) => (maxEntrySize = readInt(e, { min: 1 })),
      retry_join_as_non_voter: (e) => (retryJoinAsNonVoter = readBool(e)),
    });
    const envPath = this.env['VAULT_RAFT_PATH'];
    if (envPath) path = envPath;
    const envNodeId = this.env['VAULT_RAFT_NODE_ID'];
    if (envNodeId) nodeId = envNodeId;
    if (path === undefined) throw new ConfigError(pos, 'storage "raft" requires "path" (or VAULT_RAFT_PATH)');
    return {
      type: 'raft',
      path,
      nodeId,
      retryJoin,
      performanceMultiplier: performanceMultiplier === 0 ? 5 : performanceMultiplier,
      snapshotThreshold,
      trailingLogs,
      snapshotInterval,
      maxEntrySize,
      retryJoinAsNonVoter,
    };
  }

  private listenerBlocks(entry: HclEntry): void {
    for (const { type, pos, body } of typedBlocks(entry)) {
      if (type !== 'tcp') throw new ConfigError(pos, `unsupported listener type "${type}"; expected "tcp"`);
      let address = DEFAULT_LISTENER_ADDRESS;
      let addressPos = pos;
      let clusterAddress: { value: string; pos: SourcePosition } | undefined;
      let tlsDisable = false;
      let tlsCertFile: string | undefined;
      let tlsKeyFile: string | undefined;
      let maxRequestSize = DEFAULT_MAX_REQUEST_SIZE;
      let unauthenticatedMetricsAccess = false;
      eachEntry(body, 'in listener "tcp"', {
        address: (e) => {
          address = readString(e);
          addressPos = e.value.pos;
        },
        cluster_address: (e) => (clusterAddress = { value: readString(e), pos: e.value.pos }),
        tls_disable: (e) => (tlsDisable = readBool(e)),
        tls_cert_file: (e) => (tlsCertFile = nonEmpty(e)),
        tls_key_file: (e) => (tlsKeyFile = nonEmpty(e)),
        max_request_size: (e) => {
          const n = readInt(e);
          maxRequestSize = n === 0 ? DEFAULT_MAX_REQUEST_SIZE : n;
        },
        telemetry: (e) => {
          for (const block of readBlocks(e)) {
            eachEntry(block, 'in listener "tcp" telemetry', {
              unauthenticated_metrics_access: (m) => (unauthenticatedMetricsAccess = readBool(m)),
            });
          }
        },
      });
      const { host, port } = parseHostPort(address, 'address', addressPos);
      let clusterAddressValue: string;
      if (clusterAddress !== undefined) {
        parseHostPort(clusterAddress.value, 'cluster_address', clusterAddress.pos);
        clusterAddressValue = clusterAddress.value;
      } else {
        if (port + 1 > 65535)
          throw new ConfigError(
            addressPos,
            'cannot derive cluster_address (port + 1) from this address; set "cluster_address"',
          );
        clusterAddressValue = `${host}:${port + 1}`;
      }
      if (!tlsDisable && (tlsCertFile === undefined || tlsKeyFile === undefined)) {
        throw new ConfigError(
          pos,
          'listener "tcp" has TLS enabled but no certificate: set "tls_cert_file" and "tls_key_file", or "tls_disable = true"',
        );
      }
      const clash = this.listeners.find((l) => l.config.address === address);
      if (clash !== undefined) {
        throw new ConfigError(
          addressPos,
          `listener address ${address} is already used by the listener at line ${clash.pos.line}`,
        );
      }
      this.listeners.push({
        pos,
        config: {
          type: 'tcp',
          address,
          clusterAddress: clusterAddressValue,
          tlsDisable,
          tlsCertFile,
          tlsKeyFile,
          maxRequestSize,
          unauthenticatedMetricsAccess,
        },
      });
    }
  }

  private telemetryBlock(entry: HclEntry): void {
    for (const block of readBlocks(entry)) {
      if (this.telemetry !== undefined)
        throw new ConfigError(entry.key.pos, 'only one telemetry block is allowed');
      let prometheusRetentionTime = 24 * 3600;
      let disableHostname = false;
      let unauthenticatedMetricsAccess = false;
      eachEntry(block, 'in telemetry', {
        prometheus_retention_time: (e) => (prometheusRetentionTime = readDuration(e)),
        disable_hostname: (e) => (disableHostname = readBool(e)),
        unauthenticated_metrics_access: (e) => (unauthenticatedMetricsAccess = readBool(e)),
      });
      this.telemetry = { prometheusRetentionTime, disableHostname, unauthenticatedMetricsAccess };
    }
  }
}

function nonEmpty(entry: HclEntry): string {
  const s = readString(entry);
  if (s === '') throw new ConfigError(entry.value.pos, `"${entry.key.name}" must not be empty`);
  return s;
}

function parseRetryJoin(block: HclObject): RetryJoinConfig {
  const fields: Record<string, string | undefined> = {};
  const str = (key: string) => (e: HclEntry) => (fields[key] = nonEmpty(e));
  eachEntry(block, 'in retry_join', {
    leader_api_addr: (e) =>
      (fields['leaderApiAddr'] = checkUrl(readString(e), 'leader_api_addr', e.value.pos)),
    leader_ca_cert_file: str('leaderCaCertFile'),
    leader_client_cert_file: str('leaderClientCertFile'),
    leader_client_key_file: str('leaderClientKeyFile'),
    leader_tls_servername: str('leaderTlsServername'),
    leader_ca_cert: str('leaderCaCert'),
    leader_client_cert: str('leaderClientCert'),
    leader_client_key: str('leaderClientKey'),
  });
  const leaderApiAddr = fields['leaderApiAddr'];
  if (leaderApiAddr === undefined) {
    throw new ConfigError(block.pos, 'retry_join requires "leader_api_addr" ("auto_join" is not supported)');
  }
  return {
    leaderApiAddr,
    leaderCaCertFile: fields['leaderCaCertFile'],
    leaderClientCertFile: fields['leaderClientCertFile'],
    leaderClientKeyFile: fields['leaderClientKeyFile'],
    leaderTlsServername: fields['leaderTlsServername'],
    leaderCaCert: fields['leaderCaCert'],
    leaderClientCert: fields['leaderClientCert'],
    leaderClientKey: fields['leaderClientKey'],
  };
}

/** Vault's log level names (logging.ParseLogLevel), including its aliases, case-insensitive. */
function parseLogLevel(value: string, pos: SourcePosition): LogLevel {
  switch (value.trim().toLowerCase()) {
    case 'trace':
      return 'trace';
    case 'debug':
      return 'debug';
    case 'info':
    case 'notice':
    case '':
      return 'info';
    case 'warn':
    case 'warning':
      return 'warn';
    case 'err':
    case 'error':
      return 'error';
    default:
      throw new ConfigError(
        pos,
        `unknown log_level ${JSON.stringify(value)}; expected trace, debug, info, warn or error`,
      );
  }
}
