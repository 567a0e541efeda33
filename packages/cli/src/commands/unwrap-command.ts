import { callServer } from '../cli/call-server.js';
import { CliError } from '../cli/cli-error.js';
import type { CommandDefinition } from '../cli/command-definition.js';

/** `coffer unwrap [TOKEN]`: the response a wrapping token holds (PUT sys/wrapping/unwrap). */
export const unwrapCommand: CommandDefinition = {
  path: ['unwrap'],
  summary: 'Unwrap a wrapped secret',
  usage: '[options] [TOKEN]',
  help:
    'Returns the response stored under a wrapping token (from a request made with -wrap-ttl). ' +
    'Without TOKEN the current token is used as the wrapping token. A wrapping token works once.',
  flags: [],
  field: true,
  async run(ctx) {
    if (ctx.args.length > 1)
      throw CliError.usage(`Too many arguments (expected 0-1, got ${ctx.args.length})`);
    const token = (ctx.args[0] ?? '').trim();
    const client = await ctx.client();
    const secret = await callServer('Error unwrapping', () =>
      client.unwrap(token === '' ? undefined : token),
    );
    if (!secret) {
      if (ctx.out.format === 'table')
        ctx.out.line('Successfully unwrapped. There was no data in the wrapped secret.');
      return;
    }
    const field = ctx.flags.string('field');
    if (field !== undefined && field !== '') {
      ctx.out.field(secret, field);
      return;
    }
    if (Array.isArray(secret.data?.keys)) ctx.out.list(secret);
    else ctx.out.secret(secret);
  },
};
