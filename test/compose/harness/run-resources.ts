import { rmSync } from 'node:fs';
import { run, sleep } from './command.js';
import { SUITE_LABEL } from './local-base-image.js';

/** Everything one run of the suite may have created, by name or label: what cleanup removes. */
export interface RunResources {
  readonly runId: string;
  /** The compose project (its containers, volumes and network carry com.docker.compose.project=<name>). */
  readonly projectName: string;
  /** Temp dir: the keys file, the snapshot. */
  readonly tmpDir: string;
  /** Image tags to remove (besides every image labelled {@link SUITE_LABEL}=runId). */
  readonly imageTags: readonly string[];
  readonly removeImages: boolean;
  /** A dockerd this run started, to stop (undefined: leave the engine alone). */
  readonly dockerdPid?: number;
}

async function ids(args: readonly string[]): Promise<string[]> {
  const r = await run('docker', args, { timeoutMs: 30_000 });
  return r.code === 0 ? [...new Set(r.stdout.split('\n').filter((l) => l.trim() !== ''))] : [];
}

/**
 * Removes what {@link RunResources} names, whatever state it is in (paused containers, a
 * half-created project). Idempotent; never throws; returns what it could not remove.
 */
export async function removeRunResources(r: RunResources, say: (message: string) => void): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (args: readonly string[]): Promise<void> => {
    const res = await run('docker', args, { timeoutMs: 120_000 });
    if (res.code !== 0) problems.push(`docker ${args.slice(0, 2).join(' ')}: ${res.stderr.trim()}`);
  };
  const project = `label=com.docker.compose.project=${r.projectName}`;
  const ours = `label=${SUITE_LABEL}=${r.runId}`;
  // A Set: containers of images built here carry the suite label too (the base images have it).
  const containers = [
    ...new Set([
      ...(await ids(['ps', '-aq', '--filter', project])),
      ...(await ids(['ps', '-aq', '--filter', ours])),
    ]),
  ];
  if (containers.length > 0) {
    const paused = await ids([
      'ps',
      '-q',
      '--filter',
      'status=paused',
      ...containers.flatMap((c) => ['--filter', `id=${c}`]),
    ]);
    if (paused.length > 0) await run('docker', ['unpause', ...paused], { timeoutMs: 30_000 });
    await attempt(['rm', '--force', '--volumes', ...containers]);
    say(`removed ${containers.length} containers`);
  }
  const volumes = await ids(['volume', 'ls', '-q', '--filter', project]);
  if (volumes.length > 0) {
    await attempt(['volume', 'rm', ...volumes]);
    say(`removed ${volumes.length} volumes`);
  }
  const networks = [
    ...new Set([
      ...(await ids(['network', 'ls', '-q', '--filter', project])),
      ...(await ids(['network', 'ls', '-q', '--filter', ours])),
    ]),
  ];
  if (networks.length > 0) {
    await attempt(['network', 'rm', ...networks]);
    say(`removed ${networks.length} networks`);
  }
  if (r.removeImages) {
    const present = (
      await Promise.all(
        r.imageTags.map(async (t) =>
          (await run('docker', ['image', 'inspect', t])).code === 0 ? t : undefined,
        ),
      )
    ).filter((t): t is string => t !== undefined);
    const labelled = await ids(['images', '--all', '--quiet', '--filter', ours]);
    if (present.length + labelled.length > 0) {
      await attempt(['image', 'rm', '--force', ...present, ...labelled]);
      say(`removed ${present.length + labelled.length} images`);
    }
  }
  rmSync(r.tmpDir, { recursive: true, force: true });
  if (r.dockerdPid !== undefined) {
    const pid = r.dockerdPid;
    try {
      process.kill(pid, 'SIGTERM');
      let alive = true;
      for (let i = 0; i < 100 && alive; i += 1) {
        await sleep(200);
        try {
          process.kill(pid, 0);
        } catch {
          alive = false;
        }
      }
      say(
        alive
          ? `dockerd (pid ${pid}) did not stop within 20 s; left running`
          : `stopped dockerd (pid ${pid}), started by this run`,
      );
    } catch {
      // Already gone.
    }
  }
  return problems;
}
