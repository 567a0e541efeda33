import { callServer } from '../cli/call-server.js';
import { CliError, ExitCode } from '../cli/cli-error.js';
import type { CommandDefinition, CommandGroup } from '../cli/command-definition.js';
import { parseKeyValueArgs, toStringMap } from '../cli/key-value-args.js';
import type { AuditDevice } from '../client/vault-api-types.js';
import { formatTable } from '../output/column-table.js';
import { mountPathOf } from './mount-tuning-flags.js';

export const auditGroup: CommandGroup = {
  path: ['audit'],
  summary: 'Enable, list and disable audit devices',
};

const enableCommand: CommandDefinition = {
  path: ['audit', 'enable'],
  summary: 'Enable an audit device',
  usage: '[options] TYPE [CONFIG K=V...]',
  help:
    'Enables an audit device of TYPE (file, socket) at -path (default: the type name). Device ' +
    'options follow the type as K=V pairs, e.g. "coffer audit enable file file_path=/var/log/coffer-audit.log" ' +
    'or "coffer audit enable socket address=127.0.0.1:9090 socket_type=tcp".',
  flags: [
    {
      name: 'description',
      kind: 'string',
      placeholder: '<text>',
      description: 'Human-friendly description of the audit device.',
    },
    {
      name: 'path',
      kind: 'string',
      placeholder: '<path>',
      description: 'Where the device is enabled; unique across devices (default: TYPE).',
    },
    { name: 'local', kind: 'bool', description: 'Mark the device local-only (not replicated).' },
  ],
  async run(ctx) {
    if (ctx.args.length < 1) {
      throw CliError.usage(
        "Error enabling audit device: audit type missing. Valid types include 'file' and 'socket'.",
      );
    }
    const type = (ctx.args[0] as string).trim();
    const path = mountPathOf(ctx.flags.string('path') || type);
    let options: Record<string, string>;
    try {
      options = toStringMap(await parseKeyValueArgs(ctx.args.slice(1), () => ctx.readStdin()));
    } catch (err) {
      if (err instanceof CliError) throw CliError.usage(`Failed to parse K=V data: ${err.message}`);
      throw err;
    }
    const client = await ctx.client();
    await callServer('Error enabling audit device', () =>
      client.enableAudit(path, {
        type,
        description: ctx.flags.string('description') ?? '',
        options,
        local: ctx.flags.bool('local'),
      }),
    );
    ctx.out.line(`Success! Enabled the ${type} audit device at: ${path}`);
  },
};

const listCommand: CommandDefinition = {
  path: ['audit', 'list'],
  summary: 'List enabled audit devices',
  usage: '[options]',
  help: 'Lists the enabled audit devices; -detailed adds replication and the device options.',
  flags: [
    {
      name: 'detailed',
      kind: 'bool',
      description: 'Show the options and replication of each device.',
    },
  ],
  async run(ctx) {
    ctx.expectArgs(0);
    const client = await ctx.client();
    const devices = await callServer('Error listing audits', () => client.listAudit());
    if (ctx.out.format !== 'table') {
      ctx.out.data(devices);
      return;
    }
    const paths = Object.keys(devices).sort();
    if (paths.length === 0) {
      ctx.out.line('No audit devices are enabled.');
      return ExitCode.api;
    }
    const d = (p: string): AuditDevice => devices[p] as AuditDevice;
    if (ctx.flags.bool('detailed') || ctx.out.detailed) {
      ctx.out.line(
        formatTable(
          ['Path', 'Type', 'Description', 'Replication', 'Options'],
          paths.map((p) => {
            const options = d(p).options ?? {};
            return [
              p,
              d(p).type,
              d(p).description,
              d(p).local ? 'local' : 'replicated',
              Object.keys(options)
                .sort()
                .map((k) => `${k}=${options[k] ?? ''}`)
                .join(' '),
            ];
          }),
        ),
      );
      return;
    }
    ctx.out.line(
      formatTable(
        ['Path', 'Type', 'Description'],
        paths.map((p) => [d(p).path, d(p).type, d(p).description]),
      ),
    );
  },
};

const disableCommand: CommandDefinition = {
  path: ['audit', 'disable'],
  summary: 'Disable an audit device',
  usage: '[options] PATH',
  help: 'Disables the audit device at PATH; its salt is destroyed, so earlier hashes can no longer be reproduced.',
  flags: [],
  async run(ctx) {
    ctx.expectArgs(1);
    const path = mountPathOf(ctx.args[0] as string);
    const client = await ctx.client();
    await callServer('Error disabling audit device', () => client.disableAudit(path));
    ctx.out.line(`Success! Disabled audit device (if it was enabled) at: ${path}`);
  },
};

export const auditCommands: readonly CommandDefinition[] = [enableCommand, listCommand, disableCommand];
