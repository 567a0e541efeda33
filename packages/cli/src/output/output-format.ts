import { CliError } from '../cli/cli-error.js';

/** `-format` values (VAULT_FORMAT): `table` (default), `json`, `yaml` (alias `yml`). */
export type OutputFormat = 'table' | 'json' | 'yaml';

/** Parses a `-format` / VAULT_FORMAT value (case-insensitive); unknown → usage error. */
export function parseOutputFormat(raw: string | undefined): OutputFormat {
  const value = (raw ?? '').trim().toLowerCase();
  switch (value) {
    case '':
    case 'table':
      return 'table';
    case 'json':
      return 'json';
    case 'yaml':
    case 'yml':
      return 'yaml';
    default:
      throw CliError.usage(`Invalid output format: ${raw ?? ''}`);
  }
}
