import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nodeVault from 'node-vault';
import { removeDir, startServer, type ServerProcess } from '../e2e/harness.js';

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

interface LoginAnswer {
  auth: { client_token: string; policies: string[]; metadata: Record<string, string> };
}

let server: ServerProcess;
let root: nodeVault.client;

before(async () => {
  server = await startServer();
  root = nodeVault({ apiVersion: 'v1', endpoint: server.url });
  const init = (await root.init({ secret_shares: 1, secret_threshold: 1 })) as {
    keys: string[];
    root_token: string;
  };
  await root.unseal({ secret_shares: 1, key: init.keys[0] });
  root.token = init.root_token;
  await root.addPolicy({
    name: 'app',
    rules: 'path "secret/data/app/*" { capabilities = ["read", "create", "update"] }',
  });
  await root.mount({ mount_point: 'secret', type: 'kv', options: { version: '2' } });
  await root.write('secret/data/app/db', { data: { password: 'p' } });
  await root.write('secret/data/other/db', { data: { password: 'q' } });
});
after(async () => {
  await server.stop();
  await removeDir(server.dir);
});

void describe('compat: node-vault logins through auth methods', () => {
  void it('userpass: enable, create a user, log in with userpassLogin, use the token within its policy', async () => {
    await root.enableAuth({ mount_point: 'userpass', type: 'userpass' });
    await root.write('auth/userpass/users/alice', { password: 'correct horse', token_policies: 'app' });
    const client = nodeVault({ apiVersion: 'v1', endpoint: server.url });
    const login = (await client.userpassLogin({
      username: 'alice',
      password: 'correct horse',
    })) as LoginAnswer;
    assert.deepEqual([...login.auth.policies].sort(), ['app', 'default']);
    assert.equal(login.auth.metadata['username'], 'alice');
    assert.equal(client.token, login.auth.client_token, 'node-vault adopts the login token');
    const read = (await client.read('secret/data/app/db')) as { data: { data: { password: string } } };
    assert.equal(read.data.data.password, 'p');
    assert.equal(await statusOf(client.read('secret/data/other/db')), 403);
    const wrong = nodeVault({ apiVersion: 'v1', endpoint: server.url });
    assert.equal(await statusOf(wrong.userpassLogin({ username: 'alice', password: 'wrong' })), 400);
    assert.equal(await statusOf(wrong.userpassLogin({ username: 'nobody', password: 'x' })), 400);
  });

  void it('approle: enable, create a role, log in with approleLogin; a single-use secret id works once', async () => {
    await root.enableAuth({ mount_point: 'approle', type: 'approle' });
    await root.write('auth/approle/role/web', { token_policies: 'app', secret_id_num_uses: 1 });
    const roleId = ((await root.read('auth/approle/role/web/role-id')) as { data: { role_id: string } }).data
      .role_id;
    const secretId = (
      (await root.write('auth/approle/role/web/secret-id', {})) as { data: { secret_id: string } }
    ).data.secret_id;
    const client = nodeVault({ apiVersion: 'v1', endpoint: server.url });
    const login = (await client.approleLogin({ role_id: roleId, secret_id: secretId })) as LoginAnswer;
    assert.deepEqual([...login.auth.policies].sort(), ['app', 'default']);
    assert.equal(login.auth.metadata['role_name'], 'web');
    const read = (await client.read('secret/data/app/db')) as { data: { data: { password: string } } };
    assert.equal(read.data.data.password, 'p');
    const again = nodeVault({ apiVersion: 'v1', endpoint: server.url });
    assert.equal(await statusOf(again.approleLogin({ role_id: roleId, secret_id: secretId })), 400);
  });
});
