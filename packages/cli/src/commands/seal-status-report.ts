import { VaultApiError } from '../client/vault-api-error.js';
import type { SealStatus } from '../client/vault-api-types.js';
import type { VaultClient } from '../client/vault-client.js';
import { CliError, ExitCode } from '../cli/cli-error.js';
import type { CommandContext } from '../cli/command-context.js';
import { asCliError } from '../cli/call-server.js';
import { renderKeyValueTable, sealStatusRows } from '../output/secret-rendering.js';

/**
 * Seal status plus the leader fields, as `vault status` shows them. A sealed node cannot
 * answer `sys/leader`; that error is masked and HA is reported enabled, like Vault does.
 */
export async function sealStatusReport(
  client: VaultClient,
  status: SealStatus,
): Promise<Record<string, unknown>> {
  const report: Record<string, unknown> = { ...status };
  try {
    const leader = await client.leader();
    report.ha_enabled = leader.ha_enabled === true;
    if (leader.is_self) report.is_self = true;
    if (leader.active_time && !leader.active_time.startsWith('0001-01-01'))
      report.active_time = leader.active_time;
    if (leader.leader_address) report.leader_address = leader.leader_address;
    if (leader.leader_cluster_address) report.leader_cluster_address = leader.leader_cluster_address;
    if (leader.performance_standby) report.performance_standby = true;
    if (leader.performance_standby_last_remote_wal)
      report.performance_standby_last_remote_wal = leader.performance_standby_last_remote_wal;
    if (leader.last_wal) report.last_wal = leader.last_wal;
    if (leader.raft_committed_index) report.raft_committed_index = leader.raft_committed_index;
    if (leader.raft_applied_index) report.raft_applied_index = leader.raft_applied_index;
  } catch (err) {
    const sealedAnswer =
      err instanceof VaultApiError &&
      (err.status === 503 || err.errors.some((e) => e.includes('Vault is sealed')));
    if (!sealedAnswer) throw asCliError('Error checking leader status', err, ExitCode.usage);
    report.ha_enabled = true;
  }
  return report;
}

/** Prints a seal-status report (table, JSON or YAML, or one `-field`). */
export function printSealStatus(ctx: CommandContext, report: Record<string, unknown>, field?: string): void {
  if (field !== undefined && field !== '') {
    ctx.out.field(report, field);
    return;
  }
  if (ctx.out.format === 'table') {
    ctx.out.line(renderKeyValueTable(sealStatusRows(report)));
    return;
  }
  ctx.out.data(report, true);
}

/** Checks that `value` looks like a seal-status object. */
export function assertSealStatus(
  value: unknown,
  context: string,
  exitCode: number = ExitCode.api,
): SealStatus {
  if (typeof value !== 'object' || value === null || typeof (value as SealStatus).sealed !== 'boolean') {
    throw new CliError(exitCode, `${context}: the server sent an unexpected answer`);
  }
  return value as SealStatus;
}
