import { callServer } from '../cli/call-server.js';
import { CliError, ExitCode } from '../cli/cli-error.js';
import type { CommandDefinition, CommandGroup } from '../cli/command-definition.js';
import { goDurationString } from '../cli/go-duration.js';
import type { TokenCreateRequest, VaultSecret } from '../client/vault-api-types.js';

export const tokenGroup: CommandGroup = {
  path: ['token'],
  summary: 'Create, inspect, renew and revoke tokens',
};

function printSecretOrField(ctx: Parameters<CommandDefinition['run']>[0], secret: VaultSecret): void {
  const field = ctx.flags.string('field');
  if (field !== undefined && field !== '') ctx.out.field(secret, field);
  else ctx.out.secret(secret);
}

const createCommand: CommandDefinition = {
  path: ['token', 'create'],
  summary: 'Create a new token',
  usage: '[options]',
  help: 'Creates a token, a child of the current token unless -orphan. Policies default to those of the current token.',
  flags: [
    {
      name: 'id',
      kind: 'string',
      placeholder: '<id>',
      description: 'Token value to use instead of a generated one (root/sudo only).',
    },
    {
      name: 'display-name',
      kind: 'string',
      placeholder: '<name>',
      description: 'Name attached to the token (shown as token-<name>).',
    },
    { name: 'ttl', kind: 'duration', placeholder: '<duration>', description: 'Initial TTL (e.g. 30m, 24h).' },
    {
      name: 'explicit-max-ttl',
      kind: 'duration',
      placeholder: '<duration>',
      description: 'Hard limit on the token lifetime, renewals included.',
    },
    {
      name: 'period',
      kind: 'duration',
      placeholder: '<duration>',
      description: 'Make a periodic token renewable forever by this period.',
    },
    { name: 'renewable', kind: 'bool', description: 'Allow the token to be renewed (default true).' },
    { name: 'orphan', kind: 'bool', description: 'Create the token without a parent (root/sudo only).' },
    { name: 'no-default-policy', kind: 'bool', description: 'Do not attach the "default" policy.' },
    {
      name: 'use-limit',
      kind: 'int',
      aliases: ['num-uses'],
      placeholder: '<int>',
      description: 'Number of uses before the token is revoked (0 = unlimited).',
    },
    {
      name: 'role',
      kind: 'string',
      placeholder: '<name>',
      description: 'Create the token through this token role.',
    },
    {
      name: 'type',
      kind: 'string',
      placeholder: '<service|batch>',
      description: 'Token type (default "service").',
    },
    {
      name: 'metadata',
      kind: 'string-map',
      placeholder: '<k=v>',
      description: 'Metadata key=value; repeatable.',
    },
    {
      name: 'policy',
      kind: 'string-slice',
      placeholder: '<name>',
      description: 'Policy to attach; repeatable or comma-separated.',
    },
    {
      name: 'entity-alias',
      kind: 'string',
      placeholder: '<name>',
      description: 'Entity alias to associate (with -role).',
    },
  ],
  field: true,
  async run(ctx) {
    ctx.expectArgs(0);
    const f = ctx.flags;
    const type = f.string('type') ?? 'service';
    const renewable = type === 'batch' ? false : f.bool('renewable', true);
    const duration = (name: string): string | undefined => {
      const secs = f.duration(name);
      return secs !== undefined && secs !== 0 ? goDurationString(secs) : undefined;
    };
    const req: TokenCreateRequest = {
      ...(f.string('id') ? { id: f.string('id') } : {}),
      ...(f.list('policy').length > 0 ? { policies: f.list('policy') } : {}),
      ...(Object.keys(f.map('metadata')).length > 0 ? { meta: f.map('metadata') } : {}),
      ...(duration('ttl') ? { ttl: duration('ttl') } : {}),
      ...(duration('explicit-max-ttl') ? { explicit_max_ttl: duration('explicit-max-ttl') } : {}),
      ...(duration('period') ? { period: duration('period') } : {}),
      ...(f.bool('orphan') ? { no_parent: true } : {}),
      ...(f.bool('no-default-policy') ? { no_default_policy: true } : {}),
      ...(f.string('display-name') ? { display_name: f.string('display-name') } : {}),
      ...(f.int('use-limit') ? { num_uses: f.int('use-limit') } : {}),
      renewable,
      ...(type !== '' ? { type } : {}),
      ...(f.string('entity-alias') ? { entity_alias: f.string('entity-alias') } : {}),
    };
    const client = await ctx.client();
    const role = f.string('role');
    const secret = await callServer('Error creating token', () => client.tokenCreate(req, role || undefined));
    printSecretOrField(ctx, secret);
  },
};

const lookupCommand: CommandDefinition = {
  path: ['token', 'lookup'],
  summary: 'Display information about a token',
  usage: '[options] [TOKEN | ACCESSOR]',
  help: 'Shows the properties of a token: the current one when no argument is given, or the given token (or accessor with -accessor).',
  flags: [{ name: 'accessor', kind: 'bool', description: 'Treat the argument as a token accessor.' }],
  field: true,
  async run(ctx) {
    const byAccessor = ctx.flags.bool('accessor');
    if (byAccessor && ctx.args.length !== 1) {
      throw CliError.usage(
        `${ctx.args.length < 1 ? 'Not enough' : 'Too many'} arguments with -accessor (expected 1, got ${ctx.args.length})`,
      );
    }
    ctx.expectArgs(0, 1);
    const token = (ctx.args[0] ?? '').trim();
    const client = await ctx.client();
    const secret = await callServer('Error looking up token', () => {
      if (token === '') return client.tokenLookupSelf();
      return byAccessor ? client.tokenLookupAccessor(token) : client.tokenLookup(token);
    });
    printSecretOrField(ctx, secret);
  },
};

const renewCommand: CommandDefinition = {
  path: ['token', 'renew'],
  summary: 'Renew a token lease',
  usage: '[options] [TOKEN | ACCESSOR]',
  flags: [
    { name: 'accessor', kind: 'bool', description: 'Treat the argument as a token accessor.' },
    {
      name: 'increment',
      kind: 'duration',
      aliases: ['i'],
      placeholder: '<duration>',
      description: 'Requested extension of the TTL.',
    },
  ],
  field: true,
  async run(ctx) {
    ctx.expectArgs(0, 1);
    const token = (ctx.args[0] ?? '').trim();
    const increment = Math.max(0, Math.trunc(ctx.flags.duration('increment') ?? 0));
    const client = await ctx.client();
    const secret = await callServer('Error renewing token', () => {
      if (token === '') return client.tokenRenewSelf(increment);
      return ctx.flags.bool('accessor')
        ? client.tokenRenewAccessor(token, increment)
        : client.tokenRenew(token, increment);
    });
    printSecretOrField(ctx, secret);
  },
};

const revokeCommand: CommandDefinition = {
  path: ['token', 'revoke'],
  summary: 'Revoke a token and its children',
  usage: '[options] [TOKEN | ACCESSOR]',
  help: 'Revokes a token and all its children. -self revokes the current token; -mode=orphan keeps the children (as orphans); -mode=path revokes every token created under the given path prefix.',
  flags: [
    { name: 'accessor', kind: 'bool', description: 'Treat the argument as a token accessor.' },
    { name: 'self', kind: 'bool', description: 'Revoke the token in use.' },
    {
      name: 'mode',
      kind: 'string',
      placeholder: '<orphan|path>',
      description: 'Revocation mode: "" (tree), "orphan", or "path".',
    },
  ],
  async run(ctx) {
    const self = ctx.flags.bool('self');
    const accessor = ctx.flags.bool('accessor');
    const mode = ctx.flags.string('mode') ?? '';
    const n = ctx.args.length;
    if (mode !== '' && mode !== 'orphan' && mode !== 'path') throw CliError.usage(`Invalid mode: ${mode}`);
    if (self && n > 0) throw CliError.usage(`Too many arguments with -self (expected 0, got ${n})`);
    if (!self && n > 1) throw CliError.usage(`Too many arguments (expected 1 or -self, got ${n})`);
    if (!self && n < 1) throw CliError.usage(`Not enough arguments (expected 1 or -self, got ${n})`);
    if (self && accessor) throw CliError.usage('Cannot use -self with -accessor');
    if (self && mode !== '') throw CliError.usage('Cannot use -self with -mode');
    if (accessor && mode !== '') throw CliError.usage(`Cannot use -accessor with -mode=${mode}`);
    const token = (ctx.args[0] ?? '').trim();
    const client = await ctx.client();
    await callServer('Error revoking token', () => {
      if (self) return client.tokenRevokeSelf();
      if (accessor) return client.tokenRevokeAccessor(token);
      if (mode === 'orphan') return client.tokenRevokeOrphan(token);
      if (mode === 'path') return client.revokePrefix(token);
      return client.tokenRevoke(token);
    });
    ctx.out.line('Success! Revoked token (if it existed)');
  },
};

const capabilitiesCommand: CommandDefinition = {
  path: ['token', 'capabilities'],
  summary: 'Show the capabilities of a token on a path',
  usage: '[options] [TOKEN] PATH',
  flags: [],
  async run(ctx) {
    ctx.expectArgs(1, 2);
    const [token, path] =
      ctx.args.length === 2
        ? [ctx.args[0] as string, ctx.args[1] as string]
        : [undefined, ctx.args[0] as string];
    const client = await ctx.client();
    const caps = await callServer('Error listing capabilities', () =>
      token === undefined ? client.capabilitiesSelf(path) : client.capabilities(token, path),
    );
    if (caps.length === 0) throw new CliError(ExitCode.usage, 'No capabilities found');
    if (ctx.out.format === 'table') ctx.out.line([...caps].sort().join(', '));
    else ctx.out.data(caps, true);
  },
};

export const tokenCommands: readonly CommandDefinition[] = [
  createCommand,
  lookupCommand,
  renewCommand,
  revokeCommand,
  capabilitiesCommand,
];
