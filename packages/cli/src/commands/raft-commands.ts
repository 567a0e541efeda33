import { callServer } from '../cli/call-server.js';
import { CliError } from '../cli/cli-error.js';
import type { CommandDefinition, CommandGroup } from '../cli/command-definition.js';
import { readFlagFile } from '../cli/flag-file.js';
import type { RaftJoinRequest } from '../client/vault-api-types.js';
import { renderPeersTable } from '../output/raft-rendering.js';
import { renderKeyValueTable } from '../output/secret-rendering.js';

export const raftGroup: CommandGroup = {
  path: ['operator', 'raft'],
  summary: 'Integrated storage (Raft): join, peers, autopilot, snapshots',
};

const joinCommand: CommandDefinition = {
  path: ['operator', 'raft', 'join'],
  summary: 'Join this node to a Raft cluster',
  usage: '[options] [LEADER_API_ADDR]',
  help:
    'Asks the node at the server address (VAULT_ADDR, the node that joins) to join the Raft cluster whose leader API ' +
    'is at LEADER_API_ADDR (e.g. https://10.0.0.1:8200). The -leader-* certificate flags take PEM contents, or @path ' +
    'to read a file. Without LEADER_API_ADDR the node uses the retry_join settings of its configuration.',
  flags: [
    {
      name: 'leader-ca-cert',
      kind: 'string',
      placeholder: '<pem|@file>',
      description: "CA certificate (PEM, or @file) to verify the leader's TLS certificate.",
    },
    {
      name: 'leader-client-cert',
      kind: 'string',
      placeholder: '<pem|@file>',
      description: 'Client certificate (PEM, or @file) for TLS authentication to the leader.',
    },
    {
      name: 'leader-client-key',
      kind: 'string',
      placeholder: '<pem|@file>',
      description: 'Private key (PEM, or @file) of -leader-client-cert.',
    },
    {
      name: 'leader-tls-servername',
      kind: 'string',
      placeholder: '<name>',
      description: "Server name to verify in the leader's TLS certificate.",
    },
    {
      name: 'retry',
      kind: 'bool',
      description: 'Keep retrying the join in the background until it succeeds.',
    },
    { name: 'non-voter', kind: 'bool', description: 'Join as a non-voting member.' },
    {
      name: 'auto-join-scheme',
      kind: 'string',
      placeholder: '<http|https>',
      description: 'Scheme of auto-join leader addresses (default https).',
    },
    {
      name: 'auto-join-port',
      kind: 'int',
      placeholder: '<port>',
      description: 'Port of auto-join leader addresses (default 8200).',
    },
  ],
  async run(ctx) {
    ctx.expectArgs(0, 1);
    const f = ctx.flags;
    const scheme = f.string('auto-join-scheme') ?? '';
    if (scheme !== '' && scheme !== 'http' && scheme !== 'https') {
      throw CliError.usage(`invalid scheme '${scheme}'; must either be http or https`);
    }
    const port = f.int('auto-join-port') ?? 0;
    if (port < 0 || port > 65535) throw CliError.usage(`invalid port ${port} for -auto-join-port`);
    const caCert = await readFlagFile(f.string('leader-ca-cert'), 'leader CA certificate');
    const clientCert = await readFlagFile(f.string('leader-client-cert'), 'leader client certificate');
    const clientKey = await readFlagFile(f.string('leader-client-key'), 'leader client key');
    const serverName = f.string('leader-tls-servername');
    const req: RaftJoinRequest = {
      leader_api_addr: (ctx.args[0] ?? '').trim(),
      retry: f.bool('retry'),
      non_voter: f.bool('non-voter'),
      ...(caCert ? { leader_ca_cert: caCert } : {}),
      ...(clientCert ? { leader_client_cert: clientCert } : {}),
      ...(clientKey ? { leader_client_key: clientKey } : {}),
      ...(serverName ? { leader_tls_servername: serverName } : {}),
      ...(scheme !== '' ? { auto_join_scheme: scheme } : {}),
      ...(port !== 0 ? { auto_join_port: port } : {}),
    };
    const client = await ctx.client();
    const resp = await callServer('Error joining the node to the Raft cluster', () => client.raftJoin(req));
    if (ctx.out.format !== 'table') ctx.out.data(resp, true);
    else ctx.out.line(renderKeyValueTable([['Joined', String(resp.joined)]]));
  },
};

const listPeersCommand: CommandDefinition = {
  path: ['operator', 'raft', 'list-peers'],
  summary: 'List the members of the Raft cluster',
  usage: '[options]',
  help: "Prints the Raft configuration: each member's node id, cluster address, state (leader or follower) and whether it votes. -format=json prints the whole response.",
  flags: [],
  async run(ctx) {
    ctx.expectArgs(0);
    const client = await ctx.client();
    const answer = await callServer('Error reading the raft cluster configuration', () =>
      client.raftConfiguration(),
    );
    if (!answer) throw CliError.api('No raft cluster configuration found');
    if (ctx.out.format !== 'table') {
      ctx.out.secret(answer.secret);
      return;
    }
    ctx.out.line(renderPeersTable(answer.config.servers));
  },
};

const removePeerCommand: CommandDefinition = {
  path: ['operator', 'raft', 'remove-peer'],
  summary: 'Remove a member from the Raft cluster',
  usage: '[options] SERVER_ID',
  help: 'Removes the member SERVER_ID (its node id, see list-peers) from the Raft configuration. A removed node must have its data wiped before it can join again.',
  flags: [],
  async run(ctx) {
    ctx.expectArgs(1);
    const serverId = (ctx.args[0] as string).trim();
    if (serverId === '') throw CliError.usage('Server ID must not be empty');
    const client = await ctx.client();
    await callServer('Error removing the peer from raft cluster', () => client.raftRemovePeer(serverId));
    ctx.out.line(`Peer removed successfully: ${serverId}`);
  },
};

export const raftCommands: readonly CommandDefinition[] = [joinCommand, listPeersCommand, removePeerCommand];
