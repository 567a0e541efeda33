import type { CommandContext } from './command-context.js';
import type { FlagSpec } from './flag-spec.js';

/** A `coffer` leaf command (`kv get`, `status`, ...). */
export interface CommandDefinition {
  /** Words that select it: `['kv', 'metadata', 'get']`. */
  readonly path: readonly string[];
  readonly summary: string;
  /** Arguments part of the usage line (`[options] KEY [DATA K=V...]`). */
  readonly usage: string;
  /** Longer help shown under the usage line. */
  readonly help?: string;
  /** Command-specific flags (the HTTP flags are added to every command). */
  readonly flags: readonly FlagSpec[];
  /** Accepts `-field=<name>`. */
  readonly field?: boolean;
  /** Runs the command; returns its exit code (default 0) or throws `CliError`. */
  run(ctx: CommandContext): Promise<number | void>;
}

/** A word that only groups commands (`kv`, `operator`, `kv metadata`). */
export interface CommandGroup {
  readonly path: readonly string[];
  readonly summary: string;
}
