import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { cleanEnv, runCoffer, ServerProcess, type ProcessResult } from '../helpers/coffer-process.js';

/**
 * End to end: a real `coffer server -dev` process and the CLI run as a child process for each
 * command, the way an operator uses them.
 */
void describe('coffer CLI against a dev server (e2e)', { concurrency: 3 }, () => {
  const rootToken = 'e2e-root-token';
  let dir = '';
  let server: ServerProcess | undefined;

  const env = (extra: Record<string, string> = {}): Record<string, string> =>
    cleanEnv({
      HOME: dir,
      COFFER_TOKEN_FILE: join(dir, 'token'),
      VAULT_ADDR: server?.address ?? 'http://127.0.0.1:1',
      VAULT_TOKEN: rootToken,
      VAULT_MAX_RETRIES: '0',
      ...extra,
    });
  const cli = (args: string[], extra: Record<string, string> = {}, stdin?: string): Promise<ProcessResult> =>
    runCoffer(args, env(extra), stdin);
  const ok = (r: ProcessResult, what: string): ProcessResult => {
    assert.equal(r.code, 0, `${what} failed (${r.code}): ${r.stderr}`);
    return r;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-e2e-dev-'));
    server = await ServerProcess.start(
      ['-dev', '-dev-listen-address=127.0.0.1:0', `-dev-root-token-id=${rootToken}`],
      cleanEnv({ HOME: dir }),
    );
  });

  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  void it('status: table, JSON, -field; exit 0 when unsealed', async () => {
    const t = ok(await cli(['status']), 'status');
    assert.match(t.stdout, /^Sealed\s+false$/m);
    assert.match(t.stdout, /^Initialized\s+true$/m);
    const j = ok(await cli(['status', '-format=json']), 'status json');
    const json = JSON.parse(j.stdout) as Record<string, unknown>;
    assert.equal(json.sealed, false);
    assert.equal(json.type, 'shamir');
    const f = ok(await cli(['status', '-field=initialized']), 'status -field');
    assert.equal(f.stdout, 'true');
  });

  void it("kv on the dev server's v2 mount: put, get, versions, patch, list, delete, undelete, destroy, metadata", async () => {
    ok(await cli(['kv', 'put', 'secret/app/db', 'user=admin', 'password=one']), 'kv put v1');
    const put2 = ok(
      await cli(['kv', 'put', '-format=json', 'secret/app/db', 'user=admin', 'password=two']),
      'kv put v2',
    );
    assert.equal((JSON.parse(put2.stdout) as { data: { version: number } }).data.version, 2);

    const get = ok(await cli(['kv', 'get', 'secret/app/db']), 'kv get');
    assert.match(get.stdout, /^secret\/data\/app\/db$/m);
    assert.match(get.stdout, /^version\s+2$/m);
    assert.match(get.stdout, /^password\s+two$/m);
    assert.equal(ok(await cli(['kv', 'get', '-field=password', 'secret/app/db']), 'field').stdout, 'two');
    assert.equal(
      ok(await cli(['kv', 'get', '-version=1', '-field=password', 'secret/app/db']), 'version 1').stdout,
      'one',
    );
    assert.equal(
      ok(await cli(['kv', 'get', '-mount=secret', '-field=user', 'app/db']), '-mount').stdout,
      'admin',
    );

    const yaml = ok(await cli(['kv', 'get', '-format=yaml', 'secret/app/db']), 'yaml');
    const parsed = parseYaml(yaml.stdout) as {
      data: { data: Record<string, string>; metadata: { version: number } };
    };
    assert.deepEqual(parsed.data.data, { password: 'two', user: 'admin' });
    assert.equal(parsed.data.metadata.version, 2);

    ok(await cli(['kv', 'patch', 'secret/app/db', 'password=three', 'extra=x']), 'kv patch');
    const patched = JSON.parse(
      ok(await cli(['kv', 'get', '-format=json', 'secret/app/db']), 'get patched').stdout,
    ) as {
      data: { data: Record<string, string>; metadata: { version: number } };
    };
    assert.deepEqual(patched.data.data, { extra: 'x', password: 'three', user: 'admin' });
    assert.equal(patched.data.metadata.version, 3);

    ok(await cli(['kv', 'put', 'secret/app/web/cfg', 'port=80']), 'kv put nested');
    const list = ok(await cli(['kv', 'list', 'secret/app']), 'kv list');
    assert.equal(list.stdout, 'Keys\n----\ndb\nweb/\n');
    assert.deepEqual(
      JSON.parse(ok(await cli(['kv', 'list', '-format=json', 'secret/app']), 'list json').stdout),
      ['db', 'web/'],
    );

    ok(await cli(['kv', 'delete', 'secret/app/db']), 'kv delete');
    const deleted = await cli(['kv', 'get', '-format=json', 'secret/app/db']);
    const deletedJson = JSON.parse(deleted.stdout || '{}') as {
      data?: { data: unknown; metadata: { deletion_time: string } };
    };
    assert.equal(deletedJson.data?.data ?? null, null, `deleted version still readable: ${deleted.stdout}`);
    assert.notEqual(deletedJson.data?.metadata.deletion_time ?? '', '');

    ok(await cli(['kv', 'undelete', '-versions=3', 'secret/app/db']), 'kv undelete');
    assert.equal(
      ok(await cli(['kv', 'get', '-field=password', 'secret/app/db']), 'after undelete').stdout,
      'three',
    );

    ok(await cli(['kv', 'destroy', '-versions=1', 'secret/app/db']), 'kv destroy');
    const meta = JSON.parse(
      ok(await cli(['kv', 'metadata', 'get', '-format=json', 'secret/app/db']), 'metadata get').stdout,
    ) as {
      data: { current_version: number; versions: Record<string, { destroyed: boolean }> };
    };
    assert.equal(meta.data.current_version, 3);
    assert.equal(meta.data.versions['1']?.destroyed, true);
    assert.equal(meta.data.versions['2']?.destroyed, false);
    const metaTable = ok(await cli(['kv', 'metadata', 'get', 'secret/app/db']), 'metadata table');
    assert.match(metaTable.stdout, /Version 1/);
    assert.match(metaTable.stdout, /^current_version\s+3$/m);

    ok(
      await cli(['kv', 'metadata', 'put', '-max-versions=5', '-custom-metadata=owner=ops', 'secret/app/db']),
      'metadata put',
    );
    const meta2 = JSON.parse(
      ok(await cli(['kv', 'metadata', 'get', '-format=json', 'secret/app/db']), 'metadata get 2').stdout,
    ) as {
      data: { max_versions: number; custom_metadata: Record<string, string> };
    };
    assert.equal(meta2.data.max_versions, 5);
    assert.deepEqual(meta2.data.custom_metadata, { owner: 'ops' });

    ok(await cli(['kv', 'metadata', 'delete', 'secret/app/db']), 'metadata delete');
    const gone = await cli(['kv', 'get', 'secret/app/db']);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /No value found at secret\/data\/app\/db/);
  });

  void it('kv put with check-and-set, and from stdin', async () => {
    ok(await cli(['kv', 'put', '-cas=0', 'secret/cas', 'a=1']), 'cas create');
    const again = await cli(['kv', 'put', '-cas=0', 'secret/cas', 'a=2']);
    assert.equal(again.code, 2);
    assert.equal(again.stderr.trimEnd().split('\n').length, 1, again.stderr);
    assert.match(again.stderr, /^Error writing data to secret\/data\/cas: .*Code: 400/);
    ok(await cli(['kv', 'put', '-cas=1', 'secret/cas', 'a=2']), 'cas update');
    ok(await cli(['kv', 'put', 'secret/stdin', '-'], {}, '{"json": "yes", "n": "1"}'), 'put from stdin');
    assert.equal(ok(await cli(['kv', 'get', '-field=json', 'secret/stdin']), 'get stdin').stdout, 'yes');
    ok(await cli(['kv', 'put', 'secret/stdin-value', 'v=-'], {}, 'piped value'), 'value from stdin');
    assert.equal(
      ok(await cli(['kv', 'get', '-field=v', 'secret/stdin-value']), 'get stdin value').stdout,
      'piped value',
    );
  });

  void it('kv on a version 1 mount, and secrets enable/list/disable', async () => {
    const enable = ok(
      await cli(['secrets', 'enable', '-path=kv1', '-description=plain kv', 'kv']),
      'enable kv1',
    );
    assert.equal(enable.stdout, 'Success! Enabled the kv secrets engine at: kv1/\n');
    ok(await cli(['secrets', 'enable', '-path=versioned', '-version=2', 'kv']), 'enable v2');
    const list = ok(await cli(['secrets', 'list']), 'secrets list');
    assert.match(list.stdout, /^kv1\/\s+kv\s+\S+\s+plain kv$/m);
    assert.match(list.stdout, /^secret\/\s+kv\s/m);
    const mounts = JSON.parse(
      ok(await cli(['secrets', 'list', '-format=json']), 'secrets list json').stdout,
    ) as Record<string, { type: string; options: Record<string, string> | null }>;
    assert.equal(mounts['versioned/']?.options?.version, '2');
    assert.equal(mounts['kv1/']?.type, 'kv');
    ok(await cli(['secrets', 'list', '-detailed']), 'secrets list -detailed');

    const put = ok(await cli(['kv', 'put', 'kv1/app', 'a=1', 'b=2']), 'kv1 put');
    assert.equal(put.stdout, 'Success! Data written to: kv1/app\n');
    const get = ok(await cli(['kv', 'get', 'kv1/app']), 'kv1 get');
    assert.match(get.stdout, /^a\s+1$/m);
    assert.doesNotMatch(get.stdout, /Secret Path/);
    assert.equal(ok(await cli(['kv', 'get', '-field=b', 'kv1/app']), 'kv1 field').stdout, '2');
    assert.equal(ok(await cli(['kv', 'list', 'kv1']), 'kv1 list').stdout, 'Keys\n----\napp\n');
    const undelete = await cli(['kv', 'undelete', '-versions=1', 'kv1/app']);
    assert.equal(undelete.code, 1);
    ok(await cli(['kv', 'delete', 'kv1/app']), 'kv1 delete');
    assert.equal((await cli(['kv', 'get', 'kv1/app'])).code, 2);

    ok(await cli(['kv', 'put', 'versioned/x', 'a=1']), 'versioned put');
    assert.equal(ok(await cli(['kv', 'get', '-field=a', 'versioned/x']), 'versioned get').stdout, '1');

    ok(await cli(['secrets', 'tune', '-default-lease-ttl=1h', 'kv1']), 'tune');
    const tune = JSON.parse(
      ok(await cli(['read', '-format=json', 'sys/mounts/kv1/tune']), 'read tune').stdout,
    ) as { data: { default_lease_ttl: number } };
    assert.equal(tune.data.default_lease_ttl, 3600);

    const disable = ok(await cli(['secrets', 'disable', 'kv1']), 'disable');
    assert.equal(disable.stdout, 'Success! Disabled the secrets engine (if it existed) at: kv1/\n');
    assert.doesNotMatch(ok(await cli(['secrets', 'list']), 'list after disable').stdout, /^kv1\//m);
  });

  void it('policies: write from a file and stdin, read, list, delete', async () => {
    const file = join(dir, 'reader.hcl');
    await writeFile(file, 'path "secret/data/shared/*" {\n  capabilities = ["read", "list"]\n}\n');
    assert.equal(
      ok(await cli(['policy', 'write', 'reader', file]), 'policy write').stdout,
      'Success! Uploaded policy: reader\n',
    );
    ok(
      await cli(
        ['policy', 'write', 'writer', '-'],
        {},
        'path "secret/data/shared/*" {\n  capabilities = ["create", "update", "read"]\n}\n',
      ),
      'policy write stdin',
    );
    const read = ok(await cli(['policy', 'read', 'reader']), 'policy read');
    assert.match(read.stdout, /path "secret\/data\/shared\/\*"/);
    const list = ok(await cli(['policy', 'list']), 'policy list').stdout.split('\n');
    for (const name of ['default', 'reader', 'root', 'writer'])
      assert.ok(list.includes(name), `policy list lacks ${name}: ${list.join(',')}`);
    const missing = await cli(['policy', 'read', 'nope']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /No policy named: nope/);
    ok(await cli(['policy', 'delete', 'writer']), 'policy delete');
    assert.ok(
      !ok(await cli(['policy', 'list']), 'policy list 2')
        .stdout.split('\n')
        .includes('writer'),
    );
  });

  void it('tokens: create with policies, use, lookup, capabilities, revoke', async () => {
    ok(
      await cli(
        ['policy', 'write', 'shared-reader', '-'],
        {},
        'path "secret/data/shared/*" {\n  capabilities = ["read"]\n}\n',
      ),
      'policy',
    );
    ok(await cli(['kv', 'put', 'secret/shared/one', 'v=1']), 'seed');
    const created = JSON.parse(
      ok(
        await cli([
          'token',
          'create',
          '-format=json',
          '-policy=shared-reader',
          '-ttl=1h',
          '-display-name=e2e',
          '-metadata=team=qa',
        ]),
        'token create',
      ).stdout,
    ) as { auth: { client_token: string; accessor: string; policies: string[]; lease_duration: number } };
    const token = created.auth.client_token;
    assert.ok(created.auth.policies.includes('shared-reader'));
    assert.equal(created.auth.lease_duration, 3600);
    const fieldToken = ok(
      await cli(['token', 'create', '-policy=shared-reader', '-field=token']),
      'token -field',
    ).stdout;
    assert.match(fieldToken, /^\S+$/);

    const lookup = JSON.parse(ok(await cli(['token', 'lookup', '-format=json', token]), 'lookup').stdout) as {
      data: { policies: string[]; display_name: string; meta: Record<string, string> };
    };
    assert.ok(lookup.data.policies.includes('shared-reader'));
    assert.equal(lookup.data.display_name, 'token-e2e');
    assert.deepEqual(lookup.data.meta, { team: 'qa' });
    const self = JSON.parse(
      ok(await cli(['token', 'lookup', '-format=json'], { VAULT_TOKEN: token }), 'lookup self').stdout,
    ) as { data: { accessor: string } };
    assert.equal(self.data.accessor, created.auth.accessor);
    ok(await cli(['token', 'lookup', '-accessor', created.auth.accessor]), 'lookup accessor');

    assert.equal(
      ok(await cli(['token', 'capabilities', token, 'secret/data/shared/one']), 'capabilities').stdout,
      'read\n',
    );
    assert.equal(
      ok(
        await cli(['token', 'capabilities', 'secret/data/shared/one'], { VAULT_TOKEN: token }),
        'capabilities self',
      ).stdout,
      'read\n',
    );

    assert.equal(
      ok(await cli(['kv', 'get', '-field=v', 'secret/shared/one'], { VAULT_TOKEN: token }), 'read as token')
        .stdout,
      '1',
    );
    const denied = await cli(['kv', 'put', 'secret/shared/one', 'v=2'], { VAULT_TOKEN: token });
    assert.equal(denied.code, 2);
    assert.match(denied.stderr, /Code: 403/);
    assert.match(denied.stderr, /permission denied/);
    assert.equal(denied.stderr.trimEnd().split('\n').length, 1, denied.stderr);

    ok(await cli(['token', 'renew', '-increment=30m', token]), 'renew');
    assert.equal(
      ok(await cli(['token', 'revoke', token]), 'revoke').stdout,
      'Success! Revoked token (if it existed)\n',
    );
    const after = await cli(['token', 'lookup', token]);
    assert.equal(after.code, 2);
    const useRevoked = await cli(['kv', 'get', 'secret/shared/one'], { VAULT_TOKEN: token });
    assert.equal(useRevoked.code, 2);
    assert.match(useRevoked.stderr, /Code: 403/);

    const t2 = ok(await cli(['token', 'create', '-policy=shared-reader', '-field=token']), 'token 2').stdout;
    ok(await cli(['token', 'revoke', '-self'], { VAULT_TOKEN: t2 }), 'revoke -self');
    assert.equal((await cli(['token', 'lookup', t2])).code, 2);
  });

  void it('login stores the token for later commands', async () => {
    const tokenFile = join(dir, 'login-token');
    const child = ok(await cli(['token', 'create', '-policy=default', '-field=token']), 'create').stdout;
    const login = await runCoffer(['login', child], env({ VAULT_TOKEN: '', COFFER_TOKEN_FILE: tokenFile }));
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /Success! You are now authenticated/);
    assert.equal(await readFile(tokenFile, 'utf8'), child);
    const self = await runCoffer(
      ['token', 'lookup', '-format=json'],
      env({ VAULT_TOKEN: '', COFFER_TOKEN_FILE: tokenFile }),
    );
    assert.equal(self.code, 0, self.stderr);
    assert.equal((JSON.parse(self.stdout) as { data: { id: string } }).data.id, child);
    const bad = await runCoffer(
      ['login', 'not-a-token'],
      env({ VAULT_TOKEN: '', COFFER_TOKEN_FILE: join(dir, 'bad-token') }),
    );
    assert.equal(bad.code, 2);
    await assert.rejects(readFile(join(dir, 'bad-token'), 'utf8'));
    const fromStdin = await runCoffer(
      ['login', '-no-print', '-'],
      env({ VAULT_TOKEN: '', COFFER_TOKEN_FILE: join(dir, 'stdin-token') }),
      `${child}\n`,
    );
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.equal(await readFile(join(dir, 'stdin-token'), 'utf8'), child);
  });

  void it('generic read/write/list/delete and the key ring', async () => {
    const write = ok(
      await cli(['write', '-format=json', 'secret/data/generic', '-'], {}, '{"data": {"k": "v"}}'),
      'write',
    );
    assert.equal((JSON.parse(write.stdout) as { data: { version: number } }).data.version, 1);
    const read = ok(await cli(['read', '-format=json', 'secret/data/generic']), 'read');
    assert.deepEqual((JSON.parse(read.stdout) as { data: { data: unknown } }).data.data, { k: 'v' });
    const list = ok(await cli(['list', 'secret/metadata']), 'list');
    assert.match(list.stdout, /^generic$/m);
    ok(await cli(['delete', 'secret/metadata/generic']), 'delete');
    assert.equal((await cli(['read', 'secret/data/generic'])).code, 2);

    const before = JSON.parse(
      ok(await cli(['operator', 'key-status', '-format=json']), 'key-status').stdout,
    ) as { term: number };
    const rotated = ok(await cli(['operator', 'rotate']), 'rotate');
    assert.match(rotated.stdout, new RegExp(`^Key Term\\s+${before.term + 1}$`, 'm'));
  });

  void it('exit codes: usage errors 1, server errors 2, unreachable server 2', async () => {
    assert.equal((await cli(['kv', 'get'])).code, 1);
    assert.equal((await cli(['kv', 'get', '-bogus', 'x'])).code, 1);
    assert.equal((await cli(['status', '-format=xml'])).code, 1);
    assert.equal((await cli(['nonsense'])).code, 1);
    const denied = await cli(['kv', 'get', 'secret/anything'], { VAULT_TOKEN: 'invalid-token' });
    assert.equal(denied.code, 2);
    assert.match(denied.stderr, /Code: 403/);
    const down = await cli(['kv', 'get', 'secret/x'], { VAULT_ADDR: 'http://127.0.0.1:1' });
    assert.equal(down.code, 2);
    assert.match(down.stderr, /ECONNREFUSED/);
    const downStatus = await cli(['status'], { VAULT_ADDR: 'http://127.0.0.1:1' });
    assert.equal(downStatus.code, 1);
    for (const r of [denied, down, downStatus]) assert.doesNotMatch(r.stderr, /^\s+at /m);
  });
});
