/**
 * `npm start` (scripts/start.mjs), black box: the local three-node dev cluster in a temp
 * COFFER_DEV_DIR on free ports (COFFER_DEV_PORT). First run: initialised, unsealed, joined,
 * keys in init.json; a write through a standby is readable through another node; SIGINT stops
 * all three nodes and the script exits 0. Second run: unsealed from init.json, the secret is
 * still there. The build is skipped (COFFER_START_SKIP_BUILD=1) when packages/cli/dist exists;
 * the script builds otherwise. Every process is killed and the directory removed in `after`,
 * also when a step fails.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const START = join(repoRoot, 'scripts/start.mjs');
const READY = /==> Coffer dev cluster ready/;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A base port B in a high range with B, B+1, B+10, B+11, B+20, B+21 free on 127.0.0.1. */
async function freeBasePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + 10 * Math.floor(Math.random() * 4000);
    const ports = [0, 1, 10, 11, 20, 21].map((d) => base + d);
    let ok = true;
    for (const p of ports) if (!(await portFree(p))) ok = false;
    if (ok) return base;
  }
  throw new Error('no free port range found');
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `<dir>/pids`: "name pid" lines written by the script (its own pid and node1..node3). */
function readPids(file: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [name, pid] = line.trim().split(/\s+/);
    if (name !== undefined && name !== '' && pid !== undefined) out.set(name, Number(pid));
  }
  return out;
}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown> | undefined;
}

async function api(
  url: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.token !== undefined) headers['x-vault-token'] = opts.token;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}/v1/${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(10_000),
    redirect: 'manual',
  });
  const text = await res.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    body = undefined;
  }
  return { status: res.status, body };
}

/** One `node scripts/start.mjs` run, its output collected. */
class StartRun {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [START], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => (this.output += d.toString('utf8')));
    this.child.stderr?.on('data', (d: Buffer) => (this.output += d.toString('utf8')));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve({ code, signal });
      });
    });
  }

  async waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.output.match(re);
      if (m !== null) return m;
      if (this.#exit !== undefined)
        throw new Error(`start.mjs exited (${JSON.stringify(this.#exit)}) before ${re}:\n${this.output}`);
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${re}:\n${this.output}`);
      await sleep(50);
    }
  }

  /** SIGINT (Ctrl-C) and wait for the script to exit. */
  async interrupt(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`start.mjs did not exit within ${timeoutMs} ms of SIGINT:\n${this.output}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

void describe('npm start: local three-node dev cluster', { timeout: 90_000 }, () => {
  let root: string;
  let dir: string;
  let base: number;
  let env: Record<string, string>;
  const runs: StartRun[] = [];
  const seenPids = new Set<number>();

  const urls = (): string[] => [0, 10, 20].map((d) => `http://127.0.0.1:${base + d}`);

  function rememberPids(): Map<string, number> {
    const pids = readPids(join(dir, 'pids'));
    for (const pid of pids.values()) seenPids.add(pid);
    return pids;
  }

  function killEverything(): void {
    rememberPids();
    for (const run of runs)
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    for (const pid of seenPids) {
      if (pid !== process.pid && pidAlive(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'coffer-dev-cluster-'));
    dir = join(root, 'dev');
    base = await freeBasePort();
    env = { COFFER_DEV_DIR: dir, COFFER_DEV_PORT: String(base), COFFER_START_SKIP_BUILD: '1' };
    process.on('exit', killEverything);
  });

  after(() => {
    killEverything();
    process.off('exit', killEverything);
    rmSync(root, { recursive: true, force: true });
  });

  /** Starts the script and waits for its ready line; records the node pids. */
  async function start(): Promise<{ run: StartRun; pids: Map<string, number> }> {
    const run = new StartRun(env);
    runs.push(run);
    await run.waitFor(READY, 60_000);
    const pids = rememberPids();
    assert.deepEqual([...pids.keys()].sort(), ['node1', 'node2', 'node3', 'start']);
    return { run, pids };
  }

  async function stop(run: StartRun, pids: Map<string, number>): Promise<void> {
    const { code, signal } = await run.interrupt(25_000);
    assert.equal(signal, null, run.output);
    assert.equal(code, 0, run.output);
    for (const id of ['node1', 'node2', 'node3']) {
      const pid = pids.get(id);
      assert.ok(
        pid !== undefined && !pidAlive(pid),
        `${id} (pid ${pid}) still running after the script exited`,
      );
    }
    assert.match(run.output, /==> Stopped node1, node2, node3/);
    assert.doesNotMatch(run.output, /Not a clean exit|did not stop/);
    assert.equal(existsSync(join(dir, 'pids')), false, 'pids file left behind');
  }

  let rootToken = '';

  void it('first run: initialises, unseals and joins three nodes; a write through a standby is read through another node; SIGINT stops all three', async () => {
    const { run, pids } = await start();
    const out = run.output;
    assert.match(out, /First run: initialising the cluster on node1 \(5 unseal keys, any 3 unseal\)/);
    const token = out.match(/Root Token: (\S+)/)?.[1];
    assert.ok(token !== undefined, out);
    rootToken = token;
    for (const url of urls()) assert.ok(out.includes(url), `${url} not printed:\n${out}`);
    assert.equal(out.match(/Unseal Key \d: \S+/g)?.length, 5, out);
    assert.ok(out.includes(`export VAULT_ADDR=${urls()[0]} VAULT_TOKEN=${token}`), out);
    assert.ok(
      out.includes(
        `DEVELOPMENT ONLY: the unseal keys and root token are stored in plaintext in ${join(dir, 'init.json')}`,
      ),
      out,
    );
    assert.match(out, /node\d {2}http:\S+ {2}active/);

    const init = JSON.parse(readFileSync(join(dir, 'init.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(init['root_token'], token);
    assert.equal((init['unseal_keys_b64'] as string[]).length, 5);
    assert.equal(init['unseal_threshold'], 3);
    assert.equal(statSync(join(dir, 'init.json')).mode & 0o777, 0o600);
    for (const id of ['node1', 'node2', 'node3']) {
      assert.ok(existsSync(join(dir, `${id}.log`)), `${id}.log`);
      assert.match(readFileSync(join(dir, `${id}.hcl`), 'utf8'), new RegExp(`node_id = "${id}"`));
    }

    const [u1, u2, u3] = urls() as [string, string, string];
    const config = await api(u1, 'GET', 'sys/storage/raft/configuration', { token });
    assert.equal(config.status, 200);
    const servers = (
      (config.body?.['data'] as { config: { servers: { node_id: string; voter: boolean }[] } }).config
        .servers ?? []
    ).filter((s) => s.voter);
    assert.deepEqual(servers.map((s) => s.node_id).sort(), ['node1', 'node2', 'node3']);

    // Write through a standby (node2, or node3 if node2 happens to be active), read through the other.
    const leader2 = await api(u2, 'GET', 'sys/leader');
    const [writer, reader] = leader2.body?.['is_self'] === true ? [u3, u2] : [u2, u3];
    assert.equal(
      (await api(writer, 'GET', 'sys/leader')).body?.['is_self'],
      false,
      'writer should be a standby',
    );
    const put = await api(writer, 'POST', 'secret/data/dev-cluster-test', {
      token,
      body: { data: { password: 's3cret' } },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const got = await api(reader, 'GET', 'secret/data/dev-cluster-test', { token });
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.deepEqual((got.body?.['data'] as { data: unknown }).data, { password: 's3cret' });

    await stop(run, pids);
  });

  void it('second run: reuses the data, unseals all three from init.json, the secret is still there', async () => {
    assert.notEqual(rootToken, '', 'first run did not complete');
    const { run, pids } = await start();
    const out = run.output;
    assert.match(out, /Reusing .*: unsealing node1\.\.node3/);
    assert.doesNotMatch(out, /First run/);
    assert.ok(out.includes(`Root Token: ${rootToken}`), out);

    for (const url of urls()) {
      const status = await api(url, 'GET', 'sys/seal-status');
      assert.equal(status.body?.['sealed'], false, `${url} sealed`);
    }
    const [, , u3] = urls() as [string, string, string];
    const got = await api(u3, 'GET', 'secret/data/dev-cluster-test', { token: rootToken });
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.deepEqual((got.body?.['data'] as { data: unknown }).data, { password: 's3cret' });

    await stop(run, pids);
  });
});
