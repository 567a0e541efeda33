import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { removeDir, startServer, type ServerProcess } from './harness.js';

let server: ServerProcess;
let root = '';

async function policyToken(name: string, policy: string): Promise<string> {
  const put = await server.request('PUT', `sys/policies/acl/${name}`, { token: root, body: { policy } });
  assert.equal(put.status, 204, put.text);
  const res = await server.request('POST', 'auth/token/create', { token: root, body: { policies: [name] } });
  assert.equal(res.status, 200, res.text);
  return (res.body?.['auth'] as Record<string, unknown>)['client_token'] as string;
}

async function status(method: string, path: string, token: string, body?: unknown): Promise<number> {
  return (await server.request(method, path, { token, ...(body === undefined ? {} : { body }) })).status;
}

before(async () => {
  server = await startServer();
  ({ rootToken: root } = await server.initAndUnseal(1, 1));
  await server.request('POST', 'sys/mounts/secret', { token: root, body: { type: 'kv-v2' } });
  await server.request('POST', 'sys/mounts/kv', { token: root, body: { type: 'kv' } });
  for (const p of ['app/x', 'app/secret', 'other/x', 'team/config', 'a/b/config', 'zip-zap/zong', 'zi']) {
    const res = await server.request('POST', `secret/data/${p}`, { token: root, body: { data: { v: p } } });
    assert.equal(res.status, 200, res.text);
  }
});
after(async () => {
  await server.stop();
  await removeDir(server.dir);
});

void describe('e2e ACL through HTTP', () => {
  void it('a narrow policy allows exactly its path and capability', async () => {
    const t = await policyToken('narrow', 'path "secret/data/app/*" { capabilities = ["read"] }');
    assert.equal(await status('GET', 'secret/data/app/x', t), 200);
    assert.equal(await status('POST', 'secret/data/app/x', t, { data: { v: 2 } }), 403);
    assert.equal(await status('DELETE', 'secret/data/app/x', t), 403);
    assert.equal(await status('GET', 'secret/data/other/x', t), 403);
    assert.equal(await status('GET', 'secret/data/app', t), 403, 'the glob needs the slash');
    assert.equal(await status('LIST', 'secret/metadata/app', t), 403);
    assert.equal(await status('GET', 'sys/mounts', t), 403);
    assert.equal(await status('GET', 'auth/token/lookup-self', t), 200, 'default policy is attached');
    const denied = await server.request('GET', 'secret/data/other/x', { token: t });
    assert.deepEqual(denied.body, { errors: ['permission denied'] });
  });

  void it('`+` matches exactly one segment', async () => {
    const t = await policyToken('plus', 'path "secret/data/+/config" { capabilities = ["read"] }');
    assert.equal(await status('GET', 'secret/data/team/config', t), 200);
    assert.equal(await status('GET', 'secret/data/a/b/config', t), 403);
    assert.equal(await status('GET', 'secret/data/config', t), 403);
    assert.equal(await status('GET', 'secret/data/team/config2', t), 403);
  });

  void it('`*` is a prefix glob, also inside a segment and after `+`', async () => {
    const t = await policyToken(
      'star',
      'path "secret/data/zip-*" { capabilities = ["read"] }\npath "secret/+/team*" { capabilities = ["read"] }',
    );
    assert.equal(await status('GET', 'secret/data/zip-zap/zong', t), 200);
    assert.equal(await status('GET', 'secret/data/zi', t), 403);
    assert.equal(await status('GET', 'secret/data/team/config', t), 200);
    assert.equal(await status('GET', 'secret/metadata/team/config', t), 200);
  });

  void it('the most specific of overlapping paths wins (deny on an exact path)', async () => {
    const t = await policyToken(
      'overlap',
      'path "secret/data/app/*" { capabilities = ["read"] }\npath "secret/data/app/secret" { capabilities = ["deny"] }',
    );
    assert.equal(await status('GET', 'secret/data/app/x', t), 200);
    assert.equal(await status('GET', 'secret/data/app/secret', t), 403);
  });

  void it('priority: a later first wildcard beats an earlier `+`; a glob loses to an exact path', async () => {
    const t = await policyToken(
      'priority',
      'path "secret/data/+/x" { capabilities = ["update", "create"] }\npath "secret/data/app/*" { capabilities = ["read"] }\npath "secret/data/other/*" { capabilities = ["read"] }\npath "secret/data/other/x" { capabilities = ["create", "update"] }',
    );
    assert.equal(await status('GET', 'secret/data/app/x', t), 200);
    assert.equal(
      await status('POST', 'secret/data/app/x', t, { data: { v: 1 } }),
      403,
      'secret/data/app/* decides',
    );
    assert.equal(await status('POST', 'secret/data/other/x', t, { data: { v: 1 } }), 200);
    assert.equal(await status('GET', 'secret/data/other/x', t), 403, 'the exact path decides');
  });

  void it('the same path in two policies unions capabilities; deny in either wins', async () => {
    await server.request('PUT', 'sys/policies/acl/u1', {
      token: root,
      body: {
        policy: 'path "kv/shared" { capabilities = ["read"] }\npath "kv/blocked" { capabilities = ["read"] }',
      },
    });
    await server.request('PUT', 'sys/policies/acl/u2', {
      token: root,
      body: {
        policy:
          'path "kv/shared" { capabilities = ["update", "create"] }\npath "kv/blocked" { capabilities = ["deny"] }',
      },
    });
    const res = await server.request('POST', 'auth/token/create', {
      token: root,
      body: { policies: ['u1', 'u2'] },
    });
    const t = (res.body?.['auth'] as Record<string, unknown>)['client_token'] as string;
    await server.request('POST', 'kv/blocked', { token: root, body: { v: 1 } });
    assert.equal(await status('POST', 'kv/shared', t, { v: 1 }), 204);
    assert.equal(await status('GET', 'kv/shared', t), 200);
    assert.equal(await status('GET', 'kv/blocked', t), 403);
  });

  void it('create vs update is decided by the existence check', async () => {
    const t = await policyToken('createonly', 'path "kv/fresh/*" { capabilities = ["create"] }');
    assert.equal(await status('POST', 'kv/fresh/one', t, { v: 1 }), 204, 'absent: create');
    assert.equal(await status('POST', 'kv/fresh/one', t, { v: 2 }), 403, 'present: update');
  });

  void it('LIST needs the list capability on the trailing-slash form', async () => {
    const t = await policyToken('lister', 'path "secret/metadata/" { capabilities = ["list"] }');
    assert.equal(await status('LIST', 'secret/metadata', t), 200);
    assert.equal(await status('GET', 'secret/metadata?list=true', t), 200);
    assert.equal(await status('GET', 'secret/metadata', t), 403);
    assert.equal(await status('LIST', 'secret/metadata/app', t), 403);
  });

  void it('parameter constraints are enforced', async () => {
    const t = await policyToken(
      'params',
      'path "kv/p" { capabilities = ["create", "update"]\n allowed_parameters = { "color" = ["red", "blue"] } }',
    );
    assert.equal(await status('POST', 'kv/p', t, { color: 'red' }), 204);
    assert.equal(await status('POST', 'kv/p', t, { color: 'green' }), 403);
    assert.equal(await status('POST', 'kv/p', t, { size: 1 }), 403);
  });

  void it('sudo paths refuse tokens without sudo', async () => {
    const plain = await policyToken(
      'nosudo',
      'path "sys/rotate" { capabilities = ["update"] }\npath "sys/seal" { capabilities = ["update"] }\npath "sys/auth/*" { capabilities = ["create", "update", "read"] }\npath "auth/token/accessors/" { capabilities = ["list"] }',
    );
    assert.equal(await status('POST', 'sys/rotate', plain), 403);
    assert.equal(await status('PUT', 'sys/seal', plain), 403);
    assert.equal(await status('GET', 'sys/auth/token/tune', plain), 403);
    assert.equal(await status('LIST', 'auth/token/accessors', plain), 403);
    const sudo = await policyToken(
      'withsudo',
      'path "sys/rotate" { capabilities = ["update", "sudo"] }\npath "auth/token/accessors/" { capabilities = ["list", "sudo"] }\npath "sys/auth/*" { capabilities = ["read", "sudo"] }',
    );
    assert.equal(await status('POST', 'sys/rotate', sudo), 204);
    assert.equal(await status('LIST', 'auth/token/accessors', sudo), 200);
    assert.equal(await status('GET', 'sys/auth/token/tune', sudo), 200);
  });

  void it('policy changes apply to existing tokens on their next request', async () => {
    const t = await policyToken('evolving', 'path "kv/evolve" { capabilities = ["read"] }');
    await server.request('POST', 'kv/evolve', { token: root, body: { v: 1 } });
    assert.equal(await status('GET', 'kv/evolve', t), 200);
    await server.request('PUT', 'sys/policies/acl/evolving', {
      token: root,
      body: { policy: 'path "kv/other" { capabilities = ["read"] }' },
    });
    assert.equal(await status('GET', 'kv/evolve', t), 403);
    await server.request('DELETE', 'sys/policies/acl/evolving', { token: root });
    assert.equal(await status('GET', 'kv/other', t), 403);
  });

  void it('num_uses tokens stop working after their last use', async () => {
    const res = await server.request('POST', 'auth/token/create', {
      token: root,
      body: { policies: ['narrow'], num_uses: 2 },
    });
    const t = (res.body?.['auth'] as Record<string, unknown>)['client_token'] as string;
    assert.equal(await status('GET', 'secret/data/app/x', t), 200);
    assert.equal(await status('GET', 'secret/data/app/x', t), 200);
    const third = await server.request('GET', 'secret/data/app/x', { token: t });
    assert.equal(third.status, 403);
    assert.deepEqual(third.body, { errors: ['permission denied', 'invalid token'] });
  });

  void it('revoked tokens get 403 invalid token', async () => {
    const t = await policyToken('short', 'path "kv/*" { capabilities = ["read"] }');
    assert.equal(await status('POST', 'auth/token/revoke-self', t), 204);
    const after = await server.request('GET', 'kv/shared', { token: t });
    assert.equal(after.status, 403);
    assert.deepEqual(after.body, { errors: ['permission denied', 'invalid token'] });
  });
});
