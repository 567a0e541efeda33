import { readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { CliError } from '../cli/cli-error.js';
import type { CommandDefinition } from '../cli/command-definition.js';
import { formatPolicy, policyTreeFromJson, validatePolicy } from '../policy/format-policy.js';
import type { PolicySyntaxTree } from '../policy/policy-syntax.js';

type TreeParser = (source: string, file?: string) => PolicySyntaxTree;

/** Parsers from the server package's HCL module, loaded on demand (the CLI never links the server statically). */
async function loadParsers(): Promise<{ hcl: TreeParser; json: TreeParser | undefined }> {
  const specifier = '@coffer/server';
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    throw CliError.usage(
      `policy fmt needs the HCL parser of ${specifier}, which could not be loaded: ${(err as Error).message}`,
    );
  }
  if (typeof mod.parseHcl !== 'function') {
    throw CliError.usage(`policy fmt needs ${specifier} to export parseHcl`);
  }
  return {
    hcl: mod.parseHcl as TreeParser,
    json: typeof mod.parseJson === 'function' ? (mod.parseJson as TreeParser) : undefined,
  };
}

/** `coffer policy fmt FILE`: validates a policy and rewrites it in canonical HCL layout. */
export const policyFmtCommand: CommandDefinition = {
  path: ['policy', 'fmt'],
  summary: 'Format a local policy file',
  usage: '[options] PATH',
  help: 'Checks the HCL (or JSON) policy in the local file PATH and rewrites it in place in canonical HCL layout: two-space indent, aligned "=", blank lines between blocks. Nothing is sent to a server.',
  flags: [],
  async run(ctx) {
    ctx.expectArgs(1);
    let path = (ctx.args[0] as string).trim();
    if (path === '~' || path.startsWith('~/')) path = homedir() + path.slice(1);
    let source: string;
    try {
      source = await readFile(path, 'utf8');
    } catch (err) {
      throw CliError.usage(
        `Error reading source file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    const parsers = await loadParsers();
    const isJson = source.trimStart().startsWith('{');
    const parse = isJson && parsers.json ? parsers.json : parsers.hcl;
    let tree: PolicySyntaxTree;
    try {
      tree = parse(source, path);
      if (isJson && parsers.json) tree = policyTreeFromJson(tree);
    } catch (err) {
      throw CliError.usage(`Failed to parse policy: ${(err as Error).message}`);
    }
    const problems = validatePolicy(tree);
    if (problems.length > 0) throw CliError.usage(`Invalid policy ${path}: ${problems.join('; ')}`);
    try {
      await writeFile(path, formatPolicy(tree));
    } catch (err) {
      throw CliError.usage(
        `Error writing result to ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    ctx.out.line(`Success! Formatted policy: ${path}`);
  },
};
