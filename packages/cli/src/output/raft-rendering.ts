import { formatGoDuration, parseDurationSeconds } from '../cli/go-duration.js';
import type {
  AutopilotConfig,
  AutopilotServer,
  AutopilotState,
  RaftServer,
} from '../client/vault-api-types.js';
import { formatTable } from './column-table.js';

/**
 * Renderers of the `operator raft` commands, laid out as Vault prints them: the peers table,
 * autopilot's "pretty" state, the autopilot configuration table.
 */

/** `operator raft list-peers`: columns Node, Address, State (leader/follower), Voter. */
export function renderPeersTable(servers: readonly RaftServer[]): string {
  return formatTable(
    ['Node', 'Address', 'State', 'Voter'],
    servers.map((s) => [s.node_id, s.address, s.leader ? 'leader' : 'follower', String(s.voter)]),
  );
}

function renderAutopilotServer(srv: AutopilotServer): string {
  const lines = [
    `   ${srv.id}`,
    `      Name:            ${srv.name}`,
    `      Address:         ${srv.address}`,
    `      Status:          ${srv.status}`,
    `      Node Status:     ${srv.node_status}`,
    `      Healthy:         ${String(srv.healthy)}`,
    `      Last Contact:    ${srv.last_contact}`,
    `      Last Term:       ${srv.last_term}`,
    `      Last Index:      ${srv.last_index}`,
  ];
  const meta = srv.meta ?? {};
  const keys = Object.keys(meta).sort();
  if (keys.length > 0) {
    lines.push('      Meta');
    for (const key of keys) lines.push(`         ${JSON.stringify(key)}: ${JSON.stringify(meta[key])}`);
  }
  return lines.join('\n');
}

/** `operator raft autopilot state` in Vault's "pretty" layout; servers sorted by id. */
export function renderAutopilotState(state: AutopilotState): string {
  const lines = [
    `Healthy:                      ${String(state.healthy)}`,
    `Failure Tolerance:            ${state.failure_tolerance}`,
    `Leader:                       ${state.leader}`,
    'Voters:',
    ...state.voters.map((v) => `   ${v}`),
  ];
  const nonVoters = state.non_voters ?? [];
  if (nonVoters.length > 0) lines.push('Non Voters:', ...nonVoters.map((v) => `   ${v}`));
  lines.push('Servers:');
  const ids = Object.keys(state.servers).sort();
  for (const id of ids) lines.push(renderAutopilotServer(state.servers[id] as AutopilotServer));
  return lines.join('\n');
}

/** A duration as Go's `Duration.String()` prints it (`24h0m0s`); text that is not one, as is. */
function goDurationText(text: string): string {
  try {
    return formatGoDuration(parseDurationSeconds(text));
  } catch {
    return text;
  }
}

/** `operator raft autopilot get-config`: the Key/Value rows, in Vault's order. */
export function autopilotConfigTable(config: AutopilotConfig): string {
  return formatTable(
    ['Key', 'Value'],
    [
      ['Cleanup Dead Servers', String(config.cleanup_dead_servers)],
      ['Last Contact Threshold', goDurationText(config.last_contact_threshold)],
      ['Dead Server Last Contact Threshold', goDurationText(config.dead_server_last_contact_threshold)],
      ['Server Stabilization Time', goDurationText(config.server_stabilization_time)],
      ['Min Quorum', String(config.min_quorum)],
      ['Max Trailing Logs', String(config.max_trailing_logs)],
      ['Disable Upgrade Migration', String(config.disable_upgrade_migration)],
    ],
  );
}

/** Entries and bytes per top-level key prefix (`snapshot inspect`). */
export function prefixTable(
  counts: Readonly<Record<string, number>>,
  bytes: Readonly<Record<string, number>>,
): string {
  const prefixes = Object.keys(counts);
  if (prefixes.length === 0) return '';
  return formatTable(
    ['Prefix', 'Entries', 'Bytes'],
    prefixes.map((p) => [p, String(counts[p] ?? 0), String(bytes[p] ?? 0)]),
  );
}
