import { callServer } from '../cli/call-server.js';
import { CliError } from '../cli/cli-error.js';
import type { CommandContext } from '../cli/command-context.js';
import type { CommandDefinition, CommandGroup } from '../cli/command-definition.js';
import { formatGoDuration } from '../cli/go-duration.js';
import type { AutopilotConfigInput } from '../client/vault-api-types.js';
import { autopilotConfigTable, renderAutopilotState } from '../output/raft-rendering.js';

export const raftAutopilotGroup: CommandGroup = {
  path: ['operator', 'raft', 'autopilot'],
  summary: 'Autopilot: Raft cluster health and dead-server cleanup',
};

const stateCommand: CommandDefinition = {
  path: ['operator', 'raft', 'autopilot', 'state'],
  summary: 'Print the cluster state as autopilot sees it',
  usage: '[options]',
  help: 'Prints whether the cluster is healthy, its failure tolerance, the leader, the voters and, per server, its status, health, last contact, term and index. -format=json prints the state as the server sent it.',
  flags: [],
  async run(ctx) {
    ctx.expectArgs(0);
    const client = await ctx.client();
    const state = await callServer('Error checking autopilot state', () => client.raftAutopilotState());
    if (!state) return;
    if (ctx.out.format !== 'table') ctx.out.data(state, true);
    else ctx.out.line(renderAutopilotState(state));
  },
};

const getConfigCommand: CommandDefinition = {
  path: ['operator', 'raft', 'autopilot', 'get-config'],
  summary: 'Print the autopilot configuration',
  usage: '[options]',
  flags: [],
  async run(ctx) {
    ctx.expectArgs(0);
    const client = await ctx.client();
    const config = await callServer('Error reading the autopilot configuration', () =>
      client.raftAutopilotConfiguration(),
    );
    if (!config) return;
    if (ctx.out.format !== 'table') ctx.out.data(config);
    else ctx.out.line(autopilotConfigTable(config));
  },
};

/** A non-negative integer flag, or undefined when absent or 0 (Vault sends only values > 0). */
function positiveInt(ctx: CommandContext, name: string): number | undefined {
  const value = ctx.flags.int(name);
  if (value === undefined) return undefined;
  if (value < 0) throw CliError.usage(`invalid value "${value}" for flag -${name}: must not be negative`);
  return value > 0 ? value : undefined;
}

/** A duration flag as a Go duration string, or undefined when absent or not positive. */
function positiveDuration(ctx: CommandContext, name: string): string | undefined {
  const seconds = ctx.flags.duration(name);
  if (seconds === undefined) return undefined;
  if (seconds < 0) throw CliError.usage(`invalid value for flag -${name}: must not be negative`);
  return seconds > 0 ? formatGoDuration(seconds) : undefined;
}

const setConfigCommand: CommandDefinition = {
  path: ['operator', 'raft', 'autopilot', 'set-config'],
  summary: 'Change the autopilot configuration',
  usage: '[options]',
  help: 'Sends only the settings given as flags; the others keep their values. Durations take Go syntax (10s, 24h).',
  flags: [
    {
      name: 'cleanup-dead-servers',
      kind: 'bool',
      description: 'Remove dead servers from the Raft configuration periodically and when a server joins.',
    },
    {
      name: 'last-contact-threshold',
      kind: 'duration',
      placeholder: '<duration>',
      description: 'How long a server may go without leader contact before it is unhealthy.',
    },
    {
      name: 'dead-server-last-contact-threshold',
      kind: 'duration',
      placeholder: '<duration>',
      description:
        'How long a server may go without leader contact before it is dead (with -cleanup-dead-servers).',
    },
    {
      name: 'max-trailing-logs',
      kind: 'int',
      placeholder: '<int>',
      description: 'How many log entries a server may lag behind the leader and still be healthy.',
    },
    {
      name: 'min-quorum',
      kind: 'int',
      placeholder: '<int>',
      description: 'Fewest servers left before autopilot stops removing dead ones (at least 3).',
    },
    {
      name: 'server-stabilization-time',
      kind: 'duration',
      placeholder: '<duration>',
      description: 'How long a new server must be healthy before it becomes a voter.',
    },
    {
      name: 'disable-upgrade-migration',
      kind: 'bool',
      description: 'Do not perform automated upgrade migrations.',
    },
  ],
  async run(ctx) {
    ctx.expectArgs(0);
    const f = ctx.flags;
    const maxTrailingLogs = positiveInt(ctx, 'max-trailing-logs');
    const minQuorum = positiveInt(ctx, 'min-quorum');
    const lastContact = positiveDuration(ctx, 'last-contact-threshold');
    const deadServerLastContact = positiveDuration(ctx, 'dead-server-last-contact-threshold');
    const stabilization = positiveDuration(ctx, 'server-stabilization-time');
    const input: AutopilotConfigInput = {
      ...(f.has('cleanup-dead-servers') ? { cleanup_dead_servers: f.bool('cleanup-dead-servers') } : {}),
      ...(maxTrailingLogs !== undefined ? { max_trailing_logs: maxTrailingLogs } : {}),
      ...(minQuorum !== undefined ? { min_quorum: minQuorum } : {}),
      ...(lastContact !== undefined ? { last_contact_threshold: lastContact } : {}),
      ...(deadServerLastContact !== undefined
        ? { dead_server_last_contact_threshold: deadServerLastContact }
        : {}),
      ...(stabilization !== undefined ? { server_stabilization_time: stabilization } : {}),
      ...(f.has('disable-upgrade-migration')
        ? { disable_upgrade_migration: f.bool('disable-upgrade-migration') }
        : {}),
    };
    const client = await ctx.client();
    const secret = await callServer('Error setting the autopilot configuration', () =>
      client.setRaftAutopilotConfiguration(input),
    );
    if (secret) ctx.out.secret(secret);
  },
};

export const raftAutopilotCommands: readonly CommandDefinition[] = [
  stateCommand,
  getConfigCommand,
  setConfigCommand,
];
