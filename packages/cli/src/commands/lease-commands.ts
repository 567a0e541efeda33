import { callServer } from '../cli/call-server.js';
import { CliError } from '../cli/cli-error.js';
import type { CommandContext } from '../cli/command-context.js';
import type { CommandDefinition, CommandGroup } from '../cli/command-definition.js';
import type { VaultSecret } from '../client/vault-api-types.js';
import { wrapAtLength } from '../output/secret-rendering.js';

export const leaseGroup: CommandGroup = {
  path: ['lease'],
  summary: 'Look up, renew and revoke leases',
};

function printSecretOrField(ctx: CommandContext, secret: VaultSecret): void {
  const field = ctx.flags.string('field');
  if (field !== undefined && field !== '') ctx.out.field(secret, field);
  else ctx.out.secret(secret);
}

const lookupCommand: CommandDefinition = {
  path: ['lease', 'lookup'],
  summary: 'Look up a lease',
  usage: '[options] ID',
  help: 'Shows the issue time, expiry, TTL and renewability of the lease with the given ID (PUT sys/leases/lookup).',
  flags: [],
  field: true,
  async run(ctx) {
    ctx.expectArgs(1);
    const leaseId = (ctx.args[0] as string).trim();
    const client = await ctx.client();
    const secret = await callServer(`error looking up lease id ${leaseId}`, () =>
      client.leaseLookup(leaseId),
    );
    printSecretOrField(ctx, secret);
  },
};

const renewCommand: CommandDefinition = {
  path: ['lease', 'renew'],
  summary: 'Renew a lease',
  usage: '[options] ID',
  help:
    'Renews the lease with the given ID (PUT sys/leases/renew). -increment asks for a new TTL ' +
    'counted from now; the server may grant less. Token leases are renewed with "coffer token renew".',
  flags: [
    {
      name: 'increment',
      kind: 'duration',
      placeholder: '<duration>',
      description: 'Requested TTL from now (e.g. 1h); the server need not honour it.',
    },
  ],
  field: true,
  async run(ctx) {
    if (ctx.args.length === 0) throw CliError.usage('Missing ID!');
    if (ctx.args.length > 1) throw CliError.usage(`Too many arguments (expected 1, got ${ctx.args.length})`);
    const leaseId = (ctx.args[0] as string).trim();
    const increment = Math.max(0, Math.trunc(ctx.flags.duration('increment') ?? 0));
    const client = await ctx.client();
    const secret = await callServer(`Error renewing ${leaseId}`, () => client.leaseRenew(leaseId, increment));
    printSecretOrField(ctx, secret);
  },
};

const revokeCommand: CommandDefinition = {
  path: ['lease', 'revoke'],
  summary: 'Revoke leases',
  usage: '[options] ID',
  help:
    'Revokes the lease with the given ID, or with -prefix every lease whose ID starts with it ' +
    '(e.g. "coffer lease revoke -prefix auth/userpass/"). Revocation is queued unless -sync. ' +
    '-force (with -prefix) removes the leases even when the secrets engine fails to revoke them.',
  flags: [
    {
      name: 'force',
      kind: 'bool',
      aliases: ['f'],
      description: 'Delete the leases even if the backend revocation fails (requires -prefix).',
    },
    { name: 'prefix', kind: 'bool', description: 'Treat the ID as a prefix: revoke every lease under it.' },
    { name: 'sync', kind: 'bool', description: 'Wait for the revocation instead of queueing it.' },
  ],
  async run(ctx) {
    ctx.expectArgs(1);
    const force = ctx.flags.bool('force');
    const prefix = ctx.flags.bool('prefix');
    const sync = ctx.flags.bool('sync');
    if (force && !prefix) throw CliError.usage('Specifying -force requires also specifying -prefix');
    const leaseId = (ctx.args[0] as string).trim();
    const client = await ctx.client();
    if (force) {
      ctx.out.warn(
        wrapAtLength(
          'Warning! Force-removing leases can cause Coffer to become out of sync with secret engines!',
        ),
      );
    }
    const context = force
      ? `Error force revoking leases with prefix ${leaseId}`
      : prefix
        ? `Error revoking leases with prefix ${leaseId}`
        : `Error revoking lease ${leaseId}`;
    await callServer(context, () => client.leaseRevoke({ leaseId, prefix, force, sync }));
    if (force) ctx.out.line(`Success! Force revoked any leases with prefix: ${leaseId}`);
    else if (sync && prefix) ctx.out.line(`Success! Revoked any leases with prefix: ${leaseId}`);
    else if (sync) ctx.out.line(`Success! Revoked lease: ${leaseId}`);
    else ctx.out.line('All revocation operations queued successfully!');
  },
};

export const leaseCommands: readonly CommandDefinition[] = [lookupCommand, renewCommand, revokeCommand];
