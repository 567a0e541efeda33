import { callServer } from '../cli/call-server.js';
import type { CommandDefinition, CommandGroup } from '../cli/command-definition.js';
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

export const secretsGroup: CommandGroup = {
  path: ['secrets'],
  summary: 'Enable, list, tune and disable secrets engines',
};

const enableCommand: CommandDefinition = {
  path: ['secrets', 'enable'],
  summary: 'Enable a secrets engine',
  usage: '[options] TYPE',
  help: 'Mounts a secrets engine of TYPE (kv, kv-v2, transit, ...) at -path (default: the type name). For kv, -version=2 enables versioning.',
  flags: [
    {
      name: 'path',
      kind: 'string',
      placeholder: '<path>',
      description: 'Where to mount the engine (default: TYPE).',
    },
    ...MOUNT_TUNING_FLAGS,
    { name: 'force-no-cache', kind: 'bool', description: 'Never cache responses of this engine.' },
    {
      name: 'plugin-name',
      kind: 'string',
      placeholder: '<name>',
      description: 'Plugin name when TYPE is "plugin".',
    },
    { name: 'local', kind: 'bool', description: 'Do not replicate the mount.' },
    { name: 'seal-wrap', kind: 'bool', description: "Seal-wrap the engine's critical values." },
    {
      name: 'external-entropy-access',
      kind: 'bool',
      description: 'Give the engine access to external entropy.',
    },
  ],
  async run(ctx) {
    ctx.expectArgs(1);
    const f = ctx.flags;
    const description = f.string('description');
    const { path, type, input } = mountInputOf(
      ctx,
      f.bool('force-no-cache') ? { force_no_cache: true } : {},
      description !== undefined ? { description } : {},
    );
    const client = await ctx.client();
    await callServer('Error enabling', () => client.mount(path, input));
    let thing = `${type} secrets engine`;
    if (f.string('plugin-version')) thing += ` version ${f.string('plugin-version') ?? ''}`;
    ctx.out.line(`Success! Enabled the ${thing} at: ${path}`);
  },
};

const disableCommand: CommandDefinition = {
  path: ['secrets', 'disable'],
  summary: 'Disable a secrets engine',
  usage: '[options] PATH',
  help: 'Unmounts the secrets engine at PATH, revoking its leases and deleting all of its data.',
  flags: [],
  async run(ctx) {
    ctx.expectArgs(1);
    const path = mountPathOf(ctx.args[0] as string);
    const client = await ctx.client();
    await callServer(`Error disabling secrets engine at ${path}`, () => client.unmount(path));
    ctx.out.line(`Success! Disabled the secrets engine (if it existed) at: ${path}`);
  },
};

function ttlColumn(type: string, ttl: number | undefined): string {
  if (type === 'system' || type === 'cubbyhole' || type === 'identity') return '';
  if (ttl !== undefined && ttl !== 0) return String(ttl);
  return 'system';
}

const listCommand: CommandDefinition = {
  path: ['secrets', 'list'],
  summary: 'List enabled secrets engines',
  usage: '[options]',
  flags: [
    {
      name: 'detailed',
      kind: 'bool',
      description: 'Show all mount details (TTLs, options, replication, ...).',
    },
  ],
  async run(ctx) {
    ctx.expectArgs(0);
    const client = await ctx.client();
    const mounts = await callServer('Error listing secrets engines', () => client.listMounts());
    if (ctx.out.format !== 'table') {
      ctx.out.data(mounts);
      return;
    }
    const paths = Object.keys(mounts).sort();
    const m = (p: string): MountOutput => mounts[p] as MountOutput;
    if (ctx.flags.bool('detailed') || ctx.out.detailed) {
      const header = [
        'Path',
        'Plugin',
        'Accessor',
        'Default TTL',
        'Max TTL',
        'Force No Cache',
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
            return [
              p,
              mount.type,
              mount.accessor ?? '',
              ttlColumn(mount.type, mount.config?.default_lease_ttl),
              ttlColumn(mount.type, mount.config?.max_lease_ttl),
              String(mount.config?.force_no_cache === true),
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
        ['Path', 'Type', 'Accessor', 'Description'],
        paths.map((p) => [p, m(p).type, m(p).accessor ?? '', m(p).description ?? '']),
      ),
    );
  },
};

const tuneCommand: CommandDefinition = {
  path: ['secrets', 'tune'],
  summary: 'Tune a secrets engine',
  usage: '[options] PATH',
  flags: MOUNT_TUNING_FLAGS,
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
    };
    const client = await ctx.client();
    await callServer('Error tuning secrets engine', () => client.tuneMount(path, config));
    ctx.out.line(`Success! Tuned the secrets engine at: ${path}`);
  },
};

export const secretsCommands: readonly CommandDefinition[] = [
  enableCommand,
  disableCommand,
  listCommand,
  tuneCommand,
];
