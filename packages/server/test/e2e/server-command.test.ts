import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServerCommand } from '../../src/index.js';
import { freePort, removeDir, spawnServer } from './harness.js';

class Capture {
  text = '';
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

async function run(
  args: string[],
  stop?: Promise<string>,
  onReady?: () => void,
): Promise<{ code: number; out: string; err: string }> {
  const out = new Capture();
  const err = new Capture();
  const code = await runServerCommand(args, {
    stdout: out,
    stderr: err,
    shutdownSignal: stop ?? Promise.resolve('test'),
    ...(onReady === undefined ? {} : { onReady }),
  });
  return { code, out: out.text, err: err.text };
}

/** Starts a dev server in-process; resolves once it listens, with a function that stops it. */
async function devServer(
  port: number,
  extra: string[] = [],
): Promise<{ stop: () => Promise<{ code: number; out: string }> }> {
  let release: (s: string) => void = () => undefined;
  let ready: () => void = () => undefined;
  const listening = new Promise<void>((r) => (ready = r));
  const running = run(
    ['-dev', `-dev-listen-address=127.0.0.1:${port}`, '-log-level=error', ...extra],
    new Promise((r) => (release = r)),
    ready,
  );
  await Promise.race([listening, running.then((r) => assert.fail(`dev server exited early: ${r.err}`))]);
  return {
    stop: async () => {
      release('SIGTERM');
      return running;
    },
  };
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coffer-cmd-'));
});
after(async () => {
  await removeDir(dir);
});

void describe('runServerCommand', () => {
  void it('needs -config or -dev, and rejects unknown flags with exit 1', async () => {
    const none = await run([]);
    assert.equal(none.code, 1);
    assert.match(none.err, /At least one config path must be specified with -config/);
    const unknown = await run(['-bogus']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /flag provided but not defined: -bogus/);
    const missing = await run(['-config']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /flag needs an argument/);
  });

  void it('prints configuration errors as file:line:column and exits 1', async () => {
    const file = join(dir, 'bad.hcl');
    await writeFile(
      file,
      'storage "file" {\n  path = "/tmp/x"\n}\nlistener "tcp" {\n  address = 8200 8201\n}\n',
    );
    for (const args of [[`-config=${file}`], ['-config', file], [`--config=${file}`]]) {
      const res = await run(args);
      assert.equal(res.code, 1, args.join(' '));
      assert.match(res.err, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: `));
    }
    const absent = await run([`-config=${join(dir, 'absent.hcl')}`]);
    assert.equal(absent.code, 1);
    assert.match(absent.err, /absent\.hcl:1:1: cannot read configuration file/);
  });

  void it('starts a raft node from storage "raft" (uninitialized, HA enabled) and shuts down cleanly', async () => {
    const file = join(dir, 'raft.hcl');
    const port = await freePort();
    const clusterPort = await freePort();
    await writeFile(
      file,
      `storage "raft" {\n  path = "${dir}/raft"\n  node_id = "n1"\n}\nlistener "tcp" {\n  address = "127.0.0.1:${port}"\n  cluster_address = "127.0.0.1:${clusterPort}"\n  tls_disable = true\n}\napi_addr = "http://127.0.0.1:${port}"\ncluster_addr = "https://127.0.0.1:${clusterPort}"\nlog_level = "error"\n`,
    );
    let release: (s: string) => void = () => undefined;
    let ready: () => void = () => undefined;
    const listening = new Promise<void>((r) => (ready = r));
    const running = run([`-config=${file}`], new Promise((r) => (release = r)), ready);
    await Promise.race([listening, running.then((r) => assert.fail(`raft server exited early: ${r.err}`))]);
    const status = (await (await fetch(`http://127.0.0.1:${port}/v1/sys/seal-status`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(status['storage_type'], 'raft');
    assert.equal(status['initialized'], false);
    release('SIGTERM');
    const done = await running;
    assert.equal(done.code, 0, done.err);
    assert.match(done.out, /Storage: raft/);
  });

  void it('reports unreadable TLS files and busy ports as startup errors (exit 1)', async () => {
    const port = await freePort();
    const tls = join(dir, 'tls.hcl');
    await writeFile(
      tls,
      `storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_cert_file = "${dir}/none.pem"\n  tls_key_file = "${dir}/none.key"\n}\n`,
    );
    const res = await run([`-config=${tls}`]);
    assert.equal(res.code, 1);
    assert.match(res.err, /cannot read TLS certificate or key \(ENOENT\)/);

    const holding = await devServer(port);
    const busy = await run(['-dev', `-dev-listen-address=127.0.0.1:${port}`, '-log-level=error']);
    assert.equal(busy.code, 1);
    assert.match(busy.err, /EADDRINUSE/);
    assert.equal((await holding.stop()).code, 0);
  });

  void it('runs a dev server and shuts down cleanly on its signal (exit 0)', async () => {
    const port = await freePort();
    const server = await devServer(port, ['-dev-root-token-id=abc']);
    const res = await fetch(`http://127.0.0.1:${port}/v1/secret/data/x`, {
      method: 'POST',
      headers: { 'X-Vault-Token': 'abc' },
      body: '{"data":{"a":1}}',
    });
    assert.equal(res.status, 200);
    const done = await server.stop();
    assert.equal(done.code, 0);
    assert.match(done.out, /Root Token: abc/);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/v1/sys/health`));
  });

  void it('exits 0 on SIGTERM as a real process', async () => {
    const port = await freePort();
    const child = spawnServer(['-dev', `-dev-listen-address=127.0.0.1:${port}`]);
    try {
      let ready = false;
      for (let i = 0; i < 100 && !ready; i++) {
        ready = await fetch(`http://127.0.0.1:${port}/v1/sys/health`).then(
          () => true,
          () => false,
        );
        if (!ready) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(ready);
      const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
