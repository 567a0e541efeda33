import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';

void describe('loadConfig', () => {
  let dir = '';
  void before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-config-'));
  });
  void after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  void it('reads an HCL file', async () => {
    const path = join(dir, 'server.hcl');
    await writeFile(path, 'storage "file" { path = "/data" }\nlistener "tcp" { tls_disable = true }\n');
    const config = await loadConfig(path);
    assert.equal(config.file, path);
    assert.deepEqual(config.storage, { type: 'file', path: '/data' });
  });

  void it('reads a .json file as JSON, with positions in errors', async () => {
    const path = join(dir, 'server.json');
    await writeFile(path, '{"storage": {"inmem": {}},\n "listener": {"tcp": {"tls_disable": true}}}');
    assert.equal((await loadConfig(path)).storage.type, 'inmem');
    await writeFile(path, '{"storage": {"inmem": {}},\n "listener": {"tcp": {"tls_disable": true, "x": 1}}}');
    await assert.rejects(
      loadConfig(path),
      (err: unknown) => err instanceof ConfigError && err.message.startsWith(`${path}:2:44: unknown key "x"`),
    );
  });

  void it('passes environment overrides through', async () => {
    const path = join(dir, 'env.hcl');
    await writeFile(path, 'storage "inmem" {}\nlistener "tcp" { tls_disable = true }\n');
    assert.equal(
      (await loadConfig(path, { env: { VAULT_API_ADDR: 'https://x:8200' } })).apiAddr,
      'https://x:8200',
    );
  });

  void it('fails with a ConfigError when the file cannot be read', async () => {
    const path = join(dir, 'missing.hcl');
    await assert.rejects(
      loadConfig(path),
      (err: unknown) => err instanceof ConfigError && err.file === path && /ENOENT/.test(err.reason),
    );
  });
});
