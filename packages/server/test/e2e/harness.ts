/**
 * Black-box test harness: spawns real Coffer server processes (`node --conditions=source
 * --import tsx packages/server/src/main.ts server -config=...`) on a free 127.0.0.1 port with
 * file storage in a temp dir, and talks to them over HTTP(S).
 *
 * Every started process is also killed when the test process exits or is terminated (see
 * reap-children.ts), so a failing or timed-out test cannot leak servers; tests still call
 * `stop()` in `after`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reapOnExit } from './reap-children.js';
import { selfSignedCert } from './self-signed-cert.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
export const MAIN = join(REPO_ROOT, 'packages/server/src/main.ts');

/** A port the OS says is free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

export interface HttpResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  readonly body: Record<string, unknown> | undefined;
}

export interface RequestOptions {
  readonly body?: unknown;
  /** Sent as-is instead of JSON-encoding `body`. */
  readonly rawBody?: string | Buffer;
  readonly token?: string;
  readonly headers?: Record<string, string>;
  /** No answer within this many ms fails the request (default 120 s): a hung server fails its test. */
  readonly timeoutMs?: number;
}

export interface ServerOptions {
  /** Reuse a data directory (restart); default: a new temp dir. */
  readonly dir?: string;
  readonly tls?: boolean;
  /** Extra lines inside the listener block. */
  readonly listenerExtra?: string;
  /** Extra top-level config lines. */
  readonly configExtra?: string;
  /** Server `log_level` (default warn, or COFFER_TEST_LOG_LEVEL). */
  readonly logLevel?: string;
  /** Start in `-dev` mode instead of from a config file. */
  readonly dev?: { readonly rootTokenId?: string };
}

export class ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly dir: string;
  readonly url: string;
  readonly ca: string | undefined;
  readonly output: string[] = [];
  #exit: Promise<number | null>;

  constructor(child: ChildProcess, port: number, dir: string, ca: string | undefined) {
    this.child = child;
    this.port = port;
    this.dir = dir;
    this.ca = ca;
    this.url = `${ca === undefined ? 'http' : 'https'}://127.0.0.1:${port}`;
    child.stdout?.on('data', (d: Buffer) => this.output.push(d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => this.output.push(d.toString('utf8')));
    this.#exit = new Promise((resolveExit) => {
      child.on('exit', (code) => resolveExit(code));
    });
  }

  get exited(): Promise<number | null> {
    return this.#exit;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null if killed). */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (!this.alive) return this.#exit;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.#exit;
    } finally {
      clearTimeout(timer);
    }
  }

  /** One HTTP request; `method` may be `LIST`. Never throws for HTTP error statuses. */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<HttpResult> {
    const payload = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token !== undefined) headers['X-Vault-Token'] = opts.token;
    if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload));
    const send = this.ca === undefined ? httpRequest : httpsRequest;
    return new Promise((resolveResult, reject) => {
      const req = send(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path: path.startsWith('/') ? path : `/v1/${path}`,
          headers,
          agent: false,
          ...(this.ca === undefined ? {} : { ca: this.ca }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: Record<string, unknown> | undefined;
            try {
              body = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
            } catch {
              body = undefined;
            }
            resolveResult({ status: res.statusCode ?? 0, headers: res.headers, text, body });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      const ms = opts.timeoutMs ?? 120_000;
      req.setTimeout(ms, () => req.destroy(new Error(`${method} ${path}: no answer within ${ms} ms`)));
      req.end(payload);
    });
  }

  /** `sys/init` then `sys/unseal` with `threshold` keys; returns keys and root token. */
  async initAndUnseal(
    shares = 1,
    threshold = 1,
  ): Promise<{ keys: string[]; keysBase64: string[]; rootToken: string }> {
    const init = await this.request('PUT', 'sys/init', {
      body: { secret_shares: shares, secret_threshold: threshold },
    });
    if (init.status !== 200 || init.body === undefined)
      throw new Error(`init failed: ${init.status} ${init.text}`);
    const keys = init.body['keys'] as string[];
    await this.unsealWith(keys.slice(0, threshold));
    return {
      keys,
      keysBase64: init.body['keys_base64'] as string[],
      rootToken: init.body['root_token'] as string,
    };
  }

  async unsealWith(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const res = await this.request('PUT', 'sys/unseal', { body: { key } });
      if (res.status !== 200) throw new Error(`unseal failed: ${res.status} ${res.text}`);
    }
  }

  logs(): string {
    return this.output.join('');
  }
}

/** Waits until the server answers `sys/seal-status` (or exits). */
async function waitReady(server: ServerProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (!server.alive)
      throw new Error(`server exited early (code ${String(server.child.exitCode)}):\n${server.logs()}`);
    try {
      const res = await server.request('GET', 'sys/seal-status');
      if (res.status === 200) return;
      lastError = `status ${res.status}`;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server not ready after ${timeoutMs} ms (${lastError}):\n${server.logs()}`);
}

/** Spawns `main.ts` with the given args, without waiting for it. */
export function spawnServer(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN, 'server', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return reapOnExit(child);
}

/** Starts a server process from a generated HCL config with file storage; resolves once it answers. */
export async function startServer(options: ServerOptions = {}): Promise<ServerProcess> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'coffer-e2e-')));
  const port = await freePort();
  let ca: string | undefined;
  let args: string[];
  if (options.dev !== undefined) {
    args = [
      '-dev',
      `-dev-listen-address=127.0.0.1:${port}`,
      ...(options.dev.rootTokenId === undefined ? [] : [`-dev-root-token-id=${options.dev.rootTokenId}`]),
    ];
  } else {
    let tlsLines = 'tls_disable = true';
    if (options.tls === true) {
      const cert = selfSignedCert();
      await writeFile(join(dir, 'cert.pem'), cert.certPem);
      await writeFile(join(dir, 'key.pem'), cert.keyPem, { mode: 0o600 });
      ca = cert.certPem;
      tlsLines = `tls_cert_file = "${join(dir, 'cert.pem')}"\n  tls_key_file = "${join(dir, 'key.pem')}"`;
    }
    const config = `storage "file" {
  path = "${join(dir, 'data')}"
}

listener "tcp" {
  address = "127.0.0.1:${port}"
  ${tlsLines}
  ${options.listenerExtra ?? ''}
}

log_level = "${options.logLevel ?? process.env['COFFER_TEST_LOG_LEVEL'] ?? 'warn'}"
${options.configExtra ?? ''}
`;
    await writeFile(join(dir, 'config.hcl'), config);
    args = [`-config=${join(dir, 'config.hcl')}`];
  }
  const server = new ServerProcess(spawnServer(args), port, dir, ca);
  try {
    await waitReady(server, 30_000);
  } catch (err) {
    await server.stop(1000);
    throw err;
  }
  return server;
}

/** Removes a temp dir made by `startServer`. */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
