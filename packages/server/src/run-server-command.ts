import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileBackend, InmemBackend, shareToBase64, type PhysicalBackend } from '@coffer/barrier';
import { pino, type Logger } from 'pino';
import {
  ConfigError,
  loadConfig,
  type LogLevel,
  type ServerConfig,
  type TcpListenerConfig,
} from './config/index.js';
import type { RaftStorageConfig, RetryJoinConfig } from './config/server-config.js';
import { HaBackend } from './ha/ha-backend.js';
import { HaNode } from './ha/ha-node.js';
import type { LeaderApiTarget } from './ha/leader-api-client.js';
import { SnapshotEndpoints, restoreFailpoint } from './ha/snapshot-endpoints.js';
import { StandbyRouter } from './ha/standby-router.js';
import { RaftFsm } from './raft-storage/index.js';
import { Core } from './core/core.js';
import { DEFAULT_MOUNT_CONFIG } from './router/mount-entry.js';
import { createApp } from './http/create-app.js';
import { Listener } from './http/listener.js';
import { Metrics, MetricsEndpoint, instrumentBarrier, metricsAuthorizer } from './metrics/index.js';

/** Where the command writes; the process streams by default (tests pass their own). */
export interface ServerCommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Resolves when the server should stop (default: first SIGINT or SIGTERM). */
  readonly shutdownSignal?: Promise<string>;
  /** Called once every listener is accepting connections, with their bound addresses. */
  readonly onReady?: (addresses: readonly string[]) => void;
}

interface ServerFlags {
  config: string | undefined;
  dev: boolean;
  devRootTokenId: string | undefined;
  devListenAddress: string;
  logLevel: LogLevel | undefined;
}

const USAGE = `Usage: coffer server [options]

  Starts a Coffer server that responds to API requests.

  -config=<path>              Path to an HCL or JSON configuration file.
  -dev                        Development mode: in-memory, unsealed, root token printed.
  -dev-root-token-id=<id>     Initial root token in dev mode.
  -dev-listen-address=<addr>  Address to bind in dev mode (default 127.0.0.1:8200).
  -log-level=<level>          trace, debug, info, warn or error.
`;

class FlagError extends Error {}

const LOG_LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error']);

/** Go-style flags: `-name=value`, `-name value`, `--name=value`, `--name value`; bools bare or `=true`. */
function parseFlags(args: readonly string[]): ServerFlags {
  const flags: ServerFlags = {
    config: undefined,
    dev: false,
    devRootTokenId: undefined,
    devListenAddress: '127.0.0.1:8200',
    logLevel: undefined,
  };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (!arg.startsWith('-') || arg === '-' || arg === '--')
      throw new FlagError(`unexpected argument "${arg}"`);
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const inline = eq < 0 ? undefined : body.slice(eq + 1);
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = args[i + 1];
      if (next === undefined) throw new FlagError(`flag needs an argument: -${name}`);
      i += 1;
      return next;
    };
    switch (name) {
      case 'config':
        flags.config = value();
        break;
      case 'dev':
        if (inline !== undefined && !['true', 'false', '1', '0'].includes(inline))
          throw new FlagError(`invalid boolean value "${inline}" for -dev`);
        flags.dev = inline === undefined || inline === 'true' || inline === '1';
        break;
      case 'dev-root-token-id':
        flags.devRootTokenId = value();
        break;
      case 'dev-listen-address':
        flags.devListenAddress = value();
        break;
      case 'log-level': {
        const level = value().toLowerCase();
        if (!LOG_LEVELS.has(level)) throw new FlagError(`invalid log level "${level}"`);
        flags.logLevel = level as LogLevel;
        break;
      }
      case 'h':
      case 'help':
        throw new FlagError('');
      default:
        throw new FlagError(`flag provided but not defined: -${name}`);
    }
  }
  return flags;
}

function defaultShutdownSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

async function openBackend(config: ServerConfig): Promise<{ backend: PhysicalBackend; type: string }> {
  const storage = config.storage;
  switch (storage.type) {
    case 'inmem':
      return { backend: new InmemBackend(), type: 'inmem' };
    case 'file':
      return { backend: await FileBackend.open({ path: storage.path }), type: 'file' };
    case 'raft': {
      await mkdir(storage.path, { recursive: true, mode: 0o700 });
      return { backend: new HaBackend(await RaftFsm.open({ dir: storage.path })), type: 'raft' };
    }
  }
}

/** The raft node id: configured, else the one generated at first start and kept in `<path>/node-id`. */
async function raftNodeId(storage: RaftStorageConfig): Promise<string> {
  if (storage.nodeId !== undefined) return storage.nodeId;
  const file = join(storage.path, 'node-id');
  try {
    const id = (await readFile(file, 'utf8')).trim();
    if (id !== '') return id;
  } catch {
    // First start: generate one below.
  }
  const id = `node-${randomBytes(6).toString('hex')}`;
  await writeFile(file, `${id}\n`, { mode: 0o600 });
  return id;
}

async function readPem(
  inline: string | undefined,
  file: string | undefined,
  what: string,
): Promise<string | undefined> {
  if (inline !== undefined) return inline;
  if (file === undefined) return undefined;
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : 'unreadable';
    throw new StartupError(`retry_join: cannot read ${what} ${file} (${code})`);
  }
}

async function retryJoinTarget(r: RetryJoinConfig): Promise<LeaderApiTarget> {
  const caCert = await readPem(r.leaderCaCert, r.leaderCaCertFile, 'leader_ca_cert_file');
  const clientCert = await readPem(r.leaderClientCert, r.leaderClientCertFile, 'leader_client_cert_file');
  const clientKey = await readPem(r.leaderClientKey, r.leaderClientKeyFile, 'leader_client_key_file');
  return {
    address: r.leaderApiAddr,
    ...(caCert === undefined ? {} : { caCert }),
    ...(clientCert === undefined ? {} : { clientCert }),
    ...(clientKey === undefined ? {} : { clientKey }),
    ...(r.leaderTlsServername === undefined ? {} : { tlsServerName: r.leaderTlsServername }),
  };
}

class StartupError extends Error {}

async function listenerTls(l: TcpListenerConfig): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  if (l.tlsDisable) return undefined;
  if (l.tlsCertFile === undefined || l.tlsKeyFile === undefined) {
    throw new StartupError(
      `listener "${l.address}": tls_cert_file and tls_key_file are required unless tls_disable = true`,
    );
  }
  try {
    return { cert: await readFile(l.tlsCertFile), key: await readFile(l.tlsKeyFile) };
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : 'unreadable';
    throw new StartupError(`listener "${l.address}": cannot read TLS certificate or key (${code})`);
  }
}

/**
 * `coffer server`: starts a node from `-config` (HCL or JSON) or in `-dev` mode, serves until
 * SIGINT/SIGTERM, then closes listeners, seals, closes storage. Resolves with the exit code:
 * 0 after a clean shutdown, 1 for flag, configuration or startup errors.
 */
export async function runServerCommand(args: string[], io?: ServerCommandIo): Promise<number> {
  const out = io?.stdout ?? process.stdout;
  const err = io?.stderr ?? process.stderr;
  let flags: ServerFlags;
  try {
    flags = parseFlags(args);
  } catch (e) {
    if (e instanceof FlagError) {
      if (e.message !== '') err.write(`${e.message}\n`);
      err.write(USAGE);
      return 1;
    }
    throw e;
  }
  // CVE-2021-38553: everything the server creates (LevelDB files, raft log and snapshots, audit
  // logs without an explicit mode) is private to its user: files 0600, directories 0700.
  process.umask(0o077);
  if (!flags.dev && flags.config === undefined) {
    err.write('At least one config path must be specified with -config\n');
    err.write(USAGE);
    return 1;
  }

  let config: ServerConfig | undefined;
  if (flags.config !== undefined && !flags.dev) {
    try {
      config = await loadConfig(flags.config, { env: process.env });
    } catch (e) {
      if (e instanceof ConfigError) {
        err.write(`Error loading configuration: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  }

  // Nothing logs headers or bodies; the redaction is a second line of defence.
  const logger: Logger = pino({
    level: flags.logLevel ?? config?.logLevel ?? 'info',
    base: { service: 'coffer' },
    redact: {
      paths: [
        'headers["x-vault-token"]',
        'headers.authorization',
        '*.token',
        '*.client_token',
        '*.clientToken',
        'token',
        'client_token',
      ],
      censor: '[redacted]',
    },
  });
  const listeners: Listener[] = [];
  let core: Core | undefined;
  let ha: HaNode | undefined;
  const shutdownSignal = io?.shutdownSignal ?? defaultShutdownSignal();
  try {
    const { backend, type } =
      config === undefined ? { backend: new InmemBackend(), type: 'inmem' } : await openBackend(config);
    // One metrics registry per process, handed to everything that records into it.
    const metrics = new Metrics();
    core = await Core.open({
      backend,
      logger,
      storageType: type,
      ...(config?.clusterName === undefined ? {} : { clusterName: config.clusterName }),
      defaultLeaseTtl: config?.defaultLeaseTtl ?? 768 * 3600,
      maxLeaseTtl: config?.maxLeaseTtl ?? 768 * 3600,
      ha: backend instanceof HaBackend,
      requestObserver: (operation, mount, seconds, ok) =>
        metrics.observeRequest(operation, mount, seconds, ok),
    });
    instrumentBarrier(core.barrier, metrics);
    const openedCore = core;
    metrics.attachSealState(() => openedCore.state);
    metrics.attachLeaseCounts(() => openedCore.leaseCounts());
    if (config !== undefined && config.storage.type === 'raft' && backend instanceof HaBackend) {
      const storage = config.storage;
      const firstListener = config.listeners[0];
      if (config.clusterAddr === undefined || firstListener === undefined)
        throw new StartupError('raft storage requires cluster_addr and a listener');
      ha = new HaNode({
        core,
        backend,
        logger,
        dir: storage.path,
        nodeId: await raftNodeId(storage),
        clusterAddr: config.clusterAddr,
        clusterBind: firstListener.clusterAddress,
        apiAddr: config.apiAddr ?? '',
        retryJoin: await Promise.all(storage.retryJoin.map(retryJoinTarget)),
        retryJoinAsNonVoter: storage.retryJoinAsNonVoter,
        performanceMultiplier: storage.performanceMultiplier,
        snapshotThreshold: storage.snapshotThreshold,
        trailingLogs: storage.trailingLogs,
        maxEntrySize: storage.maxEntrySize,
      });
      core.attachCluster(ha);
      const node = ha;
      metrics.attachRaft(() => node.raftNode?.status());
    }

    const listenerConfigs: {
      address: string;
      tls: { cert: Buffer; key: Buffer } | undefined;
      maxRequestSize: number;
      unauthenticatedMetricsAccess: boolean;
    }[] = [];
    if (config === undefined) {
      listenerConfigs.push({
        address: flags.devListenAddress,
        tls: undefined,
        maxRequestSize: 32 * 1024 * 1024,
        unauthenticatedMetricsAccess: false,
      });
    } else {
      for (const l of config.listeners) {
        listenerConfigs.push({
          address: l.address,
          tls: await listenerTls(l),
          maxRequestSize: l.maxRequestSize,
          unauthenticatedMetricsAccess:
            l.unauthenticatedMetricsAccess || config.telemetry.unauthenticatedMetricsAccess,
        });
      }
    }

    let dev: { unsealKey: string; rootToken: string } | undefined;
    if (flags.dev) {
      const init = await core.initialize({
        secretShares: 1,
        secretThreshold: 1,
        ...(flags.devRootTokenId === undefined ? {} : { rootTokenId: flags.devRootTokenId }),
      });
      const share = init.shares[0] as Uint8Array;
      await core.unseal(share);
      await core.mount({
        table: 'secret',
        path: 'secret/',
        type: 'kv',
        description: 'key/value secret storage',
        config: DEFAULT_MOUNT_CONFIG,
        options: { version: '2' },
        local: false,
        sealWrap: false,
        externalEntropyAccess: false,
      });
      dev = { unsealKey: shareToBase64(share), rootToken: init.rootToken };
    }

    const addresses: string[] = [];
    for (const l of listenerConfigs) {
      const forwarder = ha === undefined ? undefined : new StandbyRouter(ha);
      const streamed =
        ha === undefined || config?.storage.type !== 'raft'
          ? undefined
          : new SnapshotEndpoints({
              core,
              node: ha,
              ...(forwarder === undefined ? {} : { forwarder }),
              dir: config.storage.path,
              logger,
              ...restoreFailpoint(),
            });
      const app = createApp({
        handler: core,
        logger,
        maxRequestSize: l.maxRequestSize,
        ...(forwarder === undefined ? {} : { forwarder }),
        ...(streamed === undefined ? {} : { streamed }),
        metrics: new MetricsEndpoint({
          metrics,
          // Dev mode has no telemetry stanza: Prometheus on, with the config default (24h).
          prometheusRetentionTime: config?.telemetry.prometheusRetentionTime ?? 24 * 3600,
          unauthenticated: l.unauthenticatedMetricsAccess,
          authorize: metricsAuthorizer({ handler: core, ...(ha === undefined ? {} : { standby: ha }) }),
        }),
      });
      const listener = new Listener(
        { address: l.address, ...(l.tls === undefined ? {} : { tls: l.tls }) },
        app,
      );
      listeners.push(listener);
      const bound = await listener.listen();
      addresses.push(
        `${l.tls === undefined ? 'http' : 'https'}://${bound.host.includes(':') ? `[${bound.host}]` : bound.host}:${bound.port}`,
      );
    }
    out.write(
      `==> Coffer server configuration:\n\n` +
        `             Storage: ${type}\n` +
        addresses.map((a) => `            Listener: ${a}\n`).join('') +
        `             Version: Coffer ${'0.1.0'}\n\n==> Coffer server started! Log data will stream in below:\n\n`,
    );
    if (dev !== undefined)
      out.write(
        devModeBanner(addresses[0] ?? `http://${flags.devListenAddress}`, dev.unsealKey, dev.rootToken),
      );
    io?.onReady?.(addresses);
    ha?.startRetryJoin();
    // SIGHUP: reopen audit files (log rotation).
    const reopenCore = core;
    const onHangup = (): void => {
      logger.info({}, 'SIGHUP: reopening audit devices');
      reopenCore
        .reopenAuditDevices()
        .catch((e: unknown) =>
          logger.warn(
            { error_name: e instanceof Error ? e.name : typeof e },
            'reopening audit devices failed',
          ),
        );
    };
    process.on('SIGHUP', onHangup);

    // Expiry (leases, and a slow sweep of expired tokens without one) is the active runtime's
    // expiration manager's job: started on unseal/activation, stopped on seal/step-down.
    const signal = await shutdownSignal;
    process.off('SIGHUP', onHangup);
    logger.info({ signal }, 'shutting down');
    return await shutdown(listeners, core, logger, ha);
  } catch (e) {
    if (
      e instanceof StartupError ||
      (e instanceof Error && 'code' in e && (e.code === 'EADDRINUSE' || e.code === 'EACCES'))
    ) {
      err.write(`Error starting server: ${e.message}\n`);
    } else {
      err.write(`Error starting server: ${e instanceof Error ? e.name : 'unknown error'}\n`);
      logger.error(
        {
          error_name: e instanceof Error ? e.name : typeof e,
          stack:
            e instanceof Error
              ? e.stack
                  ?.split('\n')
                  .filter((l) => l.trimStart().startsWith('at '))
                  .join('\n')
              : undefined,
        },
        'startup failed',
      );
    }
    await shutdown(listeners, core, logger, ha);
    return 1;
  }
}

async function shutdown(
  listeners: readonly Listener[],
  core: Core | undefined,
  logger: Logger,
  ha?: HaNode,
): Promise<number> {
  let code = 0;
  if (ha !== undefined) {
    try {
      await ha.close();
    } catch (e) {
      logger.error({ error_name: e instanceof Error ? e.name : typeof e }, 'stopping raft failed');
      code = 1;
    }
  }
  for (const l of listeners) {
    try {
      await l.close();
    } catch {
      code = 1;
    }
  }
  if (core !== undefined) {
    try {
      await core.close();
    } catch (e) {
      logger.error({ error_name: e instanceof Error ? e.name : typeof e }, 'closing storage failed');
      code = 1;
    }
  }
  return code;
}

function devModeBanner(address: string, unsealKey: string, rootToken: string): string {
  return `WARNING! dev mode is enabled! In this mode, Coffer runs entirely in-memory
and starts unsealed with a single unseal key. The root token is already
authenticated, so you can immediately begin using Coffer.

You may need to set the following environment variables:

    $ export VAULT_ADDR='${address}'

The unseal key and root token are displayed below in case you want to
seal/unseal the Vault or re-authenticate.

Unseal Key: ${unsealKey}
Root Token: ${rootToken}

Development mode should NOT be used in production installations!

`;
}
