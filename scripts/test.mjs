#!/usr/bin/env node
// Runs every test file with node's test runner (through tsx), listing the files explicitly:
// on Node 20, `node --test <dir>` finds no .ts files and exits 0 having checked nothing.
//
// Usage: npm test [-- <path filters...>] [-- --test-name-pattern=...]
//   npm test                       every *.test.ts under packages/*/test and test/
//   npm test -- packages/raft      only files whose path contains "packages/raft"
// Environment: TEST_CONCURRENCY (files run at once, default 2).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('--'));
const passThrough = args.filter((a) => a.startsWith('--'));

/**
 * Directories never searched: the compose suite and the fault suite's cluster harness start
 * clusters and have their own npm scripts (test:compose, test:fault); the fault suite's
 * checkers (test/fault/checker) are plain unit tests and run here.
 */
const excluded = new Set(['node_modules', 'dist', 'compose', 'bench']);
const excludedPaths = new Set([join(root, 'test', 'fault', 'harness')]);

function walk(dir, out) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (excluded.has(name)) continue;
    const path = join(dir, name);
    if (excludedPaths.has(path)) continue;
    const st = statSync(path);
    if (st.isDirectory()) walk(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
}

const files = [];
for (const pkg of readdirSync(join(root, 'packages'))) walk(join(root, 'packages', pkg, 'test'), files);
walk(join(root, 'test'), files);
const selected = files
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (selected.length === 0) {
  console.error(`no test files matched ${filters.join(' ') || '(all)'}`);
  process.exit(1);
}

const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const nodeArgs = [
  '--conditions=source',
  '--import',
  'tsx',
  '--test',
  `--test-concurrency=${concurrency}`,
  '--test-reporter=spec',
  // A hung test fails after 10 minutes instead of holding CI until its own limit.
  '--test-timeout=600000',
  ...passThrough,
  ...selected,
];
const child = spawn(process.execPath, nodeArgs, { cwd: root, stdio: 'inherit' });
const forward = (sig) => child.kill(sig);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 1 : 0));
});
