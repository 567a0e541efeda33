import { createServer } from 'node:net';
import { run, runOk } from './command.js';

export interface CofferImageBuild {
  /** deploy/Dockerfile's NODE_IMAGE. */
  readonly nodeImage: string;
  /** deploy/Dockerfile's BUILD_IMAGE (defaults to nodeImage). */
  readonly buildImage?: string;
  /** Build with no network at all and `npm ci --offline` (the build image carries the npm cache). */
  readonly offline: boolean;
  readonly tag: string;
  /** Extra `--label`s (cleanup finds the image by them). */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * `docker build -f deploy/Dockerfile` from the repository root, with the classic builder
 * (Debian's docker.io has no buildx; docker-compose v1 builds with it too).
 */
export async function buildCofferImage(repoRoot: string, b: CofferImageBuild): Promise<void> {
  const args = [
    'build',
    '--file',
    'deploy/Dockerfile',
    '--tag',
    b.tag,
    '--force-rm',
    '--build-arg',
    `NODE_IMAGE=${b.nodeImage}`,
  ];
  if (b.buildImage !== undefined) args.push('--build-arg', `BUILD_IMAGE=${b.buildImage}`);
  if (b.offline) args.push('--network', 'none', '--build-arg', 'NPM_CI_FLAGS=--offline');
  for (const [k, v] of Object.entries(b.labels ?? {})) args.push('--label', `${k}=${v}`);
  args.push('.');
  await runOk('docker', args, { cwd: repoRoot, env: { DOCKER_BUILDKIT: '0' }, timeoutMs: 900_000 });
}

export async function imageSizeBytes(tag: string): Promise<number> {
  const { stdout } = await runOk('docker', ['image', 'inspect', '--format', '{{.Size}}', tag]);
  return Number(stdout.trim());
}

/** Removes images by tag or id; never throws (cleanup). Returns what could not be removed. */
export async function removeImages(refs: readonly string[]): Promise<string[]> {
  if (refs.length === 0) return [];
  const r = await run('docker', ['image', 'rm', '--force', ...refs], { timeoutMs: 120_000 });
  return r.code === 0 ? [] : [r.stderr.trim()];
}

/** Every image (intermediate build layers too) carrying `label=value`. */
export async function imagesWithLabel(label: string, value: string): Promise<string[]> {
  const r = await run('docker', ['images', '--all', '--quiet', '--filter', `label=${label}=${value}`], {
    timeoutMs: 30_000,
  });
  return [...new Set(r.stdout.split('\n').filter((l) => l.trim() !== ''))];
}

/** A TCP port free on 127.0.0.1 right now (the kernel's choice). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
