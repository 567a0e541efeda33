import { callServer } from '../cli/call-server.js';
import type { CommandContext } from '../cli/command-context.js';
import type { CommandDefinition, CommandGroup } from '../cli/command-definition.js';
import type { FlagSpec } from '../cli/flag-spec.js';
import { goDurationString } from '../cli/go-duration.js';
import type { MountConfigInput, MountOutput } from '../client/vault-api-types.js';
import { formatTable } from '../output/column-table.js';
import { formatGoValue } from '../output/go-value-format.js';
import {
  MOUNT_TUNING_FLAGS,
  mountInputOf,
  mountListConfigOf,
  mountOptionsOf,
  mountPathOf,
} from './mount-tuning-flags.js';

export const authGroup: CommandGroup = {
  path: ['auth'],
  summary: 'Enable, list, tune and disable auth methods',
};

const TOKEN_TYPE_FLAG: FlagSpec = {
  name: 'token-type',
  kind: 'string',
  placeholder: '<type>',
  description: 'Token type the method issues: default-service, default-batch, service or batch.',
};

/** `token_type` when `-token-type` was given. */
function tokenTypeOf(ctx: CommandContext): MountConfigInput {
  return ctx.flags.has('token-type') ? { token_type: ctx.flags.string('token-type') ?? '' } : {};
}

const enableCommand: CommandDefinition = {
  path: ['auth', 'enable'],
  summary: 'Enable an auth method',
  usage: '[options] TYPE',
  help:
    'Enables an auth method of TYPE (userpass, approle, ...) at -path (default: the type name). ' +
    'Configure it afterwards with "coffer write auth/<path>/...", e.g. "coffer write auth/approle/role/ci token_policies=ci".',
  flags: [
    {
      name: 'path',
      kind: 'string',
      placeholder: '<path>',
      description: 'Where the method is mounted, under auth/ (default: TYPE).',
    },
    ...MOUNT_TUNING_FLAGS,
    TOKEN_TYPE_FLAG,
    {
      name: 'plugin-name',
      kind: 'string',
      placeholder: '<name>',
      description: 'Plugin name when TYPE is "plugin".',
    },
    { name: 'local', kind: 'bool', description: 'Do not replicate the method.' },
    { name: 'seal-wrap', kind: 'bool', description: "Seal-wrap the method's critical values." },
    {
      name: 'external-entropy-access',
      kind: 'bool',
      description: 'Give the method access to external entropy.',
    },
  ],
  async run(ctx) {
    ctx.expectArgs(1);
    const f = ctx.flags;
    const { path, type, input } = mountInputOf(ctx, tokenTypeOf(ctx), {
      description: f.string('description') ?? '',
    });
    const client = await ctx.client();
    await callServer(`Error enabling ${type} auth`, () => client.enableAuth(path, input));
    let thing = `${type} auth method`;
    if (f.string('plugin-version')) thing += ` version ${f.string('plugin-version') ?? ''}`;
    ctx.out.line(`Success! Enabled ${thing} at: ${path}`);
  },
};

const disableCommand: CommandDefinition = {
  path: ['auth', 'disable'],
  summary: 'Disable an auth method',
  usage: '[options] PATH',
  help: 'Disables the auth method at PATH; the tokens it issued are revoked.',
  flags: [],
  async run(ctx) {
    ctx.expectArgs(1);
    const path = mountPathOf(ctx.args[0] as string);
    const client = await ctx.client();
    await callServer(`Error disabling auth method at ${path}`, () => client.disableAuth(path));
    ctx.out.line(`Success! Disabled the auth method (if it existed) at: ${path}`);
  },
};

function ttlColumn(type: string, ttl: number | undefined): string {
  if (type === 'system' || type === 'cubbyhole') return '';
  if (ttl !== undefined && ttl !== 0) return String(ttl);
  return 'system';
}

const listCommand: CommandDefinition = {
  path: ['auth', 'list'],
  summary: 'List enabled auth methods',
  usage: '[options]',
  help: 'Lists the enabled auth methods; a TTL of "system" means the system default is in use.',
  flags: [
    {
      name: 'detailed',
      kind: 'bool',
      description: 'Show all method details (TTLs, token type, replication, options, ...).',
    },
  ],
  async run(ctx) {
    ctx.expectArgs(0);
    const client = await ctx.client();
    const auths = await callServer('Error listing enabled authentications', () => client.listAuth());
    if (ctx.out.format !== 'table') {
      ctx.out.data(auths);
      return;
    }
    const paths = Object.keys(auths).sort();
    const m = (p: string): MountOutput => auths[p] as MountOutput;
    if (ctx.flags.bool('detailed') || ctx.out.detailed) {
      const header = [
        'Path',
        'Plugin',
        'Accessor',
        'Default TTL',
        'Max TTL',
        'Token Type',
        'Replication',
        'Seal Wrap',
        'External Entropy Access',
        'Options',
        'Description',
        'UUID',
        'Version',
        'Running Version',
        'Running SHA256',
        'Deprecation Status',
      ];
      ctx.out.line(
        formatTable(
          header,
          paths.map((p) => {
            const mount = m(p);
            const tokenType = mount.config?.token_type;
            return [
              p,
              mount.type,
              mount.accessor ?? '',
              ttlColumn(mount.type, mount.config?.default_lease_ttl),
              ttlColumn(mount.type, mount.config?.max_lease_ttl),
              typeof tokenType === 'string' ? tokenType : '',
              mount.local ? 'local' : 'replicated',
              String(mount.seal_wrap === true),
              String(mount.external_entropy_access === true),
              formatGoValue(mount.options ?? {}),
              mount.description ?? '',
              mount.uuid ?? '',
              mount.plugin_version ?? '',
              mount.running_plugin_version ?? '',
              mount.running_sha256 ?? '',
              mount.deprecation_status ?? '',
            ];
          }),
        ),
      );
      return;
    }
    ctx.out.line(
      formatTable(
        ['Path', 'Type', 'Accessor', 'Description', 'Version'],
        paths.map((p) => [
          p,
          m(p).type,
          m(p).accessor ?? '',
          m(p).description ?? '',
          m(p).plugin_version ?? '',
        ]),
      ),
    );
  },
};

const tuneCommand: CommandDefinition = {
  path: ['auth', 'tune'],
  summary: 'Tune an auth method',
  usage: '[options] PATH',
  help: 'Tunes the auth method mounted at PATH (the path, not the type), e.g. "coffer auth tune -default-lease-ttl=72h userpass/".',
  flags: [...MOUNT_TUNING_FLAGS, TOKEN_TYPE_FLAG],
  async run(ctx) {
    ctx.expectArgs(1);
    const f = ctx.flags;
    const path = mountPathOf(ctx.args[0] as string);
    const ttl = (name: string): string | undefined => {
      const secs = f.duration(name);
      if (secs === undefined || secs === 0) return undefined;
      return secs < 0 ? 'system' : goDurationString(secs);
    };
    const options = mountOptionsOf(ctx);
    const config: MountConfigInput = {
      ...(ttl('default-lease-ttl') ? { default_lease_ttl: ttl('default-lease-ttl') } : {}),
      ...(ttl('max-lease-ttl') ? { max_lease_ttl: ttl('max-lease-ttl') } : {}),
      ...(f.has('description') ? { description: f.string('description') ?? '' } : {}),
      ...(options ? { options } : {}),
      ...mountListConfigOf(ctx),
      ...tokenTypeOf(ctx),
    };
    const client = await ctx.client();
    await callServer(`Error tuning auth method ${path}`, () => client.tuneMount(`auth/${path}`, config));
    ctx.out.line(`Success! Tuned the auth method at: ${path}`);
  },
};

export const authCommands: readonly CommandDefinition[] = [
  enableCommand,
  disableCommand,
  listCommand,
  tuneCommand,
];
