import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { runInProcess, type CliRun } from './helpers/run-cli-in-process.js';
import { envelope, ScriptedServer, type RecordedRequest } from './helpers/scripted-server.js';

/**
 * The CLI against a scripted server: what each command sends, prints, and exits with.
 */
void describe('coffer commands (scripted server)', () => {
  let server: ScriptedServer;
  let dir = '';
  let tokenFile = '';

  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    HOME: dir,
    COFFER_ADDR: server.address,
    COFFER_TOKEN_FILE: tokenFile,
    VAULT_MAX_RETRIES: '0',
    ...extra,
  });
  const run = (
    args: string[],
    opts: Parameters<typeof runInProcess>[2] & { env?: Record<string, string> } = {},
  ): Promise<CliRun> => runInProcess(args, env({ VAULT_TOKEN: 'root-tok', ...(opts.env ?? {}) }), opts);
  const only = (method: string, path: string): RecordedRequest => {
    const found = server.calls().filter((r) => r.method === method && r.path === path);
    assert.equal(
      found.length,
      1,
      `expected one ${method} ${path}, saw: ${server.requests.map((r) => `${r.method} ${r.path}`).join(', ')}`,
    );
    return found[0] as RecordedRequest;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coffer-cli-commands-'));
    tokenFile = join(dir, 'token');
  });
  beforeEach(async () => {
    await server?.stop();
    server = new ScriptedServer();
    await server.start();
    server.kvMount('secret/', 2).kvMount('kv1/', 1);
    await rm(tokenFile, { force: true });
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const unsealed = {
    type: 'shamir',
    initialized: true,
    sealed: false,
    t: 3,
    n: 5,
    progress: 0,
    nonce: '',
    version: '0.1.0',
    build_date: '2025-01-01T00:00:00Z',
    migration: false,
    cluster_name: 'c1',
    cluster_id: 'id1',
    recovery_seal: false,
    storage_type: 'file',
  };
  const sealed = {
    ...unsealed,
    sealed: true,
    progress: 1,
    nonce: 'n-1',
    cluster_name: undefined,
    cluster_id: undefined,
  };
  const leader = {
    ha_enabled: false,
    is_self: false,
    active_time: '0001-01-01T00:00:00Z',
    leader_address: '',
    leader_cluster_address: '',
    performance_standby: false,
  };

  void describe('status', () => {
    void it('prints the seal table and exits 0 when unsealed', async () => {
      server.on('GET', 'sys/seal-status', { body: unsealed }).on('GET', 'sys/leader', { body: leader });
      const r = await run(['status']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Key\s+Value\n---\s+-----\n/);
      assert.match(r.stdout, /^Seal Type\s+shamir$/m);
      assert.match(r.stdout, /^Sealed\s+false$/m);
      assert.match(r.stdout, /^Total Shares\s+5$/m);
      assert.match(r.stdout, /^Cluster Name\s+c1$/m);
      assert.match(r.stdout, /^HA Enabled\s+false$/m);
      assert.doesNotMatch(r.stdout, /Unseal Progress/);
    });

    void it('exits 2 when sealed and shows unseal progress; a sealed leader error is masked', async () => {
      server
        .on('GET', 'sys/seal-status', { body: sealed })
        .on('GET', 'sys/leader', { status: 503, body: { errors: ['Vault is sealed'] } });
      const r = await run(['status']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stdout, /^Unseal Progress\s+1\/3$/m);
      assert.match(r.stdout, /^Unseal Nonce\s+n-1$/m);
      assert.match(r.stdout, /^HA Enabled\s+true$/m);
      assert.equal(r.stderr, '');
    });

    void it('exits 1 when the server cannot be reached', async () => {
      const r = await runInProcess(['status'], env({ COFFER_ADDR: 'http://127.0.0.1:1' }));
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^Error checking seal status: .*ECONNREFUSED.*\n$/);
    });

    void it('prints JSON with the seal and HA fields, and -field', async () => {
      server
        .on('GET', 'sys/seal-status', { body: unsealed })
        .on('GET', 'sys/leader', { body: { ...leader, ha_enabled: true, is_self: true } });
      const r = await run(['status', '-format=json']);
      const json = JSON.parse(r.stdout) as Record<string, unknown>;
      assert.equal(json.sealed, false);
      assert.equal(json.ha_enabled, true);
      assert.equal(json.is_self, true);
      const f = await run(['status', '-field=sealed']);
      assert.equal(f.stdout, 'false');
    });
  });

  void describe('operator', () => {
    const initAnswer = { keys: ['aa', 'bb'], keys_base64: ['qg==', 'uw=='], root_token: 'hvs.root' };

    void it('init sends 5/3 by default and prints the keys and root token', async () => {
      server
        .on('GET', 'sys/seal-status', { body: { ...sealed, initialized: false } })
        .on('PUT', 'sys/init', { body: initAnswer });
      const r = await run(['operator', 'init']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(only('PUT', 'sys/init').body, { secret_shares: 5, secret_threshold: 3 });
      assert.match(r.stdout, /^Unseal Key 1: qg==$/m);
      assert.match(r.stdout, /^Unseal Key 2: uw==$/m);
      assert.match(r.stdout, /^Initial Root Token: hvs\.root$/m);
    });

    void it('init honours -key-shares/-key-threshold (and -n/-t) and prints JSON', async () => {
      server
        .on('GET', 'sys/seal-status', { body: { ...sealed, initialized: false } })
        .on('PUT', 'sys/init', { body: initAnswer });
      const r = await run(['operator', 'init', '-key-shares', '2', '-t=1', '-format=json']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(only('PUT', 'sys/init').body, { secret_shares: 2, secret_threshold: 1 });
      const json = JSON.parse(r.stdout) as Record<string, unknown>;
      assert.deepEqual(json.unseal_keys_b64, ['qg==', 'uw==']);
      assert.deepEqual(json.unseal_keys_hex, ['aa', 'bb']);
      assert.equal(json.root_token, 'hvs.root');
    });

    void it('init -status exits 0 when initialized and 2 when not', async () => {
      server.on('GET', 'sys/init', { body: { initialized: true } });
      const yes = await run(['operator', 'init', '-status']);
      assert.equal(yes.code, 0);
      assert.match(yes.stdout, /is initialized/);
      server.on('GET', 'sys/init', { body: { initialized: false } });
      const no = await run(['operator', 'init', '-status']);
      assert.equal(no.code, 2);
      assert.match(no.stdout, /is not initialized/);
    });

    void it('init reports a server refusal with exit 2', async () => {
      server
        .on('GET', 'sys/seal-status', { body: unsealed })
        .on('PUT', 'sys/init', { status: 400, body: { errors: ['Vault is already initialized'] } });
      const r = await run(['operator', 'init']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^Error initializing: .*Code: 400\. Errors: \* Vault is already initialized/);
    });

    void it('unseal takes the key as argument, from stdin ("-"), or from a hidden prompt', async () => {
      server
        .on('PUT', 'sys/unseal', { body: sealed })
        .on('GET', 'sys/leader', { status: 503, body: { errors: ['Vault is sealed'] } });
      const a = await run(['operator', 'unseal', 'key-one']);
      assert.equal(a.code, 0, a.stderr);
      assert.match(a.stdout, /^Unseal Progress\s+1\/3$/m);
      const b = await run(['operator', 'unseal', '-'], { stdin: 'key-two\n' });
      assert.equal(b.code, 0, b.stderr);
      const c = await run(['operator', 'unseal'], { promptAnswers: ['key-three'], stdinIsTTY: true });
      assert.equal(c.code, 0, c.stderr);
      assert.deepEqual(c.io.prompts, ['Unseal Key (will be hidden): ']);
      const bodies = server
        .calls()
        .filter((q) => q.path === 'sys/unseal')
        .map((q) => q.body);
      assert.deepEqual(bodies, [{ key: 'key-one' }, { key: 'key-two' }, { key: 'key-three' }]);
    });

    void it('unseal -reset sends reset, and -non-interactive refuses to prompt', async () => {
      server
        .on('PUT', 'sys/unseal', { body: { ...sealed, progress: 0 } })
        .on('GET', 'sys/leader', { status: 503, body: { errors: ['Vault is sealed'] } });
      const r = await run(['operator', 'unseal', '-reset']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(only('PUT', 'sys/unseal').body, { reset: true });
      const n = await run(['operator', 'unseal', '-non-interactive']);
      assert.equal(n.code, 1);
    });

    void it('unseal with a wrong key exits 2', async () => {
      server.on('PUT', 'sys/unseal', { status: 400, body: { errors: ['invalid key'] } });
      const r = await run(['operator', 'unseal', 'bad']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^Error unsealing: .*invalid key/);
    });

    void it('seal, rotate and key-status', async () => {
      server.on('PUT', 'sys/seal', {}).on('PUT', 'sys/rotate', {});
      server.on('GET', 'sys/key-status', {
        body: envelope({ term: 2, install_time: '2025-03-04T05:06:07.123Z', encryptions: 9 }),
      });
      const s = await run(['operator', 'seal']);
      assert.equal(s.code, 0);
      assert.match(s.stdout, /sealed/);
      const rot = await run(['operator', 'rotate']);
      assert.equal(rot.code, 0, rot.stderr);
      assert.match(rot.stdout, /^Key Term\s+2$/m);
      assert.match(rot.stdout, /^Install Time\s+04 Mar 25 05:06 UTC$/m);
      assert.match(rot.stdout, /^Encryption Count\s+9$/m);
      const ks = await run(['operator', 'key-status', '-format=json']);
      assert.deepEqual(JSON.parse(ks.stdout), {
        term: 2,
        install_time: '2025-03-04T05:06:07.123Z',
        encryptions: 9,
      });
    });
  });

  void describe('kv on a v2 mount', () => {
    const written = envelope({
      created_time: '2025-01-01T00:00:00Z',
      custom_metadata: null,
      deletion_time: '',
      destroyed: false,
      version: 1,
    });

    void it('put sends {data, options} to <mount>/data/<key> after the preflight and prints the metadata', async () => {
      server.on('PUT', 'secret/data/app/db', { body: written });
      const r = await run(['kv', 'put', 'secret/app/db', 'user=admin', 'pass=s3cr3t']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(server.requests[0]?.path, 'sys/internal/ui/mounts/secret/app/db');
      assert.deepEqual(only('PUT', 'secret/data/app/db').body, {
        data: { user: 'admin', pass: 's3cr3t' },
        options: {},
      });
      assert.equal(
        r.stdout,
        [
          '=== Secret Path ===',
          'secret/data/app/db',
          '',
          '======= Metadata =======',
          'Key                Value',
          '---                -----',
          'created_time       2025-01-01T00:00:00Z',
          'custom_metadata    <nil>',
          'deletion_time      n/a',
          'destroyed          false',
          'version            1',
          '',
        ].join('\n'),
      );
    });

    void it('put -cas and -mount', async () => {
      server.on('PUT', 'secret/data/foo', { body: written });
      const r = await run(['kv', 'put', '-cas=0', '-mount=secret', 'foo', 'a=1']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(only('PUT', 'secret/data/foo').body, { data: { a: '1' }, options: { cas: 0 } });
    });

    void it('put reads a JSON object from stdin with "-"', async () => {
      server.on('PUT', 'secret/data/j', { body: written });
      const r = await run(['kv', 'put', 'secret/j', '-'], { stdin: '{"nested": {"x": 1}}' });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(only('PUT', 'secret/data/j').body, { data: { nested: { x: 1 } }, options: {} });
    });

    void it('put without data is a usage error', async () => {
      const r = await run(['kv', 'put', 'secret/x']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Must supply data/);
      assert.equal(server.requests.length, 0);
    });

    void it('put reports a CAS mismatch with exit 2 and one line', async () => {
      server.on('PUT', 'secret/data/c', {
        status: 400,
        body: { errors: ['check-and-set parameter did not match the current version'] },
      });
      const r = await run(['kv', 'put', '-cas=1', 'secret/c', 'a=b']);
      assert.equal(r.code, 2);
      assert.equal(r.stderr.split('\n').length, 2);
      assert.match(
        r.stderr,
        /^Error writing data to secret\/data\/c: .*check-and-set parameter did not match/,
      );
    });

    const readAnswer = envelope({
      data: { password: 'hunter2', user: 'bob' },
      metadata: {
        created_time: '2025-01-01T00:00:00Z',
        custom_metadata: null,
        deletion_time: '',
        destroyed: false,
        version: 2,
      },
    });

    void it('get prints path, metadata and data sections', async () => {
      server.on('GET', 'secret/data/creds', { body: readAnswer });
      const r = await run(['kv', 'get', 'secret/creds']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout,
        [
          '== Secret Path ==',
          'secret/data/creds',
          '',
          '======= Metadata =======',
          'Key                Value',
          '---                -----',
          'created_time       2025-01-01T00:00:00Z',
          'custom_metadata    <nil>',
          'deletion_time      n/a',
          'destroyed          false',
          'version            2',
          '',
          '====== Data ======',
          'Key         Value',
          '---         -----',
          'password    hunter2',
          'user        bob',
          '',
        ].join('\n'),
      );
    });

    void it('get -field prints one data value raw; -version asks for a version', async () => {
      server.on('GET', 'secret/data/creds', { body: readAnswer });
      const r = await run(['kv', 'get', '-field=password', '-version=2', 'secret/creds']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'hunter2');
      assert.equal(only('GET', 'secret/data/creds').query.get('version'), '2');
      const missing = await run(['kv', 'get', '-field=nope', 'secret/creds']);
      assert.equal(missing.code, 1);
    });

    void it('get -format=json prints the envelope; -format=yaml too', async () => {
      server.on('GET', 'secret/data/creds', { body: readAnswer });
      const j = await run(['kv', 'get', '-format=json', 'secret/creds']);
      assert.equal((JSON.parse(j.stdout) as { data: { data: { user: string } } }).data.data.user, 'bob');
      const y = await run(['kv', 'get', 'secret/creds', '-format=yaml']);
      assert.match(y.stdout, /^data:\n {2}data:\n {4}password: hunter2\n/m);
      assert.equal(y.stderr, '');
    });

    void it('get of a missing key exits 2', async () => {
      const r = await run(['kv', 'get', 'secret/missing']);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, 'No value found at secret/data/missing\n');
    });

    void it('get of a deleted version shows its metadata but no data', async () => {
      server.on('GET', 'secret/data/gone', {
        status: 404,
        body: envelope({
          data: null,
          metadata: {
            created_time: 't',
            custom_metadata: null,
            deletion_time: 't2',
            destroyed: false,
            version: 1,
          },
        }),
      });
      const r = await run(['kv', 'get', 'secret/gone']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^deletion_time\s+t2$/m);
      assert.doesNotMatch(r.stdout, /Data/);
    });

    void it('list uses the metadata path; nothing there exits 2', async () => {
      server.on('GET', 'secret/metadata/app/', { body: envelope({ keys: ['db', 'web/'] }) });
      const r = await run(['kv', 'list', 'secret/app']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'Keys\n----\ndb\nweb/\n');
      const j = await run(['kv', 'list', '-format=json', 'secret/app']);
      assert.deepEqual(JSON.parse(j.stdout), ['db', 'web/']);
      const none = await run(['kv', 'list', 'secret/none']);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /No value found at secret\/metadata\/none/);
    });

    void it('delete soft-deletes the latest version, or -versions through <mount>/delete', async () => {
      server.on('DELETE', 'secret/data/x', {}).on('PUT', 'secret/delete/x', {});
      const a = await run(['kv', 'delete', 'secret/x']);
      assert.equal(a.code, 0, a.stderr);
      assert.match(a.stdout, /Success! Data deleted \(if it existed\) at: secret\/data\/x/);
      const b = await run(['kv', 'delete', '-versions=1,2', '-versions', '4', 'secret/x']);
      assert.equal(b.code, 0, b.stderr);
      assert.deepEqual(only('PUT', 'secret/delete/x').body, { versions: [1, 2, 4] });
    });

    void it('undelete and destroy need -versions', async () => {
      server.on('PUT', 'secret/undelete/x', {}).on('PUT', 'secret/destroy/x', {});
      const none = await run(['kv', 'undelete', 'secret/x']);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /No versions provided/);
      const u = await run(['kv', 'undelete', '-versions=2', 'secret/x']);
      assert.equal(u.code, 0, u.stderr);
      assert.deepEqual(only('PUT', 'secret/undelete/x').body, { versions: [2] });
      const d = await run(['kv', 'destroy', '-versions=1', 'secret/x']);
      assert.equal(d.code, 0, d.stderr);
      assert.deepEqual(only('PUT', 'secret/destroy/x').body, { versions: [1] });
    });

    void it('patch sends a JSON merge patch', async () => {
      server.on('PATCH', 'secret/data/p', { body: written });
      const r = await run(['kv', 'patch', '-remove-data=old', 'secret/p', 'a=2']);
      assert.equal(r.code, 0, r.stderr);
      const req = only('PATCH', 'secret/data/p');
      assert.equal(req.headers['content-type'], 'application/merge-patch+json');
      assert.deepEqual(req.body, { data: { a: '2', old: null }, options: {} });
    });

    void it('patch falls back to read-then-write with cas when PATCH is refused with 405', async () => {
      server.on('PATCH', 'secret/data/p', { status: 405, body: { errors: ['unsupported operation'] } });
      server.on('GET', 'secret/data/p', {
        body: envelope({ data: { a: '1', b: '1' }, metadata: { version: 4 } }),
      });
      server.on('PUT', 'secret/data/p', { body: written });
      const r = await run(['kv', 'patch', 'secret/p', 'b=2']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(only('PUT', 'secret/data/p').body, { data: { a: '1', b: '2' }, options: { cas: 4 } });
    });

    void it('metadata get, put and delete use <mount>/metadata', async () => {
      server.on('GET', 'secret/metadata/m', {
        body: envelope({
          cas_required: false,
          created_time: 't0',
          current_version: 2,
          custom_metadata: { owner: 'ops' },
          delete_version_after: '0s',
          max_versions: 0,
          oldest_version: 1,
          updated_time: 't1',
          versions: {
            '1': { created_time: 't0', deletion_time: '', destroyed: false },
            '2': { created_time: 't1', deletion_time: '', destroyed: false },
          },
        }),
      });
      server.on('PUT', 'secret/metadata/m', {}).on('DELETE', 'secret/metadata/m', {});
      const g = await run(['kv', 'metadata', 'get', 'secret/m']);
      assert.equal(g.code, 0, g.stderr);
      assert.match(g.stdout, /^= Metadata Path =$|^=+ Metadata Path =+$/m);
      assert.match(g.stdout, /^custom_metadata\s+map\[owner:ops\]$/m);
      assert.match(g.stdout, /^=+ Version 1 =+$/m);
      assert.match(g.stdout, /^=+ Version 2 =+$/m);
      assert.doesNotMatch(g.stdout, /^versions/m);
      const p = await run([
        'kv',
        'metadata',
        'put',
        '-max-versions=5',
        '-cas-required',
        '-delete-version-after=1h',
        '-custom-metadata=a=b',
        'secret/m',
      ]);
      assert.equal(p.code, 0, p.stderr);
      assert.deepEqual(only('PUT', 'secret/metadata/m').body, {
        max_versions: 5,
        cas_required: true,
        delete_version_after: '1h0m0s',
        custom_metadata: { a: 'b' },
      });
      const d = await run(['kv', 'metadata', 'delete', 'secret/m']);
      assert.equal(d.code, 0, d.stderr);
      only('DELETE', 'secret/metadata/m');
    });
  });

  void describe('kv on a v1 mount', () => {
    void it('put, get, list and delete use the path as is', async () => {
      server.on('PUT', 'kv1/app', {});
      server.on('GET', 'kv1/app', { body: envelope({ a: '1' }, { lease_duration: 2764800 }) });
      server.on('GET', 'kv1/', { body: envelope({ keys: ['app'] }) });
      server.on('DELETE', 'kv1/app', {});
      const p = await run(['kv', 'put', 'kv1/app', 'a=1']);
      assert.equal(p.code, 0, p.stderr);
      assert.equal(p.stdout, 'Success! Data written to: kv1/app\n');
      assert.deepEqual(only('PUT', 'kv1/app').body, { a: '1' });
      const g = await run(['kv', 'get', 'kv1/app']);
      // Like Vault, the v1 data section is the map alone (no lease row).
      assert.equal(g.stdout, ['== Data ==', 'Key    Value', '---    -----', 'a      1', ''].join('\n'));
      const l = await run(['kv', 'list', 'kv1']);
      assert.equal(l.stdout, 'Keys\n----\napp\n');
      const d = await run(['kv', 'delete', 'kv1/app']);
      assert.equal(d.stdout, 'Success! Data deleted (if it existed) at: kv1/app\n');
      const u = await run(['kv', 'undelete', '-versions=1', 'kv1/app']);
      assert.equal(u.code, 1);
      assert.match(u.stderr, /not supported on KV Version 1/);
    });

    void it('treats a 404 preflight as KV v1 (old servers)', async () => {
      server.on('GET', 'sys/internal/ui/mounts/legacy/x', { status: 404, body: { errors: [] } });
      server.on('PUT', 'legacy/x', {});
      const r = await run(['kv', 'put', 'legacy/x', 'a=1']);
      assert.equal(r.code, 0, r.stderr);
      only('PUT', 'legacy/x');
    });
  });

  void describe('policy', () => {
    void it('write from a file or stdin, read, list, delete', async () => {
      const file = join(dir, 'p.hcl');
      await writeFile(file, 'path "secret/*" { capabilities = ["read"] }\n');
      server.on('PUT', 'sys/policies/acl/ops', {});
      const w = await run(['policy', 'write', 'OPS', file]);
      assert.equal(w.code, 0, w.stderr);
      assert.equal(w.stdout, 'Success! Uploaded policy: ops\n');
      assert.match(w.stderr, /converted from "OPS" to "ops"/);
      assert.deepEqual(only('PUT', 'sys/policies/acl/ops').body, {
        policy: 'path "secret/*" { capabilities = ["read"] }\n',
      });
      server.on('PUT', 'sys/policies/acl/dev', {});
      const s = await run(['policy', 'write', 'dev', '-'], { stdin: 'path "x" {}' });
      assert.equal(s.code, 0, s.stderr);
      assert.deepEqual(only('PUT', 'sys/policies/acl/dev').body, { policy: 'path "x" {}' });
      server.on('GET', 'sys/policies/acl/ops', { body: envelope({ name: 'ops', policy: 'path "a" {}\n' }) });
      const r = await run(['policy', 'read', 'ops']);
      assert.equal(r.stdout, 'path "a" {}\n');
      const rj = await run(['policy', 'read', '-format=json', 'ops']);
      assert.deepEqual(JSON.parse(rj.stdout), { policy: 'path "a" {}\n' });
      const missing = await run(['policy', 'read', 'nope']);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /No policy named: nope/);
      server.on('GET', 'sys/policies/acl/', { body: envelope({ keys: ['default', 'ops', 'root'] }) });
      const l = await run(['policy', 'list']);
      assert.equal(l.stdout, 'default\nops\nroot\n');
      server.on('DELETE', 'sys/policies/acl/ops', {});
      const d = await run(['policy', 'delete', 'ops']);
      assert.equal(d.stdout, 'Success! Deleted policy: ops\n');
    });

    void it('write with a missing file is a local error', async () => {
      const r = await run(['policy', 'write', 'x', join(dir, 'nope.hcl')]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Error opening policy file/);
    });
  });

  void describe('token', () => {
    const created = envelope(null, {
      auth: {
        client_token: 'hvs.child',
        accessor: 'acc-1',
        policies: ['a', 'b', 'c', 'default'],
        token_policies: ['a', 'b', 'c', 'default'],
        metadata: { k: 'v' },
        lease_duration: 3600,
        renewable: false,
        entity_id: '',
        token_type: 'service',
        orphan: true,
      },
    });

    void it("create maps Vault's flags onto the request body", async () => {
      server
        .on('POST', 'auth/token/create', { body: created })
        .on('PUT', 'auth/token/create', { body: created });
      const r = await run([
        'token',
        'create',
        '-policy=a',
        '-policy',
        'b,c',
        '-ttl=1h',
        '-explicit-max-ttl=2h',
        '-metadata=k=v',
        '-orphan',
        '-use-limit=3',
        '-renewable=false',
        '-display-name=ci',
        '-no-default-policy',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(only('PUT', 'auth/token/create').body, {
        policies: ['a', 'b', 'c'],
        meta: { k: 'v' },
        ttl: '1h0m0s',
        explicit_max_ttl: '2h0m0s',
        no_parent: true,
        no_default_policy: true,
        display_name: 'ci',
        num_uses: 3,
        renewable: false,
        type: 'service',
      });
      assert.match(r.stdout, /^token\s+hvs\.child$/m);
      assert.match(r.stdout, /^token_duration\s+1h$/m);
      assert.match(r.stdout, /^token_meta_k\s+v$/m);
    });

    void it('create -field=token prints only the token; -role uses create/<role>', async () => {
      server.on('PUT', 'auth/token/create/ci', { body: created });
      const r = await run(['token', 'create', '-role=ci', '-num-uses=1', '-field=token']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'hvs.child');
      assert.equal((only('PUT', 'auth/token/create/ci').body as { num_uses: number }).num_uses, 1);
    });

    void it('lookup uses lookup-self, lookup or lookup-accessor', async () => {
      const data = envelope({
        id: 'hvs.x',
        accessor: 'acc',
        policies: ['default'],
        ttl: 60,
        creation_ttl: 3600,
        meta: null,
        expire_time: null,
      });
      server
        .on('GET', 'auth/token/lookup-self', { body: data })
        .on('PUT', 'auth/token/lookup', { body: data })
        .on('PUT', 'auth/token/lookup-accessor', { body: data });
      const self = await run(['token', 'lookup']);
      assert.equal(self.code, 0, self.stderr);
      assert.match(self.stdout, /^creation_ttl\s+1h$/m);
      assert.match(self.stdout, /^ttl\s+1m$/m);
      assert.match(self.stdout, /^expire_time\s+<nil>$/m);
      await run(['token', 'lookup', 'hvs.other']);
      assert.deepEqual(only('PUT', 'auth/token/lookup').body, { token: 'hvs.other' });
      await run(['token', 'lookup', '-accessor', 'acc']);
      assert.deepEqual(only('PUT', 'auth/token/lookup-accessor').body, { accessor: 'acc' });
      const bad = await run(['token', 'lookup', '-accessor']);
      assert.equal(bad.code, 1);
    });

    void it('renew, revoke (tree, self, orphan, accessor) and capabilities', async () => {
      server
        .on('PUT', 'auth/token/renew-self', { body: created })
        .on('PUT', 'auth/token/renew', { body: created });
      server
        .on('PUT', 'auth/token/revoke', {})
        .on('PUT', 'auth/token/revoke-self', {})
        .on('PUT', 'auth/token/revoke-orphan', {})
        .on('PUT', 'auth/token/revoke-accessor', {});
      server.on('POST', 'sys/capabilities-self', {
        body: envelope({ 'secret/x': ['update', 'read'], capabilities: ['update', 'read'] }),
      });
      server.on('POST', 'sys/capabilities', {
        body: envelope({ 'secret/x': ['deny'], capabilities: ['deny'] }),
      });
      assert.equal((await run(['token', 'renew', '-increment=30m'])).code, 0);
      assert.deepEqual(only('PUT', 'auth/token/renew-self').body, { increment: 1800 });
      assert.equal((await run(['token', 'renew', '-i', '60', 'hvs.t'])).code, 0);
      assert.deepEqual(only('PUT', 'auth/token/renew').body, { token: 'hvs.t', increment: 60 });
      const rv = await run(['token', 'revoke', 'hvs.t']);
      assert.equal(rv.stdout, 'Success! Revoked token (if it existed)\n');
      assert.deepEqual(only('PUT', 'auth/token/revoke').body, { token: 'hvs.t' });
      await run(['token', 'revoke', '-self']);
      only('PUT', 'auth/token/revoke-self');
      await run(['token', 'revoke', '-mode=orphan', 'hvs.o']);
      assert.deepEqual(only('PUT', 'auth/token/revoke-orphan').body, { token: 'hvs.o' });
      await run(['token', 'revoke', '-accessor', 'acc']);
      assert.deepEqual(only('PUT', 'auth/token/revoke-accessor').body, { accessor: 'acc' });
      assert.equal((await run(['token', 'revoke'])).code, 1);
      assert.equal((await run(['token', 'revoke', '-self', '-accessor'])).code, 1);
      assert.equal((await run(['token', 'revoke', '-mode=bogus', 'x'])).code, 1);
      const caps = await run(['token', 'capabilities', 'secret/x']);
      assert.equal(caps.stdout, 'read, update\n');
      const other = await run(['token', 'capabilities', '-format=json', 'hvs.o', 'secret/x']);
      assert.deepEqual(JSON.parse(other.stdout), ['deny']);
      assert.deepEqual(only('POST', 'sys/capabilities').body, { token: 'hvs.o', paths: ['secret/x'] });
    });
  });

  void describe('login and the token helper', () => {
    const self = envelope({
      id: 'hvs.login',
      accessor: 'acc-l',
      policies: ['default', 'dev'],
      ttl: 2764800,
      renewable: true,
      meta: { who: 'me' },
    });

    void it('checks the token with lookup-self, stores it, and later commands use it', async () => {
      server.on('GET', 'auth/token/lookup-self', (req) =>
        req.headers['x-vault-token'] === 'hvs.login'
          ? { body: self }
          : { status: 403, body: { errors: ['permission denied'] } },
      );
      const r = await runInProcess(['login', 'hvs.login'], env());
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Success! You are now authenticated/);
      assert.match(r.stdout, /^token\s+hvs\.login$/m);
      assert.match(r.stdout, /^token_duration\s+768h$/m);
      assert.match(r.stdout, /^token_policies\s+\["default" "dev"\]$/m);
      assert.equal(await readFile(tokenFile, 'utf8'), 'hvs.login');
      server.on('GET', 'secret/data/z', { body: envelope({ data: {}, metadata: {} }) });
      await runInProcess(['kv', 'get', 'secret/z'], env());
      assert.equal(only('GET', 'secret/data/z').headers['x-vault-token'], 'hvs.login');
    });

    void it('reads the token from stdin with "-" or a hidden prompt; a bad token exits 2 and stores nothing', async () => {
      server.on('GET', 'auth/token/lookup-self', (req) =>
        req.headers['x-vault-token'] === 'hvs.login'
          ? { body: self }
          : { status: 403, body: { errors: ['permission denied'] } },
      );
      const a = await runInProcess(['login', '-'], env(), { stdin: 'hvs.login\n' });
      assert.equal(a.code, 0, a.stderr);
      await rm(tokenFile);
      const b = await runInProcess(['login', '-no-print'], env(), {
        promptAnswers: ['hvs.login'],
        stdinIsTTY: true,
      });
      assert.equal(b.code, 0, b.stderr);
      assert.deepEqual(b.io.prompts, ['Token (will be hidden): ']);
      assert.equal(b.stdout, '');
      await rm(tokenFile);
      const bad = await runInProcess(['login', 'hvs.wrong'], env());
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /permission denied/);
      assert.doesNotMatch(bad.stderr, /hvs\.wrong/);
      await assert.rejects(readFile(tokenFile, 'utf8'));
    });

    void it('-token-only prints the token without storing it; the environment token wins and is warned about', async () => {
      server.on('GET', 'auth/token/lookup-self', { body: self });
      const t = await runInProcess(['login', '-token-only', 'hvs.login'], env());
      assert.equal(t.stdout, 'hvs.login');
      await assert.rejects(readFile(tokenFile, 'utf8'));
      const w = await runInProcess(['login', 'hvs.login'], env({ VAULT_TOKEN: 'from-env' }));
      assert.equal(w.code, 0);
      assert.match(w.stderr, /takes precedence/);
    });

    void it('userpass login posts the password and stores the client token', async () => {
      server.on('PUT', 'auth/userpass/login/alice', {
        body: envelope(null, {
          auth: {
            client_token: 'hvs.up',
            accessor: 'a',
            policies: ['default'],
            token_policies: ['default'],
            metadata: { username: 'alice' },
            lease_duration: 60,
            renewable: true,
          },
        }),
      });
      const r = await runInProcess(['login', '-method=userpass', 'username=alice', 'password=pw'], env());
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(only('PUT', 'auth/userpass/login/alice').body, { password: 'pw' });
      assert.equal(await readFile(tokenFile, 'utf8'), 'hvs.up');
    });
  });

  void describe('secrets', () => {
    void it('enable, list, tune and disable', async () => {
      server
        .on('POST', 'sys/mounts/kv2/', {})
        .on('DELETE', 'sys/mounts/kv2/', {})
        .on('POST', 'sys/mounts/kv2/tune', {});
      const e = await run(['secrets', 'enable', '-path=kv2', '-version=2', '-description=team kv', 'kv']);
      assert.equal(e.code, 0, e.stderr);
      assert.equal(e.stdout, 'Success! Enabled the kv secrets engine at: kv2/\n');
      assert.deepEqual(only('POST', 'sys/mounts/kv2/').body, {
        type: 'kv',
        description: 'team kv',
        config: {},
        options: { version: '2' },
      });
      const mounts = {
        'secret/': {
          type: 'kv',
          description: 'key/value secret storage',
          accessor: 'kv_1',
          config: { default_lease_ttl: 0, max_lease_ttl: 0 },
          options: { version: '2' },
          local: false,
          seal_wrap: false,
        },
        'cubbyhole/': {
          type: 'cubbyhole',
          description: 'per-token private secret storage',
          accessor: 'cubbyhole_1',
          config: { default_lease_ttl: 0, max_lease_ttl: 0 },
          options: null,
          local: true,
          seal_wrap: false,
        },
      };
      server.on('GET', 'sys/mounts', { body: { ...mounts, ...envelope(mounts) } });
      const l = await run(['secrets', 'list']);
      assert.equal(
        l.stdout,
        [
          'Path          Type         Accessor       Description',
          '----          ----         --------       -----------',
          'cubbyhole/    cubbyhole    cubbyhole_1    per-token private secret storage',
          'secret/       kv           kv_1           key/value secret storage',
          '',
        ].join('\n'),
      );
      const d = await run(['secrets', 'list', '-detailed']);
      assert.match(
        d.stdout,
        /^secret\/\s+kv\s+kv_1\s+system\s+system\s+false\s+replicated\s+false\s+false\s+map\[version:2\]/m,
      );
      const j = await run(['secrets', 'list', '-format=json']);
      assert.deepEqual(Object.keys(JSON.parse(j.stdout) as object), ['cubbyhole/', 'secret/']);
      const t = await run(['secrets', 'tune', '-default-lease-ttl=1h', '-max-lease-ttl=24h', 'kv2']);
      assert.equal(t.code, 0, t.stderr);
      assert.deepEqual(only('POST', 'sys/mounts/kv2/tune').body, {
        default_lease_ttl: '1h0m0s',
        max_lease_ttl: '24h0m0s',
      });
      const x = await run(['secrets', 'disable', 'kv2/']);
      assert.equal(x.stdout, 'Success! Disabled the secrets engine (if it existed) at: kv2/\n');
    });
  });

  void describe('generic path commands', () => {
    void it('write, read (query from K=V), list, patch and delete', async () => {
      server.on('PUT', 'sys/tools/hash', { body: envelope({ sum: 'abc' }) });
      const w = await run(['write', '-field=sum', 'sys/tools/hash', 'input=aGk=']);
      assert.equal(w.code, 0, w.stderr);
      assert.equal(w.stdout, 'abc');
      server.on('PUT', 'cubbyhole/x', {});
      assert.equal((await run(['write', 'cubbyhole/x'])).code, 1);
      const f = await run(['write', '-f', 'cubbyhole/x']);
      assert.equal(f.stdout, 'Success! Data written to: cubbyhole/x\n');
      server.on('GET', 'sys/mounts/secret/tune', {
        body: envelope({ default_lease_ttl: 2764800, description: 'd' }),
      });
      const r = await run(['read', 'sys/mounts/secret/tune', 'a=1', 'a=2']);
      assert.match(r.stdout, /^default_lease_ttl\s+768h$/m);
      assert.deepEqual(only('GET', 'sys/mounts/secret/tune').query.getAll('a'), ['1', '2']);
      server.on('GET', 'cubbyhole/', { body: envelope({ keys: ['x'] }) });
      assert.equal((await run(['list', 'cubbyhole'])).stdout, 'Keys\n----\nx\n');
      const emptyJson = await run(['list', '-format=json', 'nothing']);
      assert.equal(emptyJson.code, 2);
      assert.equal(emptyJson.stdout, '{}\n');
      server.on('PATCH', 'cubbyhole/x', {});
      assert.equal((await run(['patch', 'cubbyhole/x', 'a=1'])).code, 0);
      server.on('DELETE', 'cubbyhole/x', {});
      assert.equal(
        (await run(['delete', 'cubbyhole/x'])).stdout,
        'Success! Data deleted (if it existed) at: cubbyhole/x\n',
      );
      const nf = await run(['read', 'cubbyhole/none']);
      assert.equal(nf.code, 2);
      assert.equal(nf.stderr, 'No value found at cubbyhole/none\n');
    });
  });

  void describe('errors and argument handling', () => {
    void it('permission denied: exit 2, one line on stderr, no stack', async () => {
      server.on('PUT', 'secret/data/locked', {
        status: 403,
        body: { errors: ['1 error occurred:\n\t* permission denied\n\n'] },
      });
      const r = await run(['kv', 'put', 'secret/locked', 'a=b']);
      assert.equal(r.code, 2);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1);
      assert.match(
        r.stderr,
        /^Error writing data to secret\/data\/locked: .*Code: 403\. Errors: .*permission denied/,
      );
      assert.doesNotMatch(r.stderr, /\bat .*\.ts:\d+/);
    });

    void it('usage errors exit 1 without contacting the server', async () => {
      for (const args of [
        ['kv', 'get'],
        ['kv', 'get', 'a', 'b'],
        ['kv', 'get', '-nope', 'a'],
        ['token', 'create', '-ttl=soon'],
        ['status', '-format=xml'],
        ['bogus'],
        ['kv'],
      ]) {
        const r = await run(args);
        assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
        assert.notEqual(r.stderr, '');
      }
      assert.equal(server.requests.length, 0);
    });

    void it('help exits 0 on stdout', async () => {
      const r = await run(['kv', 'put', '-h']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /Usage: coffer kv put/);
      assert.match(r.stdout, /-cas <int>/);
      const top = await run(['-help']);
      assert.equal(top.code, 0);
      assert.match(top.stdout, /kv/);
    });

    void it('flags after the first argument are not parsed (like Vault) and are warned about; -format works anywhere', async () => {
      server.on('PUT', 'kv1/t', {});
      const r = await run(['kv', 'put', 'kv1/t', 'a=1', '-cas=5']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /flags must come before positional arguments.*-cas=5/);
      // Vault sends the trailing word as data too.
      assert.deepEqual(only('PUT', 'kv1/t').body, { a: '1', '-cas': '5' });
      server.on('GET', 'sys/policies/acl/', { body: envelope({ keys: ['default'] }) });
      const j = await run(['policy', 'list', '-format=json']);
      assert.deepEqual(JSON.parse(j.stdout), ['default']);
      assert.equal(j.stderr, '');
    });

    void it('VAULT_FORMAT selects the format; -format overrides it', async () => {
      server.on('GET', 'sys/policies/acl/', { body: envelope({ keys: ['default'] }) });
      const y = await runInProcess(['policy', 'list'], env({ VAULT_FORMAT: 'yaml', VAULT_TOKEN: 't' }));
      assert.equal(y.stdout, '- default\n');
      const j = await runInProcess(
        ['policy', 'list', '-format=json'],
        env({ VAULT_FORMAT: 'yaml', VAULT_TOKEN: 't' }),
      );
      assert.deepEqual(JSON.parse(j.stdout), ['default']);
    });

    void it('-address overrides the environment', async () => {
      server.on('GET', 'sys/seal-status', { body: unsealed }).on('GET', 'sys/leader', { body: leader });
      const r = await runInProcess(
        ['status', `-address=${server.address}`],
        env({ COFFER_ADDR: 'http://127.0.0.1:1' }),
      );
      assert.equal(r.code, 0, r.stderr);
    });

    void it('server delegates the raw arguments', async () => {
      let seen: string[] = [];
      const r = await runInProcess(['server', '-dev', '-format=json', 'x'], env(), {
        runServer: async (args) => {
          seen = args;
          return 3;
        },
      });
      assert.equal(r.code, 3);
      assert.deepEqual(seen, ['-dev', '-format=json', 'x']);
    });
  });
});
