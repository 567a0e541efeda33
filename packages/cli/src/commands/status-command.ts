import { callServer } from '../cli/call-server.js';
import { ExitCode } from '../cli/cli-error.js';
import type { CommandDefinition } from '../cli/command-definition.js';
import { assertSealStatus, printSealStatus, sealStatusReport } from './seal-status-report.js';

/** `coffer status`: seal and HA state; exit 0 unsealed, 2 sealed, 1 on error. */
export const statusCommand: CommandDefinition = {
  path: ['status'],
  summary: 'Print seal and HA status',
  usage: '[options]',
  help: 'Prints the seal status and HA state of the server. Exits 0 when unsealed, 2 when sealed, 1 on error.',
  flags: [],
  field: true,
  async run(ctx) {
    ctx.expectArgs(0);
    const client = await ctx.client();
    const status = assertSealStatus(
      await callServer('Error checking seal status', () => client.sealStatus(), ExitCode.usage),
      'Error checking seal status',
      ExitCode.usage,
    );
    const report = await sealStatusReport(client, status);
    printSealStatus(ctx, report, ctx.flags.string('field'));
    return status.sealed ? ExitCode.api : ExitCode.ok;
  },
};
