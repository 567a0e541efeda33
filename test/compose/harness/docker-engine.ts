import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onPath, run, runOk, waitFor } from './command.js';
import type { ProgressLog } from './progress-log.js';

/** How compose is invoked: `docker compose` (v2 plugin) or `docker-compose` (v1, Debian's). */
export interface ComposeCommand {
  readonly file: string;
  readonly prefix: readonly string[];
  readonly version: string;
}

export interface DockerEngine {
  readonly compose: ComposeCommand;
  /** The dockerd this run started, to stop at the end; undefined when one was running already. */
  readonly daemonPid: number | undefined;
  readonly dockerdLog: string | undefined;
}

/**
 * Environment knobs (all optional):
 * - COFFER_COMPOSE_CMD: force `docker-compose` or `docker compose`.
 * - COFFER_DOCKERD_LOG: where a dockerd started here logs (default: $TMPDIR/coffer-compose-dockerd.log).
 */

async function dockerAnswers(): Promise<boolean> {
  const r = await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 15_000 }).catch(
    () => undefined,
  );
  return r !== undefined && r.code === 0 && r.stdout.trim() !== '';
}

async function detectCompose(): Promise<ComposeCommand | undefined> {
  const forced = process.env['COFFER_COMPOSE_CMD'];
  const candidates: ComposeCommand[] =
    forced === 'docker-compose'
      ? [{ file: 'docker-compose', prefix: [], version: '' }]
      : forced === 'docker compose'
        ? [{ file: 'docker', prefix: ['compose'], version: '' }]
        : [
            { file: 'docker', prefix: ['compose'], version: '' },
            { file: 'docker-compose', prefix: [], version: '' },
          ];
  for (const c of candidates) {
    if (!(await onPath(c.file))) continue;
    const r = await run(c.file, [...c.prefix, 'version', '--short'], { timeoutMs: 30_000 }).catch(
      () => undefined,
    );
    if (r !== undefined && r.code === 0 && r.stdout.trim() !== '') return { ...c, version: r.stdout.trim() };
  }
  return undefined;
}

async function aptInstall(packages: readonly string[], log: ProgressLog): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const exec = (args: readonly string[]): Promise<unknown> => {
    const argv = asRoot ? args : ['sudo', '-n', ...args];
    return runOk(argv[0] as string, argv.slice(1), { env, timeoutMs: 900_000 });
  };
  await log.time('apt-get update', () => exec(['apt-get', 'update']));
  await log.time(`apt-get install ${packages.join(' ')}`, () =>
    exec(['apt-get', 'install', '-y', '--no-install-recommends', ...packages]),
  );
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Makes a Docker engine and a compose command available: installs Debian's `docker.io`
 * and `docker-compose` with apt when missing (`apt-get update` first), starts `dockerd` in the
 * background when nothing answers on the socket (logging to a file), and waits until it does.
 */
export async function ensureDockerEngine(log: ProgressLog): Promise<DockerEngine> {
  const missing: string[] = [];
  if (!(await onPath('dockerd'))) missing.push('docker.io');
  let compose = await detectCompose();
  if (compose === undefined) missing.push('docker-compose');
  if (missing.length > 0) {
    await log.time('install docker (apt)', () => aptInstall(missing, log));
    compose = await detectCompose();
  }
  if (compose === undefined) throw new Error('no compose command after installing docker-compose');
  log.fact('compose command', `${[compose.file, ...compose.prefix].join(' ')} ${compose.version}`);

  let startedDaemon = false;
  let dockerdLog: string | undefined;
  let daemonPid: number | undefined;
  if (!(await dockerAnswers())) {
    dockerdLog = process.env['COFFER_DOCKERD_LOG'] ?? join(tmpdir(), 'coffer-compose-dockerd.log');
    const logPath = dockerdLog;
    await log.time('start dockerd', async () => {
      const fd = openSync(logPath, 'a');
      const child = spawn('dockerd', [], { detached: true, stdio: ['ignore', fd, fd] });
      closeSync(fd);
      let exited: string | undefined;
      child.on('exit', (code, signal) => (exited = `dockerd exited (${code ?? signal})`));
      child.on('error', (err) => (exited = `dockerd did not start: ${err.message}`));
      child.unref();
      daemonPid = child.pid;
      try {
        await waitFor('dockerd to answer on its socket', 60_000, async () => {
          if (exited !== undefined) throw new Error(`${exited}; log ${logPath}:\n${tail(logPath)}`);
          return (await dockerAnswers()) ? true : undefined;
        });
      } catch (err) {
        if (exited === undefined && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
        throw err;
      }
    });
    startedDaemon = true;
    log.fact('dockerd log', logPath);
  }
  const version = await runOk('docker', [
    'version',
    '--format',
    'client {{.Client.Version}}, server {{.Server.Version}}',
  ]);
  log.fact('docker', version.stdout.trim());

  return { compose, daemonPid: startedDaemon ? daemonPid : undefined, dockerdLog };
}
