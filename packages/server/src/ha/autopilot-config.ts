import type { Storage } from '@coffer/barrier';
import { CofferError } from '../errors/coffer-error.js';
import { ErrorCode } from '../errors/error-code.js';
import type { AutopilotConfig } from '../sys/cluster-backend.js';
import { readAutopilotJson, writeAutopilotJson } from './cluster-records.js';

/** Vault's autopilot defaults; dead-server cleanup is off, and never prunes below `minQuorum` voters. */
export const DEFAULT_AUTOPILOT_CONFIG: AutopilotConfig = Object.freeze({
  cleanupDeadServers: false,
  lastContactThreshold: 10,
  deadServerLastContactThreshold: 24 * 3600,
  maxTrailingLogs: 1000,
  minQuorum: 3,
  serverStabilizationTime: 10,
  disableUpgradeMigration: false,
});

const num = (v: unknown, fallback: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? v : fallback;

/** The stored configuration (`core/cluster/autopilot`) over the defaults. */
export async function loadAutopilotConfig(storage: Storage): Promise<AutopilotConfig> {
  const j = await readAutopilotJson(storage);
  if (j === undefined) return DEFAULT_AUTOPILOT_CONFIG;
  const d = DEFAULT_AUTOPILOT_CONFIG;
  return Object.freeze({
    cleanupDeadServers:
      typeof j['cleanup_dead_servers'] === 'boolean' ? j['cleanup_dead_servers'] : d.cleanupDeadServers,
    lastContactThreshold: num(j['last_contact_threshold'], d.lastContactThreshold),
    deadServerLastContactThreshold: num(
      j['dead_server_last_contact_threshold'],
      d.deadServerLastContactThreshold,
    ),
    maxTrailingLogs: num(j['max_trailing_logs'], d.maxTrailingLogs),
    minQuorum: num(j['min_quorum'], d.minQuorum),
    serverStabilizationTime: num(j['server_stabilization_time'], d.serverStabilizationTime),
    disableUpgradeMigration:
      typeof j['disable_upgrade_migration'] === 'boolean'
        ? j['disable_upgrade_migration']
        : d.disableUpgradeMigration,
  });
}

/** Validates and stores `patch` over the current configuration; returns the result. */
export async function saveAutopilotConfig(
  storage: Storage,
  patch: Partial<AutopilotConfig>,
): Promise<AutopilotConfig> {
  const next: AutopilotConfig = { ...(await loadAutopilotConfig(storage)), ...patch };
  const bad = (m: string): CofferError => new CofferError(ErrorCode.BadRequest, m);
  for (const [name, v] of [
    ['last_contact_threshold', next.lastContactThreshold],
    ['dead_server_last_contact_threshold', next.deadServerLastContactThreshold],
    ['server_stabilization_time', next.serverStabilizationTime],
  ] as const) {
    if (!(v >= 0)) throw bad(`${name} must not be negative`);
  }
  if (!Number.isInteger(next.maxTrailingLogs) || next.maxTrailingLogs < 0)
    throw bad('max_trailing_logs must be a non-negative integer');
  if (!Number.isInteger(next.minQuorum) || next.minQuorum < 0)
    throw bad('min_quorum must be a non-negative integer');
  if (next.cleanupDeadServers && next.minQuorum < 3)
    throw bad('min_quorum must be at least 3 when cleanup_dead_servers is enabled');
  if (next.cleanupDeadServers && next.deadServerLastContactThreshold < next.lastContactThreshold) {
    throw bad('dead_server_last_contact_threshold must be at least last_contact_threshold');
  }
  await writeAutopilotJson(storage, {
    cleanup_dead_servers: next.cleanupDeadServers,
    last_contact_threshold: next.lastContactThreshold,
    dead_server_last_contact_threshold: next.deadServerLastContactThreshold,
    max_trailing_logs: next.maxTrailingLogs,
    min_quorum: next.minQuorum,
    server_stabilization_time: next.serverStabilizationTime,
    disable_upgrade_migration: next.disableUpgradeMigration,
  });
  return next;
}
