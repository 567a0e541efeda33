import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { reapOnExit } from '../../../server/test/e2e/reap-children.js';

/** Repository root (the CLI entry point is run from there, with the `source` condition). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MAIN = 'packages/cli/src/main.ts';

export interface ProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** An environment with nothing from the caller's Vault/Coffer settings. */
export function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('VAULT_') && !k.startsWith('COFFER_')) env[k] = v;
  }
  return { ...env, ...extra };
}

function nodeArgs(args: readonly string[]): string[] {
  return ['--conditions=source', '--import', 'tsx', MAIN, ...args];
}

/** Runs `coffer <args>` as a child process and collects its output. */
export function runCoffer(
  args: readonly string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs(args), {
      cwd: REPO_ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

/** A `coffer server` child process; `stop()` ends it (TERM, then KILL). */
export class ServerProcess {
  readonly address: string;
  private readonly child: ChildProcess;
  private readonly output: { text: string };
  private readonly exited: Promise<void>;

  private constructor(child: ChildProcess, address: string, output: { text: string }, exited: Promise<void>) {
    this.child = child;
    this.address = address;
    this.output = output;
    this.exited = exited;
  }

  /** What the server printed so far (for failure messages). */
  get log(): string {
    return this.output.text;
  }

  /**
   * Starts `coffer server <args>` and waits until it prints its listener address (listen on
   * port 0 so the system picks a free port) and answers `sys/seal-status`.
   */
  static async start(
    args: readonly string[],
    env: Record<string, string>,
    timeoutMs = 60_000,
  ): Promise<ServerProcess> {
    const child = reapOnExit(
      spawn(process.execPath, nodeArgs(['server', ...args]), {
        cwd: REPO_ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const output = { text: '' };
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const state: { exitCode: number | null | undefined } = { exitCode: undefined };
    child.on('exit', (code) => {
      state.exitCode = code;
    });
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (output.text += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (output.text += d));
    const deadline = Date.now() + timeoutMs;
    let address: string | undefined;
    try {
      while (Date.now() < deadline) {
        if (state.exitCode !== undefined) throw new Error(`server exited with ${String(state.exitCode)}`);
        address ??= /Listener: (https?:\/\/\S+)/.exec(output.text)?.[1];
        if (address !== undefined) {
          try {
            const res = await fetch(`${address}/v1/sys/seal-status`);
            if (res.status === 200) break;
          } catch {
            // not accepting yet
          }
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      if (address === undefined || Date.now() >= deadline)
        throw new Error('server did not become ready in time');
    } catch (err) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`${(err as Error).message}; server output:\n${output.text}`);
    }
    return new ServerProcess(child, address, output, exited);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(killer);
  }
}
