import { readFile } from 'node:fs/promises';
import { callServer } from '../cli/call-server.js';
import { CliError } from '../cli/cli-error.js';
import type { CommandDefinition, CommandGroup } from '../cli/command-definition.js';
import { policyFmtCommand } from './policy-fmt-command.js';

export const policyGroup: CommandGroup = {
  path: ['policy'],
  summary: 'Write, read, list and delete ACL policies',
};

/** Policy names are trimmed and lower-cased, as the server stores them. */
function policyName(raw: string): string {
  return raw.trim().toLowerCase();
}

const writeCommand: CommandDefinition = {
  path: ['policy', 'write'],
  summary: 'Upload a policy from a file or stdin',
  usage: '[options] NAME PATH',
  help: 'Uploads the policy in the HCL or JSON file PATH ("-" reads stdin) under NAME, replacing any policy of that name.',
  flags: [],
  async run(ctx) {
    ctx.expectArgs(2);
    const raw = ctx.args[0] as string;
    const name = policyName(raw);
    const path = (ctx.args[1] as string).trim();
    let rules: string;
    if (path === '-') {
      rules = await ctx.readStdin();
    } else {
      try {
        rules = await readFile(path, 'utf8');
      } catch (err) {
        throw CliError.usage(
          `Error opening policy file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        );
      }
    }
    const client = await ctx.client();
    await callServer('Error uploading policy', () => client.writePolicy(name, rules));
    if (raw !== name) ctx.out.warn(`Policy name was converted from "${raw}" to "${name}"`);
    ctx.out.line(`Success! Uploaded policy: ${name}`);
  },
};

const readCommand: CommandDefinition = {
  path: ['policy', 'read'],
  summary: 'Print the contents of a policy',
  usage: '[options] NAME',
  flags: [],
  async run(ctx) {
    ctx.expectArgs(1);
    const name = policyName(ctx.args[0] as string);
    const client = await ctx.client();
    const rules = await callServer(`Error reading policy named ${name}`, () => client.readPolicy(name));
    if (rules === null || rules === '') throw CliError.api(`No policy named: ${name}`);
    if (ctx.out.format === 'table') ctx.out.line(rules.trim());
    else ctx.out.data({ policy: rules }, true);
  },
};

const listCommand: CommandDefinition = {
  path: ['policy', 'list'],
  summary: 'List the installed policies',
  usage: '[options]',
  flags: [],
  async run(ctx) {
    ctx.expectArgs(0);
    const client = await ctx.client();
    const policies = await callServer('Error listing policies', () => client.listPolicies());
    if (ctx.out.format === 'table') for (const p of policies) ctx.out.line(p);
    else ctx.out.data(policies, true);
  },
};

const deleteCommand: CommandDefinition = {
  path: ['policy', 'delete'],
  summary: 'Delete a policy',
  usage: '[options] NAME',
  flags: [],
  async run(ctx) {
    ctx.expectArgs(1);
    const name = policyName(ctx.args[0] as string);
    const client = await ctx.client();
    await callServer(`Error deleting ${name}`, () => client.deletePolicy(name));
    ctx.out.line(`Success! Deleted policy: ${name}`);
  },
};

export const policyCommands: readonly CommandDefinition[] = [
  writeCommand,
  readCommand,
  listCommand,
  deleteCommand,
  policyFmtCommand,
];
