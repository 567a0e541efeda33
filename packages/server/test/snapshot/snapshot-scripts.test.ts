/**
 * deploy/scripts/snapshot-save.sh and snapshot-restore.sh against a real (one-node raft) server,
 * through the real CLI: retention (-k), verification of every new file, a failing save (wrong
 * token, server down) exits non-zero and leaves no new file, restore -y replaces the data, and a
 * restore without -y and without a terminal, or of a corrupt file, changes nothing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, freePort } from '../e2e/harness.js';
import { CLI_MAIN, HaCluster, type HaNodeProcess, type InitResult } from '../ha/ha-cluster.js';
import { flipBit, readValue, writeValue } from './snapshot-helpers.js';

const SAVE = join(REPO_ROOT, 'deploy/scripts/snapshot-save.sh');
const RESTORE = join(REPO_ROOT, 'deploy/scripts/snapshot-restore.sh');
const COFFER_BIN = `${process.execPath} --conditions=source --import tsx ${CLI_MAIN}`;

let cluster: HaCluster;
let node: HaNodeProcess;
let init: InitResult;
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'coffer-snapshot-scripts-'));
  cluster = await HaCluster.create(['c1']);
  await cluster.startAll();
  node = cluster.node('c1');
  init = await cluster.init(node, 1, 1);
  await cluster.active();
  assert.equal(
    (
      await node.request('POST', 'sys/mounts/secret', {
        token: init.rootToken,
        body: { type: 'kv', options: { version: '2' } },
      })
    ).status,
    204,
  );
});

after(async () => {
  await cluster.destroy();
  await rm(work, { recursive: true, force: true });
});

function sh(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', [script, ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work, TMPDIR: tmpdir(), COFFER_BIN, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const env = (): Record<string, string> => ({ VAULT_ADDR: node.url, VAULT_TOKEN: init.rootToken });
const snaps = async (dir: string): Promise<string[]> => (await readdir(dir)).sort();

void describe('snapshot scripts', () => {
  const dir = (): string => join(work, 'backups');

  void it('snapshot-save.sh run 4 times with -k 2 keeps the 2 newest, each verified; quiet unless -v', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      await writeValue(node, init.rootToken, `run${i}`, i);
      const res = await sh(SAVE, ['-k', '2', dir()], env());
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout + res.stderr, '', 'silent without -v');
      const files = await snaps(dir());
      const added = files.filter((f) => !seen.includes(f));
      assert.equal(added.length, 1, `one new file per run: ${files.join(' ')}`);
      seen.push(...added);
    }
    const files = await snaps(dir());
    assert.deepEqual(files, seen.slice(-2));
    for (const f of files) assert.match(f, /^coffer-\d{8}T\d{6}Z\.snap$/);
    const verbose = await sh(SAVE, ['-k', '2', '-v', dir()], env());
    assert.equal(verbose.code, 0, verbose.stderr);
    assert.match(verbose.stderr, /verifying/);
    assert.equal((await snaps(dir())).length, 2);
    const verify = await sh(RESTORE, ['-v', join(dir(), 'does-not-exist.snap')], env());
    assert.notEqual(verify.code, 0);
  });

  void it('a failing save (wrong token, server down) exits non-zero and leaves no new file', async () => {
    const beforeFiles = await snaps(dir());
    const denied = await sh(SAVE, ['-k', '2', dir()], {
      VAULT_ADDR: node.url,
      VAULT_TOKEN: 'hvs.not-a-token',
    });
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /snapshot save failed/);
    assert.ok(!denied.stderr.includes(init.rootToken));
    const down = await sh(SAVE, ['-k', '2', dir()], {
      VAULT_ADDR: `http://127.0.0.1:${await freePort()}`,
      VAULT_TOKEN: init.rootToken,
    });
    assert.notEqual(down.code, 0);
    assert.deepEqual(await snaps(dir()), beforeFiles, 'no new (or temporary) file');
  });

  void it('snapshot-restore.sh -y restores; without -y and no terminal, or with a corrupt file, nothing changes', async () => {
    const [, newest] = await snaps(dir());
    assert.ok(newest !== undefined);
    const file = join(dir(), newest);
    await writeValue(node, init.rootToken, 'later', 'x');

    const unconfirmed = await sh(RESTORE, [file], env());
    assert.notEqual(unconfirmed.code, 0);
    assert.match(unconfirmed.stderr, /-y/);
    assert.equal(await readValue(node, init.rootToken, 'later'), 'x');

    const corrupt = join(work, 'corrupt.snap');
    const bytes = await readFile(file);
    await writeFile(corrupt, flipBit(bytes, Math.floor(bytes.length / 2)));
    const refused = await sh(RESTORE, ['-y', corrupt], env());
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /does not verify/);
    assert.equal(await readValue(node, init.rootToken, 'later'), 'x');

    const restored = await sh(RESTORE, ['-y', file], env());
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal(await readValue(node, init.rootToken, 'later'), undefined);
    assert.equal(await readValue(node, init.rootToken, 'run3'), 3);
  });
});
