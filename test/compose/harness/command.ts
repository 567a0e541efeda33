import { spawn } from 'node:child_process';

/** What a finished command left behind. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

export interface CommandOptions {
  readonly cwd?: string;
  /** Added to (not replacing) this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Written to the command's stdin, then stdin is closed. */
  readonly input?: string;
  /** Killed (SIGKILL) after this long; the result says `timedOut`. Default 120 s. */
  readonly timeoutMs?: number;
  /** Shown instead of the argv in logs and errors (to keep secrets out of them). */
  readonly display?: string;
}

/** A command exited non-zero (or timed out) where success was required. */
export class CommandError extends Error {
  constructor(
    readonly display: string,
    readonly result: CommandResult,
  ) {
    const tail = (s: string): string => s.trim().split('\n').slice(-15).join('\n');
    super(
      `${display} ${result.timedOut ? 'timed out' : `exited ${result.code}`}` +
        (result.stderr.trim() === '' ? '' : `\n--- stderr (tail) ---\n${tail(result.stderr)}`) +
        (result.stdout.trim() === '' ? '' : `\n--- stdout (tail) ---\n${tail(result.stdout)}`),
    );
    this.name = 'CommandError';
  }
}

export function displayOf(file: string, args: readonly string[]): string {
  return [file, ...args]
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`))
    .join(' ');
}

/** Runs `file args` (no shell) and collects its output; never throws for a non-zero exit. */
export function run(
  file: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal === null ? 1 : 128), stdout, stderr, timedOut });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Runs `file args` and throws a {@link CommandError} unless it exits 0. */
export async function runOk(
  file: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  const result = await run(file, args, options);
  if (result.code !== 0 || result.timedOut)
    throw new CommandError(options.display ?? displayOf(file, args), result);
  return result;
}

/** Whether `name` is an executable on PATH. */
export async function onPath(name: string): Promise<boolean> {
  const r = await run('sh', ['-c', `command -v "$1" >/dev/null 2>&1`, 'sh', name], { timeoutMs: 10_000 });
  return r.code === 0;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `probe` until it returns a value other than `undefined`, or throws after `timeoutMs`
 * with the last reason seen. Used only for waiting on real processes (containers, daemons),
 * whose progress the test cannot drive.
 */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err instanceof Error ? (err.message.split('\n')[0] ?? err.name) : String(err);
    }
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
    await sleep(intervalMs);
  }
}

/**
 * `fetch` with a deadline held by a referenced timer. (`AbortSignal.timeout` alone is not enough:
 * its timer is unreferenced, and a connection that docker-proxy accepts for a container that is
 * not listening yet holds nothing that keeps the event loop alive, so the process would just end.)
 */
export async function fetchWithTimeout(
  url: string,
  init: RequestInit = {},
  timeoutMs = 10_000,
): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error(`no answer from ${url} within ${timeoutMs} ms`)),
    timeoutMs,
  );
  try {
    const res = await fetch(url, { ...init, signal: controller.signal });
    await res.clone().arrayBuffer();
    return res;
  } finally {
    clearTimeout(timer);
  }
}
