import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VaultClient } from '../client/vault-client.js';
import type { CommandOutput } from '../output/command-output.js';
import type { CliEnvironment } from './cli-environment.js';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { formatGoDuration, parseDurationSeconds } from './go-duration.js';
import type { ParsedFlags } from './parsed-flags.js';
import type { TokenHelper } from './token-helper.js';

/** Everything a command needs: its arguments and flags, output, environment and a client. */
export class CommandContext {
  readonly args: readonly string[];
  readonly flags: ParsedFlags;
  readonly out: CommandOutput;
  readonly io: CliIo;
  readonly env: CliEnvironment;
  readonly tokenHelper: TokenHelper;
  private stdinUsed = false;

  constructor(init: {
    args: readonly string[];
    flags: ParsedFlags;
    out: CommandOutput;
    io: CliIo;
    env: CliEnvironment;
    tokenHelper: TokenHelper;
  }) {
    this.args = init.args;
    this.flags = init.flags;
    this.out = init.out;
    this.io = init.io;
    this.env = init.env;
    this.tokenHelper = init.tokenHelper;
  }

  /** Fails with Vault's wording unless there are between `min` and `max` positional arguments. */
  expectArgs(min: number, max: number = min): void {
    const got = this.args.length;
    const expected = min === max ? String(min) : max === Infinity ? `>${min - 1}` : `${min}-${max}`;
    if (got < min) throw CliError.usage(`Not enough arguments (expected ${expected}, got ${got})`);
    if (got > max) throw CliError.usage(`Too many arguments (expected ${expected}, got ${got})`);
  }

  /** `-non-interactive` was given. */
  get nonInteractive(): boolean {
    return this.flags.bool('non-interactive');
  }

  /** All of stdin, once (`-` arguments, `@-`); empty with `-non-interactive`. */
  async readStdin(): Promise<string> {
    if (this.nonInteractive) return '';
    if (this.stdinUsed) throw CliError.usage('stdin already consumed');
    this.stdinUsed = true;
    return this.io.readStdin();
  }

  /** A client with the token from VAULT_TOKEN/COFFER_TOKEN or the token helper. */
  async client(): Promise<VaultClient> {
    const client = await this.clientWithoutToken();
    client.setToken(this.env.token ?? (await this.storedToken()));
    return client;
  }

  private async storedToken(): Promise<string | undefined> {
    try {
      return await this.tokenHelper.get();
    } catch (err) {
      throw CliError.usage(
        `Error reading the token helper file ${this.tokenHelper.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }

  /** A client for the configured address and TLS settings, with no token. */
  async clientWithoutToken(): Promise<VaultClient> {
    const flag = (name: string): string | undefined => {
      const v = this.flags.string(name);
      return v === undefined || v === '' ? undefined : v;
    };
    const address = flag('address') ?? this.env.address;
    const caCertFile = flag('ca-cert') ?? this.env.caCert;
    const caPath = flag('ca-path') ?? this.env.caPath;
    const certFile = flag('client-cert') ?? this.env.clientCert;
    const keyFile = flag('client-key') ?? this.env.clientKey;
    const skipVerify = this.flags.has('tls-skip-verify')
      ? this.flags.bool('tls-skip-verify')
      : this.env.skipVerify;
    const serverName = flag('tls-server-name') ?? this.env.tlsServerName;
    const redirectsOff = this.flags.has('disable-redirects')
      ? this.flags.bool('disable-redirects')
      : this.env.disableRedirects;
    const ca: Buffer[] = [];
    if (caCertFile !== undefined) ca.push(await readLocalFile(caCertFile, 'CA certificate'));
    else if (caPath !== undefined) ca.push(...(await readCaDirectory(caPath)));
    if ((certFile === undefined) !== (keyFile === undefined)) {
      throw CliError.usage(
        'Both a client certificate and a client key are needed for TLS client authentication',
      );
    }
    const cert = certFile !== undefined ? await readLocalFile(certFile, 'client certificate') : undefined;
    const key = keyFile !== undefined ? await readLocalFile(keyFile, 'client key') : undefined;
    const wrapTtl = this.wrapTtl();
    try {
      return new VaultClient({
        address,
        tls: {
          ...(ca.length > 0 ? { ca } : {}),
          ...(cert !== undefined ? { cert } : {}),
          ...(key !== undefined ? { key } : {}),
          skipVerify,
          ...(serverName !== undefined ? { serverName } : {}),
        },
        timeoutMs: this.env.clientTimeoutMs,
        maxRetries: this.env.maxRetries,
        disableRedirects: redirectsOff,
        namespace: flag('namespace') ?? this.env.namespace,
        wrapTtl,
      });
    } catch (err) {
      throw CliError.usage(`Invalid server address "${address}": ${(err as Error).message}`);
    }
  }

  /**
   * The `X-Vault-Wrap-TTL` to send: `-wrap-ttl`, else VAULT_WRAP_TTL, as a Go duration
   * (`5m0s`); undefined when neither is set or the TTL is zero.
   */
  private wrapTtl(): string | undefined {
    let seconds: number;
    if (this.flags.has('wrap-ttl')) seconds = this.flags.duration('wrap-ttl') ?? 0;
    else if (this.env.wrapTtl !== undefined) {
      try {
        seconds = parseDurationSeconds(this.env.wrapTtl);
      } catch {
        throw CliError.usage(`could not parse WRAP_TTL environment variable: "${this.env.wrapTtl}"`);
      }
    } else return undefined;
    if (seconds < 0) throw CliError.usage('-wrap-ttl must not be negative');
    return seconds > 0 ? formatGoDuration(seconds) : undefined;
  }
}

async function readLocalFile(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw CliError.usage(
      `Error reading ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

async function readCaDirectory(dir: string): Promise<Buffer[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw CliError.usage(
      `Error reading CA directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const out: Buffer[] = [];
  for (const name of names.sort()) {
    try {
      const content = await readFile(join(dir, name));
      if (content.includes('-----BEGIN CERTIFICATE-----')) out.push(content);
    } catch {
      // not a readable file (e.g. a sub-directory): skip
    }
  }
  return out;
}
