import { CommanderError, type Command } from 'commander';
import { VaultApiError, VaultConnectionError } from '../client/vault-api-error.js';
import { COMMANDS, GROUPS } from '../commands/command-catalog.js';
import { COFFER_VERSION } from '../commands/version-command.js';
import { CommandOutput } from '../output/command-output.js';
import { parseOutputFormat } from '../output/output-format.js';
import { buildProgram, flagsOf, type FlagErrorSink, type LeafInvocation } from './build-program.js';
import { readCliEnvironment, type EnvironmentVariables } from './cli-environment.js';
import { CliError, ExitCode } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { CommandContext } from './command-context.js';
import type { CommandDefinition } from './command-definition.js';
import { extractGlobalFlags, normaliseArgv } from './normalise-argv.js';
import { ParsedFlags } from './parsed-flags.js';
import { ProcessIo } from './process-io.js';
import { TokenHelper } from './token-helper.js';

/** Runs `coffer server <args>`; resolves with the exit code. */
export type ServerRunner = (args: string[]) => Promise<number>;

export interface RunCliOptions {
  readonly io?: CliIo;
  readonly env?: EnvironmentVariables;
  /** Implementation of `coffer server`; default: `runServerCommand` of `@coffer/server`. */
  readonly runServer?: ServerRunner;
}

const HELP_WORDS = new Set(['-h', '-help', '--help']);
const VERSION_WORDS = new Set(['-v', '-version', '--version']);

/** Loads the server package only when `coffer server` runs (the CLI otherwise talks HTTP only). */
const defaultServerRunner: ServerRunner = async (args) => {
  const specifier = '@coffer/server';
  const mod = (await import(specifier)) as { runServerCommand?: unknown };
  if (typeof mod.runServerCommand !== 'function') {
    throw CliError.usage(`"coffer server" is not available: ${specifier} does not export runServerCommand`);
  }
  return (mod.runServerCommand as ServerRunner)(args);
};

function findCommand(root: Command, path: readonly string[]): Command {
  let node = root;
  for (const word of path) {
    const next = node.commands.find((c) => c.name() === word);
    if (!next) return node;
    node = next;
  }
  return node;
}

/**
 * Runs the `coffer` command line (`argv` without the node and script words) and resolves
 * with the exit code: 0 ok, 1 local/usage error, 2 server error (`status`: 2 = sealed).
 * Errors are printed as one line on stderr, never as a stack.
 */
export async function runCli(argv: readonly string[], options: RunCliOptions = {}): Promise<number> {
  const io = options.io ?? new ProcessIo();
  const sink: FlagErrorSink = { message: undefined };
  try {
    return await dispatch(argv, io, options, sink);
  } catch (err) {
    return report(io, err, sink);
  }
}

function report(io: CliIo, err: unknown, sink: FlagErrorSink): number {
  if (err instanceof CliError) {
    io.err(`${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof CommanderError) {
    if (
      err.code === 'commander.helpDisplayed' ||
      err.code === 'commander.help' ||
      err.code === 'commander.version'
    ) {
      return ExitCode.ok;
    }
    io.err(`${sink.message ?? err.message.replace(/^error: /, '')}\n`);
    return ExitCode.usage;
  }
  if (err instanceof VaultApiError || err instanceof VaultConnectionError) {
    io.err(`Error: ${err.message}\n`);
    return ExitCode.api;
  }
  io.err(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
  return ExitCode.usage;
}

async function dispatch(
  argv: readonly string[],
  io: CliIo,
  options: RunCliOptions,
  sink: FlagErrorSink,
): Promise<number> {
  if (argv[0] === 'server') return (options.runServer ?? defaultServerRunner)(argv.slice(1));
  if (argv.length === 1 && VERSION_WORDS.has(argv[0] as string)) {
    io.out(`Coffer v${COFFER_VERSION}\n`);
    return ExitCode.ok;
  }
  const { args, globals } = extractGlobalFlags(argv);
  const env = readCliEnvironment(options.env ?? process.env);
  const format = parseOutputFormat(globals.format ?? env.format);
  let exitCode: number = ExitCode.ok;
  const onLeaf = async ({ def, args: positionals, values }: LeafInvocation): Promise<void> => {
    const kinds = new Map(flagsOf(def).map((s) => [s.name, s.kind] as const));
    const ctx = new CommandContext({
      args: positionals,
      flags: new ParsedFlags(values, kinds),
      out: new CommandOutput(io, format, globals.detailed ?? false),
      io,
      env,
      tokenHelper: new TokenHelper(env.tokenFile),
    });
    const code = await def.run(ctx);
    exitCode = typeof code === 'number' ? code : ExitCode.ok;
  };
  const program = buildProgram(
    COMMANDS,
    GROUPS,
    sink,
    { out: (s) => io.out(s), err: (s) => io.err(s) },
    onLeaf,
  );

  // Find the leaf command named by the leading words (`kv metadata get`).
  const leaves = new Map<string, CommandDefinition>(COMMANDS.map((c) => [c.path.join(' '), c]));
  const groupWords = new Set(GROUPS.map((g) => g.path.join(' ')));
  let depth = 0;
  let leaf: CommandDefinition | undefined;
  while (depth < args.length) {
    const words = args.slice(0, depth + 1).join(' ');
    leaf = leaves.get(words);
    if (leaf) break;
    if (!groupWords.has(words)) break;
    depth += 1;
  }
  if (!leaf) {
    const groupPath = args.slice(0, depth);
    const node = findCommand(program, groupPath);
    const next = args[depth];
    if (next !== undefined && HELP_WORDS.has(next)) {
      io.out(node.helpInformation());
      return ExitCode.ok;
    }
    if (next !== undefined) io.err(`Unknown command: ${['coffer', ...groupPath, next].join(' ')}\n\n`);
    io.err(node.helpInformation());
    return ExitCode.usage;
  }

  const rest = args.slice(leaf.path.length);
  const parsed = normaliseArgv(rest, flagsOf(leaf));
  if (parsed.help) {
    io.out(findCommand(program, leaf.path).helpInformation());
    return ExitCode.ok;
  }
  if (parsed.trailingFlags.length > 0 && format === 'table') {
    io.err(
      `Warning: flags must come before positional arguments; these were not parsed as flags: [${parsed.trailingFlags.join(',')}]\n`,
    );
  }
  const canonical = [
    ...leaf.path,
    ...parsed.flags.map((f) => (f.value === undefined ? `--${f.name}` : `--${f.name}=${f.value}`)),
    '--',
    ...parsed.positionals,
  ];
  await program.parseAsync(canonical, { from: 'user' });
  return exitCode;
}
