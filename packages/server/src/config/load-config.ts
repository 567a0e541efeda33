import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { ConfigError } from './config-error.js';
import { parseConfig, type ParseConfigOptions } from './parse-config.js';
import type { ServerConfig } from './server-config.js';

/**
 * Reads and validates a server configuration file: `.json` files are JSON, anything else HCL1
 * (a document starting with `{` is read as JSON either way). Throws `ConfigError`
 * (`file:line:column: reason`), including when the file cannot be read.
 */
export async function loadConfig(path: string, options: ParseConfigOptions = {}): Promise<ServerConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const reason = err instanceof Error && 'code' in err ? String(err.code) : 'unreadable';
    throw new ConfigError({ file: path, line: 1, column: 1 }, `cannot read configuration file (${reason})`, {
      cause: err,
    });
  }
  return parseConfig(text, path, extname(path).toLowerCase() === '.json' ? 'json' : 'hcl', options);
}
