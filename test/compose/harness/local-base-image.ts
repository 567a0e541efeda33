import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runOk } from './command.js';

/**
 * No image registry is reachable here, so the suite makes the Dockerfile's base images itself:
 * `docker import` of a minimal root filesystem holding this machine's `node` binary and the
 * shared libraries it needs, laid out like the official `node` images (node and npm under
 * /usr/local, a `node` user with uid/gid 1000, /bin/sh, /tmp).
 *
 * - `runtime`: node, /bin/sh, /usr/bin/env and their libraries. Stands in for `NODE_IMAGE`.
 * - `build`: runtime plus npm, the coreutils the Dockerfile's build stage uses, and this
 *   machine's npm cache in /root/.npm, so `npm ci --offline` works with no network.
 *   Stands in for `BUILD_IMAGE`.
 */
export interface LocalBaseImages {
  readonly runtime: string;
  readonly build: string;
  readonly nodeVersion: string;
}

/** The label every image this suite creates carries (cleanup removes by it, too). */
export const SUITE_LABEL = 'org.coffer.compose-test';

/** Utilities the Dockerfile's build stage runs (besides node and npm). */
const BUILD_TOOLS = ['cp', 'mkdir', 'ln', 'chmod', 'chown', 'rm', 'ls', 'cat', 'mv', 'touch', 'uname'];

/** Copies `file` (following links) to the same path under `root`, resolving symlinked directories (merged /usr). */
function copyIntoRoot(root: string, file: string, mode?: number): void {
  const resolvedDir = realpathSync(dirname(file));
  const target = join(root, resolvedDir, file.slice(file.lastIndexOf('/') + 1));
  if (existsSync(target)) return;
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(realpathSync(file), target);
  if (mode !== undefined) chmodSync(target, mode);
}

async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await runOk('ldd', [binary]);
  const libs: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m?.[1] !== undefined) libs.push(m[1]);
  }
  return libs;
}

async function which(name: string): Promise<string> {
  const { stdout } = await runOk('sh', ['-c', 'command -v "$1"', 'sh', name]);
  return realpathSync(stdout.trim());
}

function mergedUsrLayout(root: string): void {
  for (const d of [
    'usr/bin',
    'usr/sbin',
    'usr/lib',
    'usr/lib64',
    'usr/local/bin',
    'usr/local/lib',
    'etc',
    'root',
    'home/node',
    'tmp',
    'var/tmp',
  ]) {
    mkdirSync(join(root, d), { recursive: true });
  }
  for (const d of ['bin', 'sbin', 'lib', 'lib64']) symlinkSync(`usr/${d}`, join(root, d));
  chmodSync(join(root, 'tmp'), 0o1777);
  chmodSync(join(root, 'var/tmp'), 0o1777);
  chmodSync(join(root, 'root'), 0o700);
  writeFileSync(
    join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
  );
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n');
  writeFileSync(join(root, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
  chownSync(join(root, 'home/node'), 1000, 1000);
}

/** The glibc x86-64/arm64 prebuilt addons in node_modules (classic-level): their libraries must be in the image too. */
function nativeAddons(repoRoot: string): string[] {
  const dir = join(repoRoot, 'node_modules/classic-level/prebuilds', `${process.platform}-${process.arch}`);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.node') && !f.includes('musl'))
    .map((f) => join(dir, f));
}

async function importRoot(root: string, tag: string, work: string, labelValue: string): Promise<void> {
  const tarball = join(work, `${tag.replace(/[^\w.-]/g, '_')}.tar`);
  await runOk('tar', ['--numeric-owner', '-C', root, '-cf', tarball, '.'], { timeoutMs: 300_000 });
  await runOk(
    'docker',
    [
      'import',
      '-c',
      'ENV PATH=/usr/local/bin:/usr/bin:/bin',
      '-c',
      'ENV NODE_VERSION=' + process.versions.node,
      '-c',
      `LABEL ${SUITE_LABEL}=${labelValue}`,
      '-c',
      'CMD ["node"]',
      tarball,
      tag,
    ],
    { timeoutMs: 300_000 },
  );
  rmSync(tarball, { force: true });
}

/**
 * Builds both base images from this machine's node, tagged `runtimeTag` and `buildTag`. Both
 * carry the label {@link SUITE_LABEL}=`labelValue`, and so does every image built from them
 * (intermediate layers included): cleanup removes them all by it.
 */
export async function buildLocalBaseImages(
  repoRoot: string,
  tags: { runtime: string; build: string },
  labelValue: string,
): Promise<LocalBaseImages> {
  const work = mkdtempSync(join(tmpdir(), 'coffer-base-'));
  try {
    const root = join(work, 'rootfs');
    mkdirSync(root);
    mergedUsrLayout(root);

    const node = await which('node');
    const sh = await which('sh');
    const env = await which('env');
    const target = join(root, 'usr/local/bin/node');
    copyFileSync(node, target);
    chmodSync(target, 0o755);
    copyIntoRoot(root, sh, 0o755);
    symlinkSync(sh.slice(sh.lastIndexOf('/') + 1), join(root, 'usr/bin/sh'));
    copyIntoRoot(root, env, 0o755);
    for (const binary of [node, sh, env, ...nativeAddons(repoRoot)]) {
      for (const lib of await sharedLibraries(binary)) copyIntoRoot(root, lib);
    }
    const runtime = tags.runtime;
    await importRoot(root, runtime, work, labelValue);

    // Build image: + npm (from this machine's global install), coreutils, the npm cache.
    const npmCli = await which('npm');
    const npmDir = npmCli.replace(/\/bin\/npm-cli\.js$/, '');
    if (npmDir === npmCli) throw new Error(`cannot find npm's package directory from ${npmCli}`);
    mkdirSync(join(root, 'usr/local/lib/node_modules'), { recursive: true });
    await runOk('cp', ['-a', npmDir, join(root, 'usr/local/lib/node_modules/npm')]);
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/local/bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(root, 'usr/local/bin/npx'));
    for (const tool of BUILD_TOOLS) {
      const path = await which(tool);
      copyIntoRoot(root, path, 0o755);
      for (const lib of await sharedLibraries(path)) copyIntoRoot(root, lib);
    }
    const cache = (await runOk('npm', ['config', 'get', 'cache'])).stdout.trim();
    if (existsSync(join(cache, '_cacache'))) {
      mkdirSync(join(root, 'root/.npm'), { recursive: true });
      await runOk('cp', ['-a', join(cache, '_cacache'), join(root, 'root/.npm/_cacache')], {
        timeoutMs: 300_000,
      });
    }
    const build = tags.build;
    await importRoot(root, build, work, labelValue);
    return { runtime, build, nodeVersion: process.versions.node };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
