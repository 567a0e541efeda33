#!/usr/bin/env node
// `npm start [-- <server flags>]`: builds Coffer if needed and starts a dev server
// (in-memory, unsealed, root token printed) on 127.0.0.1:8200.
//
// 1. `npx tsc -b` (incremental: quick when nothing changed).
// 2. Runs `node packages/cli/dist/main.js server -dev` (the `coffer` CLI), falling back to
//    `node packages/server/dist/main.js server -dev` when the CLI is not built.
// 3. When the build fails, runs the same command from source through tsx instead, so a
//    half-finished package elsewhere in the tree does not stop you from trying the server.
// Extra arguments go to `coffer server` (e.g. `npm start -- -dev-root-token-id=root`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const extra = process.argv.slice(2);
const serverArgs = extra.some((a) => a.replace(/^--?/, '').startsWith('config')) ? extra : ['-dev', ...extra];

console.log('==> Building (npx tsc -b)...');
const build = spawnSync('npx', ['tsc', '-b'], { cwd: root, stdio: 'inherit' });

let command;
const cliDist = join(root, 'packages/cli/dist/main.js');
const serverDist = join(root, 'packages/server/dist/main.js');
if (build.status === 0 && existsSync(cliDist)) {
  command = [process.execPath, [cliDist, 'server', ...serverArgs]];
} else if (build.status === 0 && existsSync(serverDist)) {
  command = [process.execPath, [serverDist, 'server', ...serverArgs]];
} else {
  console.log('==> Build incomplete: starting from source (tsx) instead.');
  const cliSrc = join(root, 'packages/cli/src/main.ts');
  const entry = existsSync(cliSrc) ? cliSrc : join(root, 'packages/server/src/main.ts');
  command = [process.execPath, ['--conditions=source', '--import', 'tsx', entry, 'server', ...serverArgs]];
}

console.log(`==> ${['node', ...command[1].map((a) => a.replace(root, ''))].join(' ')}`);
const child = spawn(command[0], command[1], { cwd: root, stdio: 'inherit' });
const forward = (signal) => child.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
