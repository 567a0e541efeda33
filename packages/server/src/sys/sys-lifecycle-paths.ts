import { parseShare, shareToBase64, shareToHex, BarrierError } from '@coffer/barrier';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { LogicalResponse } from '../logical/logical-response.js';
import type { PathSpec } from '../logical/path-spec.js';
import type { NodeStatus, SysBackend } from './sys-backend.js';

/** Paths the core serves even while sealed or uninitialized (mount-relative to `sys/`). */
export const SEALED_PATHS: ReadonlySet<string> = new Set([
  'init',
  'seal-status',
  'unseal',
  'health',
  'leader',
  'storage/raft/join',
]);

const ZERO_TIME = '0001-01-01T00:00:00Z';

function bare(body: unknown, status = 200): LogicalResponse {
  return { raw: { status, contentType: 'application/json', body: JSON.stringify(body) } };
}

/** Body fields matched case-insensitively, as Go's encoding/json does for untagged structs. */
function field(data: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(data, name)) return data[name];
  const key = Object.keys(data).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : data[key];
}

function intField(data: Readonly<Record<string, unknown>>, name: string): number {
  const v = field(data, name);
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  throw new CofferError(ErrorCode.BadRequest, `failed to parse JSON input: "${name}" must be an integer`);
}

function boolField(data: Readonly<Record<string, unknown>>, name: string): boolean {
  const v = field(data, name);
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  throw new CofferError(ErrorCode.BadRequest, `failed to parse JSON input: "${name}" must be a boolean`);
}

function nonEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  return !(Array.isArray(v) && v.length === 0);
}

/** The `sys/seal-status` object (Vault's SealStatusResponse). */
export function sealStatusBody(s: NodeStatus): Record<string, unknown> {
  const body: Record<string, unknown> = {
    type: s.seal.type,
    initialized: s.initialized,
    sealed: s.sealed,
    t: s.seal.t,
    n: s.seal.n,
    progress: s.seal.progress,
    nonce: s.seal.nonce,
    version: s.version,
    build_date: s.buildDate,
    migration: false,
    recovery_seal: false,
    storage_type: s.storageType,
    removed_from_cluster: false,
  };
  if (!s.sealed) {
    body['cluster_name'] = s.clusterName;
    body['cluster_id'] = s.clusterId;
  }
  return body;
}

const HEALTH_CODES = [
  'activecode',
  'standbycode',
  'drsecondarycode',
  'performancestandbycode',
  'sealedcode',
  'uninitcode',
  'haunhealthycode',
  'removedcode',
] as const;

function healthCode(data: Readonly<Record<string, unknown>>, name: string, fallback: number): number {
  const raw = data[name];
  const text = Array.isArray(raw) ? String(raw[0]) : raw === undefined ? undefined : String(raw);
  if (text === undefined || text === '') return fallback;
  if (!/^[+-]?\d+$/.test(text))
    throw new CofferError(ErrorCode.BadRequest, `unable to parse ${name} value: invalid integer`);
  const code = Number(text);
  if (code < 200 || code > 999) throw new CofferError(ErrorCode.BadRequest, `invalid ${name} value: ${code}`);
  return code;
}

function queryBool(data: Readonly<Record<string, unknown>>, name: string): boolean {
  const raw = data[name];
  const text = Array.isArray(raw) ? String(raw[0]) : raw === undefined ? '' : String(raw);
  if (text === '') return false;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw new CofferError(ErrorCode.BadRequest, `unable to parse ${name} value: invalid boolean`);
}

/**
 * `sys/init`, `sys/unseal`, `sys/seal`, `sys/seal-status`, `sys/health`, `sys/leader`: bare JSON
 * (no envelope), as Vault's non-logical handlers answer.
 */
export function sysLifecyclePaths(backend: SysBackend): PathSpec[] {
  return [
    {
      pattern: 'init',
      fields: {},
      unauthenticated: true,
      takesArbitraryInput: true,
      operations: {
        read: async () => bare({ initialized: backend.status().initialized }),
        update: async (req) => {
          const d = req.data;
          if (nonEmpty(field(d, 'pgp_keys')) || nonEmpty(field(d, 'root_token_pgp_key'))) {
            throw new CofferError(
              ErrorCode.BadRequest,
              'PGP-encrypted unseal keys and root tokens are not supported',
            );
          }
          const recovery = ['recovery_shares', 'recovery_threshold'].filter((k) => intField(d, k) !== 0);
          if (recovery.length > 0 || nonEmpty(field(d, 'recovery_pgp_keys'))) {
            throw new CofferError(
              ErrorCode.BadRequest,
              `parameters ${recovery.join(',') || 'recovery_pgp_keys'} not applicable to seal type shamir`,
            );
          }
          const result = await backend.initialize({
            secretShares: intField(d, 'secret_shares'),
            secretThreshold: intField(d, 'secret_threshold'),
          });
          return bare({
            keys: result.shares.map(shareToHex),
            keys_base64: result.shares.map(shareToBase64),
            root_token: result.rootToken,
          });
        },
      },
    },
    {
      pattern: 'seal-status',
      fields: {},
      unauthenticated: true,
      takesArbitraryInput: true,
      operations: {
        read: async () => bare(sealStatusBody(backend.status())),
      },
    },
    {
      pattern: 'unseal',
      fields: {},
      unauthenticated: true,
      takesArbitraryInput: true,
      operations: {
        update: async (req) => {
          const d = req.data;
          const key = field(d, 'key');
          if (boolField(d, 'reset')) {
            if (!backend.status().initialized)
              throw new CofferError(ErrorCode.BadRequest, 'Vault is not initialized');
            backend.resetUnseal();
            return bare(sealStatusBody(backend.status()));
          }
          if (key === undefined || key === null || key === '') {
            throw new CofferError(
              ErrorCode.BadRequest,
              "'key' must be specified in request body as JSON, or 'reset' set to true",
            );
          }
          if (typeof key !== 'string')
            throw new CofferError(ErrorCode.BadRequest, "'key' must be a valid hex or base64 string");
          if (!backend.status().initialized)
            throw new CofferError(ErrorCode.BadRequest, 'Vault is not initialized');
          let share: Uint8Array;
          try {
            share = parseShare(key);
          } catch (err) {
            if (BarrierError.is(err))
              throw new CofferError(ErrorCode.BadRequest, "'key' must be a valid hex or base64 string");
            throw err;
          }
          try {
            await backend.unseal(share);
          } finally {
            share.fill(0);
          }
          return bare(sealStatusBody(backend.status()));
        },
      },
    },
    {
      pattern: 'seal',
      fields: {},
      rootProtected: true,
      operations: {
        update: async () => {
          await backend.seal();
          return undefined;
        },
      },
    },
    {
      pattern: 'health',
      fields: {},
      unauthenticated: true,
      takesArbitraryInput: true,
      operations: {
        read: async (req) => {
          const d = req.data;
          const codes = Object.fromEntries(HEALTH_CODES.map((c) => [c, 0])) as Record<
            (typeof HEALTH_CODES)[number],
            number
          >;
          const defaults: Record<(typeof HEALTH_CODES)[number], number> = {
            activecode: 200,
            standbycode: 429,
            drsecondarycode: 472,
            performancestandbycode: 473,
            sealedcode: 503,
            uninitcode: 501,
            haunhealthycode: 474,
            removedcode: 530,
          };
          for (const name of HEALTH_CODES) codes[name] = healthCode(d, name, defaults[name]);
          const standbyOk = queryBool(d, 'standbyok');
          queryBool(d, 'perfstandbyok');
          const s = backend.status();
          let status: number;
          if (!s.initialized) status = codes.uninitcode;
          else if (s.sealed) status = codes.sealedcode;
          else if (s.standby) status = standbyOk ? codes.activecode : codes.standbycode;
          else status = codes.activecode;
          const body: Record<string, unknown> = {
            initialized: s.initialized,
            sealed: s.sealed,
            standby: s.standby,
            performance_standby: false,
            replication_performance_mode: 'disabled',
            replication_dr_mode: 'disabled',
            server_time_utc: Math.floor(Date.now() / 1000),
            version: s.version,
            enterprise: false,
            echo_duration_ms: 0,
            clock_skew_ms: 0,
            replication_primary_canary_age_ms: 0,
            removed_from_cluster: false,
          };
          if (!s.sealed) {
            body['cluster_name'] = s.clusterName;
            body['cluster_id'] = s.clusterId;
          }
          return bare(body, status);
        },
      },
    },
    {
      pattern: 'leader',
      fields: {},
      unauthenticated: true,
      takesArbitraryInput: true,
      operations: {
        read: async () => {
          const s = backend.status();
          if (s.sealed) throw new CofferError(ErrorCode.Sealed, 'Vault is sealed');
          const cluster = backend.cluster;
          if (cluster !== undefined) {
            const l = await cluster.leaderStatus();
            return bare({
              ha_enabled: true,
              is_self: l.isSelf,
              active_time: l.activeTime === undefined ? ZERO_TIME : l.activeTime.toISOString(),
              leader_address: l.leaderAddress,
              leader_cluster_address: l.leaderClusterAddress,
              performance_standby: false,
              performance_standby_last_remote_wal: 0,
              raft_committed_index: l.raftCommittedIndex,
              raft_applied_index: l.raftAppliedIndex,
            });
          }
          return bare({
            ha_enabled: false,
            is_self: false,
            active_time: ZERO_TIME,
            leader_address: '',
            leader_cluster_address: '',
            performance_standby: false,
            performance_standby_last_remote_wal: 0,
            raft_committed_index: 0,
            raft_applied_index: 0,
          });
        },
      },
    },
  ];
}
