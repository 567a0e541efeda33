import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import { formatGoDuration } from '../logical/go-duration.js';
import type { LogicalResponse } from '../logical/logical-response.js';
import type { FieldValues, PathSpec } from '../logical/path-spec.js';
import type { AutopilotConfig } from './cluster-backend.js';
import { requireCluster } from './sys-ha-paths.js';
import type { SysBackend } from './sys-backend.js';

const bad = (message: string): CofferError => new CofferError(ErrorCode.BadRequest, message);

function bare(body: unknown, status = 200): LogicalResponse {
  return { raw: { status, contentType: 'application/json', body: JSON.stringify(body) } };
}

function optionalString(fields: FieldValues, name: string): string | undefined {
  const v = fields[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Integrated storage (§3): `storage/raft/join` (on the joining node, before init; bare JSON),
 * `bootstrap/challenge` and `bootstrap/answer` (unauthenticated, on the active node),
 * `configuration`, `remove-peer`, `autopilot/state` and `autopilot/configuration`.
 */
export function sysRaftPaths(backend: SysBackend): PathSpec[] {
  return [
    {
      pattern: 'storage/raft/join',
      unauthenticated: true,
      fields: {
        leader_api_addr: { type: 'string' },
        retry: { type: 'bool' },
        non_voter: { type: 'bool' },
        leader_ca_cert: { type: 'string' },
        leader_client_cert: { type: 'string' },
        leader_client_key: { type: 'string' },
        leader_tls_servername: { type: 'string' },
        auto_join: { type: 'string' },
        auto_join_scheme: { type: 'string' },
        auto_join_port: { type: 'int' },
      },
      operations: {
        update: async (_req, f) => {
          if (optionalString(f, 'auto_join') !== undefined)
            throw bad('auto_join is not supported; give leader_api_addr');
          const scheme = optionalString(f, 'auto_join_scheme');
          if (scheme !== undefined && scheme !== 'http' && scheme !== 'https')
            throw bad(`invalid scheme "${scheme}"; must either be http or https`);
          const leaderCaCert = optionalString(f, 'leader_ca_cert');
          const leaderClientCert = optionalString(f, 'leader_client_cert');
          const leaderClientKey = optionalString(f, 'leader_client_key');
          const leaderTlsServername = optionalString(f, 'leader_tls_servername');
          await requireCluster(backend).join({
            leaderApiAddr: typeof f['leader_api_addr'] === 'string' ? f['leader_api_addr'].trim() : '',
            retry: f['retry'] === true,
            nonVoter: f['non_voter'] === true,
            ...(leaderCaCert === undefined ? {} : { leaderCaCert }),
            ...(leaderClientCert === undefined ? {} : { leaderClientCert }),
            ...(leaderClientKey === undefined ? {} : { leaderClientKey }),
            ...(leaderTlsServername === undefined ? {} : { leaderTlsServername }),
          });
          return bare({ joined: true });
        },
      },
    },
    {
      pattern: 'storage/raft/bootstrap/challenge',
      unauthenticated: true,
      fields: { server_id: { type: 'string' } },
      operations: {
        update: async (_req, f) => {
          const serverId = String(f['server_id'] ?? '').trim();
          if (serverId === '') throw bad('no server id provided');
          const c = await requireCluster(backend).createChallenge(serverId);
          return {
            data: {
              challenge: c.challenge,
              seal_config: {
                type: c.sealConfig.type,
                secret_shares: c.sealConfig.secretShares,
                secret_threshold: c.sealConfig.secretThreshold,
              },
            },
          };
        },
      },
    },
    {
      pattern: 'storage/raft/bootstrap/answer',
      unauthenticated: true,
      fields: {
        server_id: { type: 'string' },
        answer: { type: 'string' },
        cluster_addr: { type: 'string' },
        api_addr: { type: 'string' },
        hostname: { type: 'string' },
        non_voter: { type: 'bool' },
      },
      operations: {
        update: async (_req, f) => {
          const serverId = String(f['server_id'] ?? '').trim();
          if (serverId === '') throw bad('no server id provided');
          const answer = String(f['answer'] ?? '');
          if (answer === '' || !BASE64.test(answer)) throw bad('no answer provided, or it is not base64');
          const clusterAddr = String(f['cluster_addr'] ?? '').trim();
          if (clusterAddr === '') throw bad('no cluster_addr provided');
          const accepted = await requireCluster(backend).acceptAnswer({
            serverId,
            answer: Buffer.from(answer, 'base64'),
            clusterAddr,
            apiAddr: String(f['api_addr'] ?? ''),
            hostname: String(f['hostname'] ?? ''),
            nonVoter: f['non_voter'] === true,
          });
          return {
            data: {
              peers: accepted.peers.map((p) => ({ id: p.id, address: p.address, suffrage: p.suffrage })),
              tls_keyring: accepted.tlsKeyring,
              index: accepted.index,
            },
          };
        },
      },
    },
    {
      pattern: 'storage/raft/configuration',
      fields: {},
      operations: {
        read: async () => {
          const c = await requireCluster(backend).configuration();
          return {
            data: {
              config: {
                index: c.index,
                servers: c.servers.map((s) => ({
                  node_id: s.nodeId,
                  address: s.address,
                  leader: s.leader,
                  voter: s.voter,
                  protocol_version: '3',
                })),
              },
            },
          };
        },
      },
    },
    {
      pattern: 'storage/raft/remove-peer',
      fields: { server_id: { type: 'string' }, dr_operation_token: { type: 'string' } },
      operations: {
        update: async (_req, f) => {
          const serverId = String(f['server_id'] ?? '').trim();
          if (serverId === '') throw bad('no server id provided');
          await requireCluster(backend).removePeer(serverId);
          return undefined;
        },
      },
    },
    {
      pattern: 'storage/raft/autopilot/state',
      fields: {},
      operations: {
        read: async () => ({ data: await requireCluster(backend).autopilotState() }),
      },
    },
    {
      pattern: 'storage/raft/autopilot/configuration',
      fields: {
        cleanup_dead_servers: { type: 'bool' },
        last_contact_threshold: { type: 'duration' },
        dead_server_last_contact_threshold: { type: 'duration' },
        max_trailing_logs: { type: 'int' },
        min_quorum: { type: 'int' },
        server_stabilization_time: { type: 'duration' },
        disable_upgrade_migration: { type: 'bool' },
      },
      operations: {
        read: async () => ({ data: autopilotConfigData(await requireCluster(backend).autopilotConfig()) }),
        update: async (req, f) => {
          const patch: { -readonly [K in keyof AutopilotConfig]?: AutopilotConfig[K] } = {};
          const has = (k: string): boolean => Object.hasOwn(req.data, k);
          if (has('cleanup_dead_servers')) patch.cleanupDeadServers = f['cleanup_dead_servers'] === true;
          if (has('last_contact_threshold')) patch.lastContactThreshold = Number(f['last_contact_threshold']);
          if (has('dead_server_last_contact_threshold'))
            patch.deadServerLastContactThreshold = Number(f['dead_server_last_contact_threshold']);
          if (has('max_trailing_logs')) patch.maxTrailingLogs = Number(f['max_trailing_logs']);
          if (has('min_quorum')) patch.minQuorum = Number(f['min_quorum']);
          if (has('server_stabilization_time'))
            patch.serverStabilizationTime = Number(f['server_stabilization_time']);
          if (has('disable_upgrade_migration'))
            patch.disableUpgradeMigration = f['disable_upgrade_migration'] === true;
          await requireCluster(backend).setAutopilotConfig(patch);
          return undefined;
        },
      },
    },
  ];
}

/** The wire shape: snake_case, durations as Go duration strings ("10s", "24h0m0s"). */
export function autopilotConfigData(c: AutopilotConfig): Record<string, unknown> {
  return {
    cleanup_dead_servers: c.cleanupDeadServers,
    last_contact_threshold: formatGoDuration(c.lastContactThreshold),
    dead_server_last_contact_threshold: formatGoDuration(c.deadServerLastContactThreshold),
    max_trailing_logs: c.maxTrailingLogs,
    min_quorum: c.minQuorum,
    server_stabilization_time: formatGoDuration(c.serverStabilizationTime),
    disable_upgrade_migration: c.disableUpgradeMigration,
  };
}
