import { readFile } from 'node:fs/promises';
import { CliError } from './cli-error.js';

/**
 * A flag value that may name a file, as Vault's `parseFlagFile` reads it: `@path` gives the
 * file's contents, anything else is the value itself. An unreadable file is a usage error
 * (`<what>: error reading file <path>: ENOENT`).
 */
export async function readFlagFile(raw: string | undefined, what: string): Promise<string | undefined> {
  if (raw === undefined || !raw.startsWith('@')) return raw;
  const path = raw.slice(1);
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw CliError.usage(
      `Failed to parse ${what}: error reading file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}
