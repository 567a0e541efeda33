/** Exit codes of the `coffer` command, as Vault's CLI uses them. */
export const ExitCode = {
  ok: 0,
  /** Local problem: bad flags or arguments, unreadable file, invalid output format. */
  usage: 1,
  /** The server answered with an error, or could not be reached. */
  api: 2,
} as const;

/**
 * A failure that ends a command: one line for stderr and the exit code to leave with.
 * Commands throw it; the runner prints `message` (never a stack) and exits with `exitCode`.
 */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(exitCode: number, message: string) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }

  /** A local usage error (exit 1). */
  static usage(message: string): CliError {
    return new CliError(ExitCode.usage, message);
  }

  /** A remote/API error (exit 2). */
  static api(message: string): CliError {
    return new CliError(ExitCode.api, message);
  }
}
