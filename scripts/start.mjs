#!/usr/bin/env node
// `npm start`: builds Coffer, then runs a local three-node HA cluster on 127.0.0.1
// (API ports 8200/8210/8220, cluster ports 8201/8211/8221), persistent under .coffer-dev/.
//
//   npm start                          three-node cluster (scripts/dev-cluster/): initialised on the
//                                      first run (3-of-5 keys, KV v2 at secret/), unsealed and joined
//                                      automatically; later runs reuse the data and unseal again.
//                                      Ctrl-C / SIGTERM stops all three.
//   npm start -- --single [flags]      the old single in-memory dev server: `coffer server -dev [flags]`
//   npm start -- -dev-root-token-id=root, -config=server.hcl, ...
//                                      any `-dev*` / `-config` flag also means single-server mode and is
//                                      passed to `coffer server` unchanged.
//
// Environment:
//   COFFER_DEV_DIR          data directory (default: <repo>/.coffer-dev)
//   COFFER_DEV_PORT         base port (default 8200): node N uses base+10(N-1) and base+10(N-1)+1
//   COFFER_START_SKIP_BUILD=1  skip `npx tsc -b` when packages/cli/dist/main.js exists (tests)
//
// DEVELOPMENT ONLY: the cluster's unseal keys and root token are kept in plaintext in
// <dir>/init.json.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DevCluster } from './dev-cluster/cluster.mjs';
import { resolveLayout } from './dev-cluster/layout.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cliMain = join(root, 'packages/cli/dist/main.js');
const args = process.argv.slice(2);

const USAGE = `usage: npm start [-- --single [coffer server flags]]

  npm start                   three-node dev cluster on 127.0.0.1:8200/8210/8220 (data in .coffer-dev/)
  npm start -- --single       single in-memory dev server (coffer server -dev) on 127.0.0.1:8200
  npm start -- -dev-root-token-id=root | -config=server.hcl | other -dev* flags: single server, flags passed on

environment: COFFER_DEV_DIR (data directory), COFFER_DEV_PORT (base port, default 8200)`;

if (args.includes('-h') || args.includes('--help') || args.includes('-help')) {
  console.log(USAGE);
  process.exit(0);
}

const isServerFlag = (a) => /^--?(dev|config)/.test(a);
const single = args.includes('--single') || args.some(isServerFlag);
const serverFlags = args.filter((a) => a !== '--single');
if (!single && args.length > 0) {
  console.error(`npm start: unexpected argument(s) ${args.join(' ')}\n\n${USAGE}`);
  process.exit(2);
}

let layout;
if (!single) {
  try {
    layout = resolveLayout(root);
  } catch (err) {
    console.error(`npm start: ${err.message}`);
    process.exit(2);
  }
}

build();

if (single) {
  runSingle(serverFlags);
} else {
  await new DevCluster({ layout, cliMain, root }).run();
}

function build() {
  if (process.env.COFFER_START_SKIP_BUILD === '1') {
    if (existsSync(cliMain)) {
      console.log('==> Skipping the build (COFFER_START_SKIP_BUILD=1)');
      return;
    }
    console.log(`==> COFFER_START_SKIP_BUILD=1 but ${cliMain} does not exist: building anyway`);
  }
  console.log('==> Building (npx tsc -b)...');
  const res = spawnSync('npx', ['tsc', '-b'], { cwd: root, stdio: 'inherit' });
  if (res.error !== undefined || res.status !== 0) {
    const why =
      res.error !== undefined
        ? res.error.message
        : res.signal
          ? `killed by ${res.signal}`
          : `exit code ${res.status}`;
    console.error(`\n==> Build failed (npx tsc -b: ${why}). Fix the errors above and run npm start again.`);
    process.exit(1);
  }
  if (!existsSync(cliMain)) {
    console.error(`==> Build finished but ${cliMain} is missing.`);
    process.exit(1);
  }
}

/** The single-node server: `coffer server -dev` unless a -config flag was given. */
function runSingle(flags) {
  const serverArgs = flags.some((a) => /^--?config/.test(a)) ? flags : ['-dev', ...flags];
  console.log(`==> node packages/cli/dist/main.js server ${serverArgs.join(' ')}`);
  // Own process group: Ctrl-C reaches this script only, which forwards one signal.
  const child = spawn(process.execPath, [cliMain, 'server', ...serverArgs], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  let forwarded = false;
  const forward = (signal) => {
    if (forwarded) return;
    forwarded = true;
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  process.on('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
