import { VaultApiError, VaultConnectionError } from '../client/vault-api-error.js';
import { CliError, ExitCode } from './cli-error.js';

/**
 * Runs one server call; a server or connection error becomes a one-line `CliError`
 * (`<context>: <reason>`, exit 2 unless `exitCode` says otherwise). Other errors pass through.
 */
export async function callServer<T>(
  context: string,
  fn: () => Promise<T>,
  exitCode: number = ExitCode.api,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw asCliError(context, err, exitCode);
  }
}

/** The `CliError` for a failed server call, or the error itself when it is not one. */
export function asCliError(context: string, err: unknown, exitCode: number = ExitCode.api): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof VaultApiError || err instanceof VaultConnectionError) {
    return new CliError(exitCode, `${context}: ${err.message}`);
  }
  return err;
}
