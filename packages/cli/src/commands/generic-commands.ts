import { asCliError, callServer } from '../cli/call-server.js';
import { CliError, ExitCode } from '../cli/cli-error.js';
import type { CommandContext } from '../cli/command-context.js';
import type { CommandDefinition } from '../cli/command-definition.js';
import { parseKeyValueArgs, toStringLists } from '../cli/key-value-args.js';
import { VaultApiError } from '../client/vault-api-error.js';
import type { VaultSecret } from '../client/vault-api-types.js';
import type { VaultClient } from '../client/vault-client.js';
import { sanitizePath } from '../kv/kv-path.js';

function printSecret(ctx: CommandContext, secret: VaultSecret): void {
  const field = ctx.flags.string('field');
  if (field !== undefined && field !== '') ctx.out.field(secret, field);
  else ctx.out.secret(secret);
}

/** Output of write/patch: the answer, or a success line when the server answered 204. */
function printWriteOutcome(ctx: CommandContext, path: string, secret: VaultSecret | null): void {
  if (!secret) {
    if (ctx.out.format === 'table') ctx.out.line(`Success! Data written to: ${path}`);
    return;
  }
  printSecret(ctx, secret);
}

function failure(ctx: CommandContext, context: string, err: unknown): unknown {
  if (err instanceof VaultApiError && err.secret) ctx.out.secret(err.secret);
  return asCliError(context, err);
}

const readCommand: CommandDefinition = {
  path: ['read'],
  summary: 'Read data at any path',
  usage: '[options] PATH [K=V...]',
  help: 'Reads PATH (GET /v1/PATH); K=V pairs are sent as query parameters.',
  flags: [],
  field: true,
  async run(ctx) {
    ctx.expectArgs(1, Infinity);
    const path = sanitizePath(ctx.args[0] as string);
    const query = toStringLists(await parseKeyValueArgs(ctx.args.slice(1), () => ctx.readStdin()));
    const client = await ctx.client();
    const secret = await callServer(`Error reading ${path}`, () => client.read(path, query));
    if (!secret) throw CliError.api(`No value found at ${path}`);
    printSecret(ctx, secret);
  },
};

/** `write` and `patch`: K=V data sent to any path, differing only in the HTTP call. */
function dataCommand(
  name: 'write' | 'patch',
  summary: string,
  help: string,
  send: (client: VaultClient, path: string, data: Record<string, unknown>) => Promise<VaultSecret | null>,
): CommandDefinition {
  return {
    path: [name],
    summary,
    usage: '[options] PATH [K=V...]',
    help,
    flags: [
      {
        name: 'force',
        kind: 'bool',
        aliases: ['f'],
        description: `${name === 'write' ? 'Write' : 'Patch'} even without data.`,
      },
    ],
    field: true,
    async run(ctx) {
      ctx.expectArgs(1, Infinity);
      if (ctx.args.length === 1 && !ctx.flags.bool('force'))
        throw CliError.usage('Must supply data or use -force');
      const path = sanitizePath(ctx.args[0] as string);
      const data = await parseKeyValueArgs(ctx.args.slice(1), () => ctx.readStdin());
      const client = await ctx.client();
      let secret: VaultSecret | null;
      try {
        secret = await send(client, path, data);
      } catch (err) {
        throw failure(ctx, `Error writing data to ${path}`, err);
      }
      printWriteOutcome(ctx, path, secret);
    },
  };
}

const writeCommand = dataCommand(
  'write',
  'Write data to any path',
  'Writes K=V data to PATH (PUT /v1/PATH). Values: K=V, K=@file, K=- (stdin); a lone "-" reads a JSON object from stdin. Use -force to write without data.',
  (client, path, data) => client.write(path, data),
);

const patchCommand = dataCommand(
  'patch',
  'Patch data at any path (JSON merge patch)',
  'Sends K=V data to PATH with HTTP PATCH (application/merge-patch+json).',
  (client, path, data) => client.mergePatch(path, data),
);

const listCommand: CommandDefinition = {
  path: ['list'],
  summary: 'List keys at any path',
  usage: '[options] PATH',
  flags: [],
  async run(ctx) {
    ctx.expectArgs(1);
    const path = sanitizePath(ctx.args[0] as string);
    const client = await ctx.client();
    const secret = await callServer(`Error listing ${path}`, () => client.list(path));
    if (secret?.wrap_info && secret.wrap_info.ttl !== 0) {
      ctx.out.secret(secret);
      return;
    }
    const keys = secret?.data?.keys;
    if (ctx.out.format !== 'table' && (!secret || !secret.data || !Array.isArray(keys))) {
      ctx.out.data({});
      return ExitCode.api;
    }
    if (!secret) throw CliError.api(`No value found at ${path}`);
    if (!secret.data) {
      ctx.out.secret(secret);
      return;
    }
    if (!Array.isArray(keys)) throw CliError.api(`No entries found at ${path}`);
    ctx.out.list(secret);
  },
};

const deleteCommand: CommandDefinition = {
  path: ['delete'],
  summary: 'Delete data at any path',
  usage: '[options] PATH [K=V...]',
  help: 'Deletes PATH (DELETE /v1/PATH); K=V pairs are sent as query parameters.',
  flags: [],
  field: true,
  async run(ctx) {
    if (ctx.args.length < 1) throw CliError.usage('Not enough arguments (expected at least 1, got 0)');
    const path = sanitizePath(ctx.args[0] as string);
    const query = toStringLists(await parseKeyValueArgs(ctx.args.slice(1), () => ctx.readStdin()));
    const client = await ctx.client();
    let secret: VaultSecret | null;
    try {
      secret = await client.delete(path, query);
    } catch (err) {
      throw failure(ctx, `Error deleting ${path}`, err);
    }
    if (!secret) {
      if (ctx.out.format === 'table') ctx.out.line(`Success! Data deleted (if it existed) at: ${path}`);
      return;
    }
    printSecret(ctx, secret);
  },
};

export const genericCommands: readonly CommandDefinition[] = [
  readCommand,
  writeCommand,
  patchCommand,
  listCommand,
  deleteCommand,
];
