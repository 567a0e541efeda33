/**
 * node-vault against response wrapping: a read with `X-Vault-Wrap-TTL` through node-vault's
 * request options, then its `unwrap` command — as the wrapping token itself and as a third party
 * (token in the body) — once only.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nodeVault from 'node-vault';
import { removeDir, startServer, type ServerProcess } from '../e2e/harness.js';

const ROOT = 'nv-wrap-root';
let server: ServerProcess;

interface WrappedAnswer {
  data: null;
  wrap_info: { token: string; ttl: number; creation_path: string };
}
interface KvAnswer {
  data: { data: Record<string, string> };
}

/** node-vault rejects non-2xx answers with an error carrying `response.statusCode`. */
async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (err) {
    const status = (err as { response?: { statusCode?: number } }).response?.statusCode;
    if (status === undefined) throw err;
    return status;
  }
}

before(async () => {
  server = await startServer({ dev: { rootTokenId: ROOT } });
});
after(async () => {
  if ((server as ServerProcess | undefined) === undefined) return;
  await server.stop();
  await removeDir(server.dir);
});

void describe('compat: node-vault and response wrapping', () => {
  void it('read with X-Vault-Wrap-TTL, then unwrap() with the wrapping token as client token', async () => {
    const root = nodeVault({ apiVersion: 'v1', endpoint: server.url, token: ROOT });
    await root.write('secret/data/nv', { data: { api_key: 'nv-secret-1' } });
    const wrapped = (await root.read('secret/data/nv', {
      headers: { 'X-Vault-Wrap-TTL': '60s' },
    })) as WrappedAnswer;
    assert.equal(wrapped.data, null);
    assert.equal(wrapped.wrap_info.ttl, 60);
    assert.equal(wrapped.wrap_info.creation_path, 'secret/data/nv');

    const holder = nodeVault({ apiVersion: 'v1', endpoint: server.url, token: wrapped.wrap_info.token });
    const unwrapped = (await holder.unwrap()) as KvAnswer;
    assert.equal(unwrapped.data.data['api_key'], 'nv-secret-1');
    assert.equal(await statusOf(holder.unwrap()), 400, 'a wrapped response unwraps once only');
  });

  void it('unwrap({ token }) by a third party; a second unwrap fails', async () => {
    const root = nodeVault({ apiVersion: 'v1', endpoint: server.url, token: ROOT });
    const wrapped = (await root.read('secret/data/nv', {
      headers: { 'X-Vault-Wrap-TTL': '5m' },
    })) as WrappedAnswer;
    const created = (await root.tokenCreate({ policies: ['default'] })) as { auth: { client_token: string } };
    const other = nodeVault({ apiVersion: 'v1', endpoint: server.url, token: created.auth.client_token });
    const unwrapped = (await other.unwrap({ token: wrapped.wrap_info.token })) as KvAnswer;
    assert.equal(unwrapped.data.data['api_key'], 'nv-secret-1');
    assert.equal(await statusOf(other.unwrap({ token: wrapped.wrap_info.token })), 400);
  });
});
