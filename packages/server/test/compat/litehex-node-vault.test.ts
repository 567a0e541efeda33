import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, VaultError } from '@litehex/node-vault';
import { removeDir, startServer, type ServerProcess } from '../e2e/harness.js';

interface Safe<T> {
  readonly data?: T;
  readonly error?: unknown;
}

/** Unwraps a p-safe result, failing the test with the server's errors. */
function ok<T>(result: Safe<T>): T {
  if (result.error !== undefined)
    assert.fail(
      `unexpected error: ${String(result.error)} ${JSON.stringify((result.error as { cause?: unknown }).cause ?? '')}`,
    );
  return result.data as T;
}

/** The HTTP status behind a p-safe error result. */
function errorStatus(result: Safe<unknown>): number {
  assert.ok(result.error instanceof VaultError, `expected a VaultError, got ${JSON.stringify(result.data)}`);
  return ((result.error as { cause?: { status?: number } }).cause ?? {}).status ?? 0;
}

let server: ServerProcess;
let vault: Client;

before(async () => {
  server = await startServer();
  vault = new Client({ endpoint: server.url });
});
after(async () => {
  await server.stop();
  await removeDir(server.dir);
});

void describe('compat: @litehex/node-vault (fetch; LIST verb)', () => {
  let keys: string[] = [];

  void it('initializes, reports status and unseals (strict response schemas)', async () => {
    assert.deepEqual(ok(await vault.initialized()), { initialized: false });
    const init = ok(await vault.init({ secret_shares: 5, secret_threshold: 3 })) as {
      keys: string[];
      root_token: string;
    };
    keys = init.keys;
    vault.token = init.root_token;
    const status = ok(await vault.sealStatus()) as {
      sealed: boolean;
      t: number;
      n: number;
      progress: number;
    };
    assert.equal(status.sealed, true);
    assert.equal(status.n, 5);
    for (const key of keys.slice(0, 2)) ok(await vault.unseal({ key }));
    const last = ok(await vault.unseal({ key: keys[4] as string })) as { sealed: boolean };
    assert.equal(last.sealed, false);
    const health = ok(await vault.health()) as { initialized: boolean; sealed: boolean; cluster_id: string };
    assert.equal(health.sealed, false);
    assert.match(health.cluster_id, /^[0-9a-f-]{36}$/);
  });

  void it('lists, enables, tunes and disables mounts', async () => {
    ok(await vault.mount({ mountPath: 'kv1', type: 'kv' }));
    ok(await vault.mount({ mountPath: 'kv2', type: 'kv', options: { version: '2' } }));
    const mounts = ok(await vault.mounts()) as { data: Record<string, { type: string; options: unknown }> };
    assert.equal(mounts.data['kv1/']?.type, 'kv');
    assert.deepEqual(mounts.data['kv2/']?.options, { version: '2' });
    const tune = ok(await vault.tune({ mountPath: 'kv1' })) as { data?: { default_lease_ttl: number } } & {
      default_lease_ttl?: number;
    };
    assert.equal(tune.data?.default_lease_ttl ?? tune.default_lease_ttl, 768 * 3600);
    ok(await vault.tuneMount({ mountPath: 'kv1', default_lease_ttl: 3600, description: 'tuned' }));
    const info = ok(await vault.engineInfo({ mountPath: 'kv1' })) as { data: { description: string } };
    assert.equal(info.data.description, 'tuned');
    ok(await vault.mount({ mountPath: 'tmp', type: 'kv' }));
    ok(await vault.unmount({ mountPath: 'tmp' }));
    assert.equal(errorStatus(await vault.mount({ mountPath: 'bad', type: 'nope' })), 400);
  });

  void it('manages ACL policies through sys/policies/acl (generic commands, LIST)', async () => {
    ok(
      await vault.write({
        path: 'sys/policies/acl/app',
        data: { policy: 'path "kv2/data/app/*" { capabilities = ["read"] }' },
      }),
    );
    const read = ok(await vault.read({ path: 'sys/policies/acl/app' })) as {
      data: { name: string; policy: string };
    };
    assert.equal(read.data.name, 'app');
    const list = ok(await vault.list({ path: 'sys/policies/acl' })) as { data: { keys: string[] } };
    assert.deepEqual(list.data.keys, ['app', 'default', 'root']);
    // The library's response schema for sys/capabilities says `boolean`: read the real body unchecked.
    const caps = ok(
      await vault.queryCapabilities(
        { token: vault.token as string, paths: ['kv2/data/app/x'] },
        { strictSchema: false },
      ),
    ) as unknown as { capabilities?: string[]; data?: { capabilities: string[] } };
    assert.deepEqual(caps.capabilities ?? caps.data?.capabilities, ['root']);
    ok(
      await vault.write({
        path: 'sys/policies/acl/gone',
        data: { policy: 'path "x" { capabilities = ["read"] }' },
      }),
    );
    ok(await vault.delete({ path: 'sys/policies/acl/gone' }));
    assert.equal(errorStatus(await vault.read({ path: 'sys/policies/acl/gone' })), 404);
  });

  void it('creates, looks up and revokes tokens (generic commands)', async () => {
    const created = ok(
      await vault.write({ path: 'auth/token/create', data: { policies: ['app'], ttl: '10m' } }),
    ) as { auth: { client_token: string; accessor: string } };
    const token = created.auth.client_token;
    const lookup = ok(await vault.write({ path: 'auth/token/lookup', data: { token } })) as {
      data: { policies: string[]; accessor: string };
    };
    assert.deepEqual(lookup.data.policies, ['app', 'default']);
    assert.equal(lookup.data.accessor, created.auth.accessor);
    const user = new Client({ endpoint: server.url, token });
    const self = ok(await user.read({ path: 'auth/token/lookup-self' })) as { data: { accessor: string } };
    assert.equal(self.data.accessor, created.auth.accessor);
    assert.equal(errorStatus(await user.read({ path: 'sys/mounts' })), 403);
    ok(await vault.write({ path: 'auth/token/revoke', data: { token } }));
    assert.equal(errorStatus(await user.read({ path: 'auth/token/lookup-self' })), 403);
  });

  void it('reads, writes, lists and deletes KV v1', async () => {
    ok(await vault.kv.write({ mountPath: 'kv1', path: 'team/db', data: { user: 'u' } }));
    ok(await vault.kv.write({ mountPath: 'kv1', path: 'team/sub/x', data: { a: 1 } }));
    const read = ok(await vault.kv.read({ mountPath: 'kv1', path: 'team/db' })) as {
      data: Record<string, unknown>;
    };
    assert.deepEqual(read.data, { user: 'u' });
    const list = ok(await vault.kv.list({ mountPath: 'kv1', path: 'team' })) as { data: { keys: string[] } };
    assert.deepEqual(list.data.keys, ['db', 'sub/']);
    ok(await vault.kv.delete({ mountPath: 'kv1', path: 'team/db' }));
    assert.equal(errorStatus(await vault.kv.read({ mountPath: 'kv1', path: 'team/db' })), 404);
  });

  void it('reads, writes, patches, lists and deletes KV v2 with metadata', async () => {
    // The library's KV v2 read schema wants string values.
    ok(await vault.kv2.write({ mountPath: 'kv2', path: 'app/cfg', data: { a: '1', b: '2' } }));
    ok(
      await vault.kv2.write({
        mountPath: 'kv2',
        path: 'app/cfg',
        data: { a: '10', b: '2' },
        options: { cas: 1 },
      }),
    );
    ok(await vault.kv2.patch({ mountPath: 'kv2', path: 'app/cfg', data: { b: '20' } }));
    const read = ok(await vault.kv2.read({ mountPath: 'kv2', path: 'app/cfg' })) as {
      data: { data: Record<string, unknown>; metadata: { version: number } };
    };
    assert.deepEqual(read.data.data, { a: '10', b: '20' });
    assert.equal(read.data.metadata.version, 3);
    // The library HTML-escapes "/" in paths when a query string is added: read versions of a flat key.
    ok(await vault.kv2.write({ mountPath: 'kv2', path: 'flat', data: { a: '1' } }));
    ok(await vault.kv2.write({ mountPath: 'kv2', path: 'flat', data: { a: '2' } }));
    const v1 = ok(await vault.kv2.read({ mountPath: 'kv2', path: 'flat', version: 1 })) as {
      data: { data: Record<string, unknown> };
    };
    assert.deepEqual(v1.data.data, { a: '1' });
    const list = ok(await vault.kv2.list({ mountPath: 'kv2', path: 'app' })) as { data: { keys: string[] } };
    assert.deepEqual(list.data.keys, ['cfg']);
    const meta = ok(await vault.read({ path: 'kv2/metadata/app/cfg' })) as {
      data: { current_version: number };
    };
    assert.equal(meta.data.current_version, 3);
    ok(await vault.kv2.deleteLatest({ mountPath: 'kv2', path: 'app/cfg' }));
    assert.equal(errorStatus(await vault.kv2.read({ mountPath: 'kv2', path: 'app/cfg' })), 404);
    ok(await vault.delete({ path: 'kv2/metadata/app/cfg' }));
    assert.equal(errorStatus(await vault.read({ path: 'kv2/metadata/app/cfg' })), 404);
  });

  void it('seals', async () => {
    ok(await vault.seal());
    const status = ok(await vault.sealStatus()) as { sealed: boolean };
    assert.equal(status.sealed, true);
  });
});
