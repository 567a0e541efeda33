import { readFile } from 'node:fs/promises';
import { CliError } from './cli-error.js';

/**
 * Builds a request body from `key=value` arguments, with Vault's rules:
 * - `key=value` sets a string; repeating a key makes a list;
 * - `key=@file` reads the value from a file (`key=\@x` is the literal `@x`);
 * - `key=-` reads the value from stdin;
 * - a lone `-` reads a JSON object from stdin, a lone `@file.json` reads one from a file,
 *   and merges it in;
 * - empty arguments are ignored. Stdin can be used once.
 */
export async function parseKeyValueArgs(
  args: readonly string[],
  readStdin: () => Promise<string>,
): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  let stdinUsed = false;
  const takeStdin = async (): Promise<string> => {
    if (stdinUsed) throw CliError.usage('Failed to parse K=V data: stdin already consumed');
    stdinUsed = true;
    return readStdin();
  };
  const mergeJson = (text: string, source: string): void => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw CliError.usage(
        `Failed to parse K=V data: invalid JSON from ${source}: ${(err as Error).message}`,
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw CliError.usage(`Failed to parse K=V data: JSON from ${source} must be an object`);
    }
    Object.assign(result, parsed);
  };
  for (const raw of args) {
    if (raw === '') continue;
    const eq = raw.indexOf('=');
    if (eq === -1) {
      if (raw === '-') {
        mergeJson(await takeStdin(), 'stdin');
        continue;
      }
      if (raw.startsWith('@')) {
        mergeJson(await readArgFile(raw.slice(1)), raw.slice(1));
        continue;
      }
      throw CliError.usage(`Failed to parse K=V data: format must be key=value, got "${raw}"`);
    }
    const key = raw.slice(0, eq);
    let value = raw.slice(eq + 1);
    if (value.startsWith('@')) value = await readArgFile(value.slice(1));
    else if (value.startsWith('\\@')) value = value.slice(1);
    else if (value === '-') value = await takeStdin();
    if (Object.hasOwn(result, key)) {
      const existing = result[key];
      result[key] = Array.isArray(existing) ? [...(existing as unknown[]), value] : [existing, value];
    } else {
      result[key] = value;
    }
  }
  return result;
}

async function readArgFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw CliError.usage(
      `Failed to parse K=V data: error reading file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/** Values as lists of strings (Vault's `read`/`delete` query parameters). */
export function toStringLists(data: Readonly<Record<string, unknown>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(data)) {
    out[key] = Array.isArray(value) ? value.map((v) => stringOf(v)) : [stringOf(value)];
  }
  return out;
}

/** Values as single strings (login method parameters). */
export function toStringMap(data: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) out[key] = stringOf(value);
  return out;
}

function stringOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
