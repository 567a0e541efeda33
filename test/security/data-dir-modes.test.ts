/**
 * CVE-2021-38553 (HCSEC-2021-20): Vault's raft `vault.db` was created with broad permissions.
 * After init (and some writes, a snapshot, an audit log), every file under the data directory
 * must be 0600 and every directory 0700 — for file storage and for raft storage.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  freePort,
  removeDir,
  ServerProcess,
  spawnServer,
  startServer,
} from '../../packages/server/test/e2e/harness.js';

const started: ServerProcess[] = [];
after(async () => {
  for (const s of started) {
    await s.stop();
    await removeDir(s.dir);
  }
});

async function modes(dir: string, out: string[] = []): Promise<string[]> {
  const st = await stat(dir);
  if ((st.mode & 0o777) !== 0o700) out.push(`dir ${dir}: ${(st.mode & 0o777).toString(8)}`);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await modes(p, out);
    else if (e.isFile()) {
      const m = (await stat(p)).mode & 0o777;
      if (m !== 0o600) out.push(`file ${p}: ${m.toString(8)}`);
    }
  }
  return out;
}

async function exercise(server: ServerProcess): Promise<void> {
  const { rootToken } = await server.initAndUnseal(1, 1);
  const t = { token: rootToken };
  assert.equal(
    (await server.request('POST', 'sys/mounts/kv', { ...t, body: { type: 'kv', options: { version: '2' } } }))
      .status,
    204,
  );
  for (let i = 0; i < 50; i++) {
    const r = await server.request('PUT', `kv/data/k${i}`, { ...t, body: { data: { v: 'x'.repeat(2000) } } });
    assert.equal(r.status, 200, r.text);
  }
}

async function startRaft(): Promise<ServerProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-modes-'));
  const apiPort = await freePort();
  const clusterPort = await freePort();
  const config = join(dir, 'config.hcl');
  await writeFile(
    config,
    `storage "raft" {
  path    = "${join(dir, 'data')}"
  node_id = "modes-1"
}
listener "tcp" {
  address         = "127.0.0.1:${apiPort}"
  cluster_address = "127.0.0.1:${clusterPort}"
  tls_disable     = true
}
api_addr      = "http://127.0.0.1:${apiPort}"
cluster_addr  = "https://127.0.0.1:${clusterPort}"
disable_mlock = true
log_level     = "warn"
`,
  );
  const server = new ServerProcess(spawnServer([`-config=${config}`]), apiPort, dir, undefined);
  started.push(server);
  const deadline = Date.now() + 30_000;
  for (;;) {
    assert.ok(server.alive, server.logs());
    try {
      if ((await server.request('GET', 'sys/seal-status')).status === 200) break;
    } catch {
      // not listening yet
    }
    assert.ok(Date.now() < deadline, 'raft server not ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  return server;
}

async function waitActive(server: ServerProcess, token: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const r = await server.request('GET', 'sys/mounts', { token });
    if (r.status === 200) return;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error('raft node never became active');
}

void describe('data directory modes (CVE-2021-38553)', () => {
  void it('file storage: every file 0600, every dir 0700 after init and writes', async () => {
    const server = await startServer();
    started.push(server);
    await exercise(server);
    assert.deepEqual(await modes(join(server.dir, 'data')), []);
  });

  void it('raft storage: every file 0600, every dir 0700 after init, writes and a snapshot', async () => {
    const server = await startRaft();
    const init = await server.request('PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } });
    assert.equal(init.status, 200, init.text);
    const rootToken = String(init.body?.['root_token']);
    await server.unsealWith([String((init.body?.['keys'] as string[])[0])]);
    await waitActive(server, rootToken);
    const t = { token: rootToken };
    assert.equal((await server.request('POST', 'sys/mounts/kv', { ...t, body: { type: 'kv' } })).status, 204);
    for (let i = 0; i < 50; i++) {
      const r = await server.request('PUT', `kv/k${i}`, { ...t, body: { v: 'x'.repeat(2000) } });
      assert.equal(r.status, 204, r.text);
    }
    const snap = await server.request('GET', 'sys/storage/raft/snapshot', t);
    assert.equal(snap.status, 200, snap.text.slice(0, 200));
    assert.deepEqual(await modes(join(server.dir, 'data')), []);
  });
});
