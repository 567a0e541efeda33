import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, runCoffer, ServerProcess, type ProcessResult } from '../helpers/coffer-process.js';

interface InitJson {
  unseal_keys_b64: string[];
  unseal_keys_hex: string[];
  unseal_shares: number;
  unseal_threshold: number;
  root_token: string;
}

/**
 * End to end: the operator lifecycle on a server with file storage: init, unseal (argument and
 * stdin), seal, restart, unseal again; data survives.
 */
void describe('coffer operator lifecycle against a file-storage server (e2e)', () => {
  let dir = '';
  let config = '';
  let server: ServerProcess | undefined;
  let init: InitJson | undefined;

  const env = (extra: Record<string, string> = {}): Record<string, string> =>
    cleanEnv({
      HOME: dir,
      COFFER_TOKEN_FILE: join(dir, 'token'),
      VAULT_ADDR: server?.address ?? 'http://127.0.0.1:1',
      VAULT_MAX_RETRIES: '0',
      ...(init ? { VAULT_TOKEN: init.root_token } : {}),
      ...extra,
    });
  const cli = (args: string[], extra: Record<string, string> = {}, stdin?: string): Promise<ProcessResult> =>
    runCoffer(args, env(extra), stdin);
  const startServer = async (): Promise<void> => {
    server = await ServerProcess.start([`-config=${config}`], cleanEnv({ HOME: dir }));
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-e2e-file-'));
    config = join(dir, 'server.hcl');
    await writeFile(
      config,
      [
        'storage "file" {',
        `  path = "${join(dir, 'data')}"`,
        '}',
        '',
        'listener "tcp" {',
        '  address     = "127.0.0.1:0"',
        '  tls_disable = true',
        '}',
        '',
      ].join('\n'),
    );
    await startServer();
  });

  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  void it('reports an uninitialized server: status exit 2, init -status exit 2', async () => {
    const status = await cli(['status']);
    assert.equal(status.code, 2, status.stderr);
    assert.match(status.stdout, /^Initialized\s+false$/m);
    const initStatus = await cli(['operator', 'init', '-status']);
    assert.equal(initStatus.code, 2, initStatus.stderr);
    assert.match(initStatus.stdout, /not initialized/);
  });

  void it('initializes with 3 shares / threshold 2 and prints keys and root token', async () => {
    const r = await cli(['operator', 'init', '-key-shares=3', '-key-threshold=2', '-format=json']);
    assert.equal(r.code, 0, r.stderr);
    init = JSON.parse(r.stdout) as InitJson;
    assert.equal(init.unseal_keys_b64.length, 3);
    assert.equal(init.unseal_keys_hex.length, 3);
    assert.equal(init.unseal_shares, 3);
    assert.equal(init.unseal_threshold, 2);
    assert.notEqual(init.root_token, '');
    assert.equal((await cli(['operator', 'init', '-status'])).code, 0);
    const again = await cli(['operator', 'init', '-key-shares=1', '-key-threshold=1']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /^Error initializing: /);
    const sealed = await cli(['status']);
    assert.equal(sealed.code, 2);
    assert.match(sealed.stdout, /^Sealed\s+true$/m);
    assert.match(sealed.stdout, /^Unseal Progress\s+0\/2$/m);
  });

  void it('unseals with one key as an argument and one from stdin (hex form)', async () => {
    assert.ok(init);
    const first = await cli(['operator', 'unseal', init.unseal_keys_b64[0] as string]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^Unseal Progress\s+1\/2$/m);
    const wrongFormat = await cli(['operator', 'unseal', 'not a key!']);
    assert.equal(wrongFormat.code, 2);
    const second = await cli(['operator', 'unseal', '-'], {}, `${init.unseal_keys_hex[1] as string}\n`);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^Sealed\s+false$/m);
    const status = await cli(['status']);
    assert.equal(status.code, 0, status.stderr);
  });

  void it('stores data, seals (status exit 2, requests fail), unseals with -reset in between', async () => {
    assert.ok(init);
    assert.equal((await cli(['secrets', 'enable', '-version=2', '-path=app', 'kv'])).code, 0);
    const put = await cli(['kv', 'put', 'app/config', 'greeting=hello']);
    assert.equal(put.code, 0, put.stderr);
    const seal = await cli(['operator', 'seal']);
    assert.equal(seal.code, 0, seal.stderr);
    assert.equal((await cli(['status'])).code, 2);
    const blocked = await cli(['kv', 'get', 'app/config']);
    assert.equal(blocked.code, 2);
    assert.match(blocked.stderr, /503/);

    const partial = await cli(['operator', 'unseal', init.unseal_keys_b64[2] as string]);
    assert.match(partial.stdout, /^Unseal Progress\s+1\/2$/m);
    const reset = await cli(['operator', 'unseal', '-reset']);
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /^Unseal Progress\s+0\/2$/m);
    for (const key of init.unseal_keys_b64.slice(1))
      assert.equal((await cli(['operator', 'unseal', key])).code, 0);
    assert.equal((await cli(['kv', 'get', '-field=greeting', 'app/config'])).stdout, 'hello');
  });

  void it('keeps everything across a restart: sealed on start, unseal, data readable', async () => {
    assert.ok(init);
    const rotated = await cli(['operator', 'rotate', '-format=json']);
    assert.equal(rotated.code, 0, rotated.stderr);
    const term = (JSON.parse(rotated.stdout) as { term: number }).term;
    await server?.stop();
    await startServer();
    const status = await cli(['status']);
    assert.equal(status.code, 2);
    assert.match(status.stdout, /^Initialized\s+true$/m);
    for (const key of init.unseal_keys_b64.slice(0, 2))
      assert.equal((await cli(['operator', 'unseal', key])).code, 0);
    assert.equal((await cli(['status'])).code, 0);
    assert.equal((await cli(['kv', 'get', '-field=greeting', 'app/config'])).stdout, 'hello');
    const keyStatus = await cli(['operator', 'key-status', '-format=json']);
    assert.equal((JSON.parse(keyStatus.stdout) as { term: number }).term, term);
  });
});
