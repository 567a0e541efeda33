import { Command, InvalidArgumentError, Option } from 'commander';
import type { CommandDefinition, CommandGroup } from './command-definition.js';
import type { FlagSpec } from './flag-spec.js';
import { parseDurationSeconds } from './go-duration.js';
import { FIELD_FLAG, HTTP_FLAGS } from './http-flags.js';
import { parseGoBool, parseGoInt } from './normalise-argv.js';
import type { FlagValue } from './parsed-flags.js';

/** The flags a leaf command accepts: its own, `-field` when it prints fields, then the HTTP flags. */
export function flagsOf(def: CommandDefinition): readonly FlagSpec[] {
  return [...def.flags, ...(def.field ? [FIELD_FLAG] : []), ...HTTP_FLAGS];
}

/** What the action of a leaf command receives. */
export interface LeafInvocation {
  readonly def: CommandDefinition;
  readonly args: readonly string[];
  readonly values: ReadonlyMap<string, FlagValue>;
}

/** Collects the message of the last rejected flag value (commander wraps it in its own text). */
export interface FlagErrorSink {
  message: string | undefined;
}

function reject(sink: FlagErrorSink, message: string): never {
  sink.message = message;
  throw new InvalidArgumentError(message);
}

function optionFor(spec: FlagSpec, sink: FlagErrorSink): Option {
  const aliases = spec.aliases && spec.aliases.length > 0 ? ` (also -${spec.aliases.join(', -')})` : '';
  const description = `${spec.description}${aliases}`;
  const placeholder = spec.placeholder ?? '<value>';
  switch (spec.kind) {
    case 'bool': {
      const option = new Option(`--${spec.name} [bool]`, description).argParser((v: string) => {
        const parsed = parseGoBool(v);
        return parsed ?? reject(sink, `invalid boolean value "${v}" for -${spec.name}`);
      });
      // Vault has plain flags named no-… (-no-store, -no-default-policy): not commander negations.
      option.negate = false;
      return option;
    }
    case 'string':
      return new Option(`--${spec.name} ${placeholder}`, description).argParser((v: string) => v);
    case 'int':
      return new Option(`--${spec.name} ${placeholder}`, description).argParser((v: string) => {
        const parsed = parseGoInt(v);
        return parsed ?? reject(sink, `invalid value "${v}" for flag -${spec.name}: parse error`);
      });
    case 'duration':
      return new Option(`--${spec.name} ${placeholder}`, description).argParser((v: string) => {
        try {
          return parseDurationSeconds(v);
        } catch {
          return reject(sink, `invalid value "${v}" for flag -${spec.name}: time: invalid duration "${v}"`);
        }
      });
    case 'string-slice':
      return new Option(`--${spec.name} ${placeholder}`, description).argParser(
        (v: string, prev: string[] | undefined) => [
          ...(prev ?? []),
          ...v
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== ''),
        ],
      );
    case 'string-map':
      return new Option(`--${spec.name} ${placeholder}`, description).argParser(
        (v: string, prev: Record<string, string> | undefined) => {
          const eq = v.indexOf('=');
          if (eq === -1)
            return reject(sink, `invalid value "${v}" for flag -${spec.name}: expected key=value`);
          return { ...(prev ?? {}), [v.slice(0, eq)]: v.slice(eq + 1) };
        },
      );
  }
}

/**
 * The commander tree of `coffer`: groups (`kv`, `kv metadata`, ...) and leaves. Leaves take
 * their flags as `--name=value` (the Go-style argv is normalised before commander sees it) and
 * hand typed values to `onLeaf`.
 */
export function buildProgram(
  commands: readonly CommandDefinition[],
  groups: readonly CommandGroup[],
  sink: FlagErrorSink,
  write: { out: (s: string) => void; err: (s: string) => void },
  onLeaf: (invocation: LeafInvocation) => Promise<void>,
): Command {
  const program = new Command('coffer');
  program
    .description('Coffer: a secrets manager that speaks the Vault HTTP API.')
    .usage('<command> [args]')
    .exitOverride()
    .configureOutput({ writeOut: write.out, writeErr: write.err, outputError: () => undefined })
    .helpCommand(false)
    .showSuggestionAfterError(false)
    .configureHelp({
      // Vault users type Go-style flags: show `-name`, list subcommands by name only.
      optionTerm: (option) => option.flags.replace(/^--/, '-').replace(/ \[bool\]$/, ''),
      subcommandTerm: (cmd) => cmd.name(),
    });
  program
    .command('server')
    .description('Start a server (see "coffer server -help")')
    .allowUnknownOption()
    .helpOption(false);
  const nodes = new Map<string, Command>([['', program]]);
  const nodeFor = (path: readonly string[]): Command => {
    const key = path.join(' ');
    const existing = nodes.get(key);
    if (existing) return existing;
    const parent = nodeFor(path.slice(0, -1));
    const group = groups.find((g) => g.path.join(' ') === key);
    const cmd = parent
      .command(path[path.length - 1] as string)
      .usage('<subcommand> [options] [args]')
      .helpCommand(false);
    if (group) cmd.description(group.summary);
    nodes.set(key, cmd);
    return cmd;
  };
  for (const def of commands) {
    const parent = nodeFor(def.path.slice(0, -1));
    const leaf = parent.command(def.path[def.path.length - 1] as string);
    leaf
      .summary(def.summary)
      .description(def.help ? `${def.summary}\n\n${def.help}` : def.summary)
      .usage(def.usage)
      .argument('[args...]')
      .allowExcessArguments(true);
    const specs = flagsOf(def);
    const options = specs.map((spec) => {
      const option = optionFor(spec, sink);
      leaf.addOption(option);
      return { spec, option };
    });
    leaf.action(async (args: string[], _opts: unknown, command: Command) => {
      const opts = command.opts<Record<string, unknown>>();
      const values = new Map<string, FlagValue>();
      for (const { spec, option } of options) {
        const attr = option.attributeName();
        if (command.getOptionValueSource(attr) === 'cli') values.set(spec.name, opts[attr] as FlagValue);
      }
      await onLeaf({ def, args, values });
    });
  }
  return program;
}
