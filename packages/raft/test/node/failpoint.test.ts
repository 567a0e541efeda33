/**
 * Failpoints: the COFFER_FAILPOINT parser, hit counting, that an unset variable leaves every
 * point inert (and `failpointEachChunk` an identity), and — in a child process — that an armed
 * point SIGKILLs the process at exactly its n-th hit.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import {
  FAILPOINTS,
  FailpointSet,
  failpoint,
  failpointArmed,
  failpointEachChunk,
  failpointHitAt,
  failpointsArmed,
  fireFailpoint,
  parseFailpoints,
} from '../../src/index.js';

const MODULE = fileURLToPath(new URL('../../src/node/failpoint.ts', import.meta.url));

/** Runs a tiny script hitting `raft-after-apply` 5 times with COFFER_FAILPOINT=`spec`. */
function runChild(
  spec: string,
): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
  const script = `
    const { failpoint } = await import(${JSON.stringify(MODULE)});
    for (let i = 1; i <= 5; i++) { process.stdout.write('before ' + i + '\\n'); failpoint('raft-after-apply'); }
    process.stdout.write('survived\\n');
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, COFFER_FAILPOINT: spec },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err });
    });
  });
}

void describe('parseFailpoints', () => {
  void it('reads names, hit counts (default 1), comma lists and the old restore name', () => {
    assert.equal(parseFailpoints(undefined).size, 0);
    assert.equal(parseFailpoints('').size, 0);
    assert.equal(parseFailpoints('  ').size, 0);
    assert.deepEqual([...parseFailpoints('raft-after-apply')], [['raft-after-apply', 1]]);
    assert.deepEqual([...parseFailpoints('raft-after-apply:5')], [['raft-after-apply', 5]]);
    assert.deepEqual(
      [...parseFailpoints('raft-before-log-sync:2, raft-snapshot-send-mid ,restore-after-chunks:3')],
      [
        ['raft-before-log-sync', 2],
        ['raft-snapshot-send-mid', 1],
        ['restore-mid', 3],
      ],
    );
    for (const name of FAILPOINTS) assert.equal(parseFailpoints(`${name}:7`).get(name), 7);
  });

  void it('refuses unknown names, bad counts and duplicates', () => {
    assert.throws(() => parseFailpoints('raft-after-aply'), /unknown failpoint "raft-after-aply"/);
    assert.throws(() => parseFailpoints('raft-after-apply:0'), /hit count ≥ 1/);
    assert.throws(() => parseFailpoints('raft-after-apply:-1'), /malformed/);
    assert.throws(() => parseFailpoints('raft-after-apply:x'), /malformed/);
    assert.throws(() => parseFailpoints('raft-after-apply:1:2'), /malformed/);
    assert.throws(() => parseFailpoints('restore-mid,restore-after-chunks:2'), /given twice/);
  });
});

void describe('FailpointSet', () => {
  void it('fires exactly once, on the n-th hit of its own point', () => {
    const fired: string[] = [];
    const set = new FailpointSet(parseFailpoints('raft-before-apply:3,raft-after-apply'), (n, hit) =>
      fired.push(`${n}@${hit}`),
    );
    assert.equal(set.armed('raft-before-apply'), true);
    assert.equal(set.armed('raft-before-log-sync'), false);
    set.hit('raft-before-log-sync');
    set.hit('raft-before-apply');
    set.hit('raft-before-apply');
    assert.deepEqual(fired, []);
    set.hit('raft-before-apply');
    assert.deepEqual(fired, ['raft-before-apply@3']);
    set.hit('raft-before-apply');
    set.hit('raft-after-apply');
    assert.deepEqual(fired, ['raft-before-apply@3', 'raft-after-apply@1']);
    assert.equal(set.hits('raft-before-apply'), 4);
    assert.equal(set.hits('raft-before-log-sync'), 0);
    assert.equal(set.hitAt('raft-before-apply'), 3);
    assert.equal(set.hitAt('raft-before-log-sync'), undefined);
    set.fire('raft-before-log-sync', 1); // not armed: nothing
    set.fire('raft-after-apply', 9);
    assert.deepEqual(fired, ['raft-before-apply@3', 'raft-after-apply@1', 'raft-after-apply@9']);
  });
});

void describe('failpoints in this process (COFFER_FAILPOINT unset)', () => {
  void it('are all inert and cost nothing', async () => {
    assert.equal(process.env['COFFER_FAILPOINT'], undefined, 'run this test without COFFER_FAILPOINT');
    assert.equal(failpointsArmed, false);
    for (const name of FAILPOINTS) assert.equal(failpointArmed(name), false);
    assert.equal(failpointHitAt('restore-mid'), undefined);
    fireFailpoint('restore-mid', 1); // inert
    const data = (async function* () {
      yield 1;
    })();
    assert.equal(failpointEachChunk('raft-snapshot-send-mid', data), data, 'not wrapped when unarmed');
    const t0 = performance.now();
    for (let i = 0; i < 1_000_000; i++) failpoint('raft-after-apply');
    const ms = performance.now() - t0;
    // A million calls of one comparison each: well under a second even on a loaded CI box.
    assert.ok(ms < 1_000, `1e6 inert failpoint calls took ${ms.toFixed(0)} ms`);
    const seen: number[] = [];
    for await (const x of data) seen.push(x);
    assert.deepEqual(seen, [1]);
  });
});

void describe('an armed failpoint in a child process', () => {
  void it('SIGKILLs the process at its n-th hit, after one stderr line', async () => {
    const r = await runChild('raft-after-apply:3');
    assert.equal(r.signal, 'SIGKILL', `exit ${r.code} ${r.signal}\n${r.err}`);
    assert.equal(r.out, 'before 1\nbefore 2\nbefore 3\n');
    assert.match(r.err, /coffer failpoint raft-after-apply fired at hit 3: SIGKILL/);
  });

  void it('does not fire when another point is armed; a bad spec fails at load', async () => {
    const other = await runChild('raft-before-apply:1');
    assert.equal(other.code, 0, other.err);
    assert.match(other.out, /survived/);
    const bad = await runChild('raft-after-aply:1');
    assert.notEqual(bad.code, 0);
    assert.equal(bad.signal, null);
    assert.match(bad.err, /unknown failpoint "raft-after-aply"/);
  });
});
