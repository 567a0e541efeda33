import type { CommandDefinition } from '../cli/command-definition.js';

/** Version of this CLI. */
export const COFFER_VERSION = '0.1.0';

export const versionCommand: CommandDefinition = {
  path: ['version'],
  summary: 'Print the CLI version',
  usage: '',
  flags: [],
  async run(ctx) {
    ctx.out.line(`Coffer v${COFFER_VERSION}`);
  },
};
