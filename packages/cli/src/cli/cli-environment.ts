import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseDurationSeconds } from './go-duration.js';
import { CliError } from './cli-error.js';
import { parseGoBool, parseGoInt } from './normalise-argv.js';

/** Settings the CLI takes from the environment (flags may override some per command). */
export interface CliEnvironment {
  readonly address: string;
  readonly token: string | undefined;
  readonly caCert: string | undefined;
  readonly caPath: string | undefined;
  readonly clientCert: string | undefined;
  readonly clientKey: string | undefined;
  readonly skipVerify: boolean;
  readonly tlsServerName: string | undefined;
  readonly format: string | undefined;
  readonly namespace: string | undefined;
  readonly wrapTtl: string | undefined;
  readonly maxRetries: number;
  readonly clientTimeoutMs: number;
  readonly disableRedirects: boolean;
  /** Where the token helper keeps the token (`~/.vault-token` unless COFFER_TOKEN_FILE). */
  readonly tokenFile: string;
}

/** Vault's default: the CLI assumes TLS on the local machine. */
export const DEFAULT_ADDRESS = 'https://127.0.0.1:8200';

export type EnvironmentVariables = Readonly<Record<string, string | undefined>>;

/**
 * Reads `COFFER_<NAME>` or else `VAULT_<NAME>`; an empty value counts as unset (as with Go's
 * `os.Getenv`). COFFER_ wins when both are set.
 */
export function envSetting(env: EnvironmentVariables, name: string): string | undefined {
  for (const key of [`COFFER_${name}`, `VAULT_${name}`]) {
    const value = env[key];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

function envBool(env: EnvironmentVariables, name: string): boolean {
  const raw = envSetting(env, name);
  if (raw === undefined) return false;
  const parsed = parseGoBool(raw);
  if (parsed === undefined)
    throw CliError.usage(`could not parse ${name} environment variable: "${raw}" is not a boolean`);
  return parsed;
}

/** Reads every CLI setting from the environment. */
export function readCliEnvironment(env: EnvironmentVariables): CliEnvironment {
  let maxRetries = 2;
  const retriesRaw = envSetting(env, 'MAX_RETRIES');
  if (retriesRaw !== undefined) {
    const n = parseGoInt(retriesRaw);
    if (n === undefined || n < 0)
      throw CliError.usage(`could not parse MAX_RETRIES environment variable: "${retriesRaw}"`);
    maxRetries = n;
  }
  let clientTimeoutMs = 60_000;
  const timeoutRaw = envSetting(env, 'CLIENT_TIMEOUT');
  if (timeoutRaw !== undefined) {
    let seconds: number;
    try {
      seconds = parseDurationSeconds(timeoutRaw);
    } catch {
      throw CliError.usage(`could not parse CLIENT_TIMEOUT environment variable: "${timeoutRaw}"`);
    }
    if (seconds > 0) clientTimeoutMs = Math.round(seconds * 1000);
  }
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir();
  const tokenFile =
    env.COFFER_TOKEN_FILE !== undefined && env.COFFER_TOKEN_FILE !== ''
      ? env.COFFER_TOKEN_FILE
      : join(home, '.vault-token');
  return {
    address: envSetting(env, 'ADDR') ?? DEFAULT_ADDRESS,
    token: envSetting(env, 'TOKEN'),
    caCert: envSetting(env, 'CACERT'),
    caPath: envSetting(env, 'CAPATH'),
    clientCert: envSetting(env, 'CLIENT_CERT'),
    clientKey: envSetting(env, 'CLIENT_KEY'),
    skipVerify: envBool(env, 'SKIP_VERIFY'),
    tlsServerName: envSetting(env, 'TLS_SERVER_NAME'),
    format: envSetting(env, 'FORMAT'),
    namespace: envSetting(env, 'NAMESPACE'),
    wrapTtl: envSetting(env, 'WRAP_TTL'),
    maxRetries,
    clientTimeoutMs,
    disableRedirects: envBool(env, 'DISABLE_REDIRECTS'),
    tokenFile,
  };
}
