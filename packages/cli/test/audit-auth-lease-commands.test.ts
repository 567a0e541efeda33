import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { goTimeString } from '../src/output/go-time-string.js';
import { runInProcess, type CliRun } from './helpers/run-cli-in-process.js';
import { envelope, ScriptedServer, type RecordedRequest } from './helpers/scripted-server.js';

/**
 * `audit`, `auth`, `lease`, `unwrap` and `-wrap-ttl` against a scripted server: the requests
 * each command sends (Vault's wire mapping), what it prints and its exit code.
 */
void describe('audit, auth, lease and wrapping commands (scripted server)', () => {
  let server: ScriptedServer;
  let dir = '';
  let tokenFile = '';

  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    HOME: dir,
    COFFER_ADDR: server.address,
    COFFER_TOKEN_FILE: tokenFile,
    VAULT_MAX_RETRIES: '0',
    VAULT_TOKEN: 'root-tok',
    ...extra,
  });
  const run = (args: string[], extra: Record<string, string> = {}): Promise<CliRun> =>
    runInProcess(args, env(extra));
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
    dir = await mkdtemp(join(tmpdir(), 'coffer-cli-audit-auth-'));
    tokenFile = join(dir, 'token');
  });
  beforeEach(async () => {
    await server?.stop();
    server = new ScriptedServer();
    await server.start();
    await rm(tokenFile, { force: true });
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  void describe('audit', () => {
    void it('enable sends type, description, K=V options and local to PUT sys/audit/<path>/', async () => {
      server.on('PUT', 'sys/audit/file/', {}).on('PUT', 'sys/audit/team-log/', {});
      const a = await run(['audit', 'enable', 'file', 'file_path=/var/log/a.log', 'mode=0640']);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(a.stdout, 'Success! Enabled the file audit device at: file/\n');
      assert.deepEqual(only('PUT', 'sys/audit/file/').body, {
        type: 'file',
        description: '',
        options: { file_path: '/var/log/a.log', mode: '0640' },
        local: false,
      });
      const b = await run([
        'audit',
        'enable',
        '-path=team-log',
        '-description=team log',
        '-local',
        'socket',
        'address=127.0.0.1:9090',
      ]);
      assert.equal(b.code, 0, b.stderr);
      assert.equal(b.stdout, 'Success! Enabled the socket audit device at: team-log/\n');
      assert.deepEqual(only('PUT', 'sys/audit/team-log/').body, {
        type: 'socket',
        description: 'team log',
        options: { address: '127.0.0.1:9090' },
        local: true,
      });
    });

    void it('enable without a type is a usage error; a server refusal exits 2 with one line', async () => {
      const none = await run(['audit', 'enable']);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /audit type missing/);
      assert.equal(server.requests.length, 0);
      server.on('PUT', 'sys/audit/file/', { status: 400, body: { errors: ['file_path is required'] } });
      const bad = await run(['audit', 'enable', 'file']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /^Error enabling audit device: .*file_path is required/);
      assert.equal(bad.stderr.trim().split('\n').length, 1);
    });

    void it('list: none enabled exits 2; table, -detailed and JSON', async () => {
      server.on('GET', 'sys/audit', { body: envelope({}) });
      const empty = await run(['audit', 'list']);
      assert.equal(empty.code, 2);
      assert.equal(empty.stdout, 'No audit devices are enabled.\n');

      const devices = {
        'file/': {
          type: 'file',
          description: '',
          options: { file_path: '/tmp/a.log', log_raw: 'false' },
          local: false,
          path: 'file/',
        },
        'sock/': { type: 'socket', description: 'siem', options: {}, local: true, path: 'sock/' },
      };
      server.on('GET', 'sys/audit', { body: { ...devices, ...envelope(devices) } });
      const t = await run(['audit', 'list']);
      assert.equal(t.code, 0, t.stderr);
      assert.equal(
        t.stdout,
        [
          'Path     Type      Description',
          '----     ----      -----------',
          'file/    file      n/a',
          'sock/    socket    siem',
          '',
        ].join('\n'),
      );
      const d = await run(['audit', 'list', '-detailed']);
      assert.equal(d.code, 0, d.stderr);
      assert.match(d.stdout, /^Path\s+Type\s+Description\s+Replication\s+Options$/m);
      assert.match(d.stdout, /^file\/\s+file\s+n\/a\s+replicated\s+file_path=\/tmp\/a\.log log_raw=false$/m);
      assert.match(d.stdout, /^sock\/\s+socket\s+siem\s+local\s+n\/a$/m);
      const j = await run(['audit', 'list', '-format=json']);
      assert.deepEqual(JSON.parse(j.stdout), devices);
    });

    void it('disable sends DELETE sys/audit/<path>/', async () => {
      server.on('DELETE', 'sys/audit/file/', {});
      const r = await run(['audit', 'disable', 'file']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'Success! Disabled audit device (if it was enabled) at: file/\n');
      only('DELETE', 'sys/audit/file/');
      assert.equal((await run(['audit', 'disable'])).code, 1);
    });
  });

  void describe('auth', () => {
    const auths = {
      'token/': {
        type: 'token',
        description: 'token based credentials',
        accessor: 'auth_token_1',
        config: { default_lease_ttl: 0, max_lease_ttl: 0, token_type: 'default-service' },
        options: null,
        local: false,
        seal_wrap: false,
      },
      'people/': {
        type: 'userpass',
        description: 'staff',
        accessor: 'auth_userpass_2',
        config: { default_lease_ttl: 3600, max_lease_ttl: 0, token_type: 'default-service' },
        options: {},
        local: true,
        seal_wrap: false,
        plugin_version: '',
      },
    };

    void it("enable posts the mount to sys/auth/<path>/ and prints Vault's line", async () => {
      server.on('POST', 'sys/auth/approle/', {}).on('POST', 'sys/auth/people/', {});
      const a = await run(['auth', 'enable', 'approle']);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(a.stdout, 'Success! Enabled approle auth method at: approle/\n');
      assert.deepEqual(only('POST', 'sys/auth/approle/').body, {
        type: 'approle',
        description: '',
        config: {},
      });
      const b = await run([
        'auth',
        'enable',
        '-path=people',
        '-description=staff',
        '-default-lease-ttl=1h',
        '-token-type=batch',
        '-local',
        'userpass',
      ]);
      assert.equal(b.code, 0, b.stderr);
      assert.equal(b.stdout, 'Success! Enabled userpass auth method at: people/\n');
      assert.deepEqual(only('POST', 'sys/auth/people/').body, {
        type: 'userpass',
        description: 'staff',
        config: { default_lease_ttl: '1h0m0s', token_type: 'batch' },
        local: true,
      });
      assert.equal((await run(['auth', 'enable'])).code, 1);
    });

    void it('list: table with Version column, -detailed with token type, JSON', async () => {
      server.on('GET', 'sys/auth', { body: { ...auths, ...envelope(auths) } });
      const t = await run(['auth', 'list']);
      assert.equal(t.code, 0, t.stderr);
      assert.equal(
        t.stdout,
        [
          'Path       Type        Accessor           Description                Version',
          '----       ----        --------           -----------                -------',
          'people/    userpass    auth_userpass_2    staff                      n/a',
          'token/     token       auth_token_1       token based credentials    n/a',
          '',
        ].join('\n'),
      );
      const d = await run(['auth', 'list', '-detailed']);
      assert.equal(d.code, 0, d.stderr);
      assert.match(d.stdout, /^Path\s+Plugin\s+Accessor\s+Default TTL\s+Max TTL\s+Token Type\s+Replication/m);
      assert.match(
        d.stdout,
        /^people\/\s+userpass\s+auth_userpass_2\s+3600\s+system\s+default-service\s+local\s+false/m,
      );
      const j = await run(['auth', 'list', '-format=json']);
      assert.deepEqual(Object.keys(JSON.parse(j.stdout) as object), ['people/', 'token/']);
    });

    void it('tune posts to sys/mounts/auth/<path>/tune; disable deletes sys/auth/<path>/', async () => {
      server.on('POST', 'sys/mounts/auth/people/tune', {}).on('DELETE', 'sys/auth/people/', {});
      const t = await run([
        'auth',
        'tune',
        '-max-lease-ttl=2h',
        '-description=',
        '-token-type=service',
        'people',
      ]);
      assert.equal(t.code, 0, t.stderr);
      assert.equal(t.stdout, 'Success! Tuned the auth method at: people/\n');
      assert.deepEqual(only('POST', 'sys/mounts/auth/people/tune').body, {
        max_lease_ttl: '2h0m0s',
        description: '',
        token_type: 'service',
      });
      const d = await run(['auth', 'disable', 'people/']);
      assert.equal(d.code, 0, d.stderr);
      assert.equal(d.stdout, 'Success! Disabled the auth method (if it existed) at: people/\n');
      only('DELETE', 'sys/auth/people/');
    });
  });

  void describe('lease', () => {
    const id = 'database/creds/ro/abc123';

    void it('lookup sends PUT sys/leases/lookup {lease_id}; renew sends {increment, lease_id}', async () => {
      server.on('PUT', 'sys/leases/lookup', {
        body: envelope({
          id,
          issue_time: '2025-01-01T00:00:00Z',
          expire_time: '2025-01-01T01:00:00Z',
          last_renewal: null,
          renewable: true,
          ttl: 3599,
        }),
      });
      server.on('PUT', 'sys/leases/renew', {
        body: envelope(null, { lease_id: id, lease_duration: 1800, renewable: true }),
      });
      const l = await run(['lease', 'lookup', id]);
      assert.equal(l.code, 0, l.stderr);
      assert.deepEqual(only('PUT', 'sys/leases/lookup').body, { lease_id: id });
      assert.match(l.stdout, /^ttl\s+59m59s$/m);
      assert.match(l.stdout, /^last_renewal\s+<nil>$/m);
      assert.equal((await run(['lease', 'lookup', '-field=expire_time', id])).stdout, '2025-01-01T01:00:00Z');

      const r = await run(['lease', 'renew', '-increment=30m', id]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(only('PUT', 'sys/leases/renew').body, { increment: 1800, lease_id: id });
      assert.match(r.stdout, /^lease_id\s+database\/creds\/ro\/abc123$/m);
      assert.match(r.stdout, /^lease_duration\s+30m$/m);
      assert.match(r.stdout, /^lease_renewable\s+true$/m);

      const missing = await run(['lease', 'renew']);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, 'Missing ID!\n');
      server.on('PUT', 'sys/leases/lookup', { status: 400, body: { errors: ['invalid lease'] } });
      const bad = await run(['lease', 'lookup', 'nope']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /^error looking up lease id nope: .*invalid lease/);
    });

    void it('revoke puts the id in the path with sync; queued unless -sync', async () => {
      server.on('PUT', `sys/leases/revoke/${id}`, { status: 202 });
      const q = await run(['lease', 'revoke', id]);
      assert.equal(q.code, 0, q.stderr);
      assert.equal(q.stdout, 'All revocation operations queued successfully!\n');
      assert.deepEqual(only('PUT', `sys/leases/revoke/${id}`).body, { sync: false });

      server.requests.length = 0;
      server.on('PUT', `sys/leases/revoke/${id}`, {});
      const s = await run(['lease', 'revoke', '-sync', id]);
      assert.equal(s.stdout, `Success! Revoked lease: ${id}\n`);
      assert.deepEqual(only('PUT', `sys/leases/revoke/${id}`).body, { sync: true });

      server.on('PUT', 'sys/leases/revoke-prefix/database/creds/', {});
      const p = await run(['lease', 'revoke', '-prefix', '-sync', 'database/creds/']);
      assert.equal(p.stdout, 'Success! Revoked any leases with prefix: database/creds/\n');
      assert.deepEqual(only('PUT', 'sys/leases/revoke-prefix/database/creds/').body, { sync: true });
    });

    void it('-force needs -prefix, uses revoke-force without a body and warns', async () => {
      const bad = await run(['lease', 'revoke', '-force', 'database/']);
      assert.equal(bad.code, 1);
      assert.equal(bad.stderr, 'Specifying -force requires also specifying -prefix\n');
      assert.equal(server.requests.length, 0);
      server.on('PUT', 'sys/leases/revoke-force/database/', {});
      const f = await run(['lease', 'revoke', '-prefix', '-f', 'database/']);
      assert.equal(f.code, 0, f.stderr);
      assert.equal(f.stdout, 'Success! Force revoked any leases with prefix: database/\n');
      assert.match(f.stderr, /Force-removing leases/);
      const req = only('PUT', 'sys/leases/revoke-force/database/');
      assert.equal(req.rawBody, '');
      server.on('PUT', 'sys/leases/revoke-prefix/x/', {
        status: 403,
        body: { errors: ['permission denied'] },
      });
      const denied = await run(['lease', 'revoke', '-prefix', 'x/']);
      assert.equal(denied.code, 2);
      assert.match(denied.stderr, /^Error revoking leases with prefix x\/: .*permission denied/);
      assert.equal((await run(['lease', 'revoke'])).code, 1);
      assert.equal((await run(['lease', 'revoke', 'a', 'b'])).code, 1);
    });
  });

  void describe('response wrapping', () => {
    const wrapped = envelope(null, {
      wrap_info: {
        token: 'hvs.wrap',
        accessor: 'wacc',
        ttl: 300,
        creation_time: '2025-03-04T05:06:07.120000Z',
        creation_path: 'auth/approle/role/x/secret-id',
      },
    });

    void it('-wrap-ttl and VAULT_WRAP_TTL send X-Vault-Wrap-TTL; the wrapping info prints like Vault', async () => {
      server.on('PUT', 'auth/approle/role/x/secret-id', { body: wrapped });
      const r = await run(['write', '-f', '-wrap-ttl=5m', 'auth/approle/role/x/secret-id']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(server.requests[0]?.headers['x-vault-wrap-ttl'], '5m0s');
      assert.equal(
        r.stdout,
        [
          'Key                              Value',
          '---                              -----',
          'wrapping_token:                  hvs.wrap',
          'wrapping_accessor:               wacc',
          'wrapping_token_ttl:              5m',
          'wrapping_token_creation_time:    2025-03-04 05:06:07.12 +0000 UTC',
          'wrapping_token_creation_path:    auth/approle/role/x/secret-id',
          '',
        ].join('\n'),
      );
      const f = await run(['write', '-f', '-field=wrapping_token', 'auth/approle/role/x/secret-id'], {
        VAULT_WRAP_TTL: '90',
      });
      assert.equal(f.stdout, 'hvs.wrap');
      assert.equal(server.requests[1]?.headers['x-vault-wrap-ttl'], '1m30s');
      const j = await run(['write', '-f', '-format=json', '-wrap-ttl=60s', 'auth/approle/role/x/secret-id']);
      assert.equal((JSON.parse(j.stdout) as { wrap_info: { token: string } }).wrap_info.token, 'hvs.wrap');
    });

    void it('kv get -wrap-ttl -field=wrapping_token on a v2 mount prints the wrapping token', async () => {
      server.kvMount('secret/', 2);
      server.on('GET', 'secret/data/app', { body: wrapped });
      const r = await run(['kv', 'get', '-wrap-ttl=1m', '-field=wrapping_token', 'secret/app']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'hvs.wrap');
      const pre = server.requests.find((q) => q.path.startsWith('sys/internal/ui/mounts/'));
      assert.equal(pre?.headers['x-vault-wrap-ttl'], undefined, 'the KV preflight must not be wrapped');
      assert.equal(only('GET', 'secret/data/app').headers['x-vault-wrap-ttl'], '1m0s');
    });

    void it('wrapping creation time is shown like Go prints a time, offsets included', () => {
      assert.equal(goTimeString('2025-03-04T05:06:07Z'), '2025-03-04 05:06:07 +0000 UTC');
      assert.equal(goTimeString('2025-03-04T05:06:07.000500+02:00'), '2025-03-04 05:06:07.0005 +0200 +0200');
      assert.equal(goTimeString('not a time'), 'not a time');
    });

    void it('no wrap header without the flag; a bad -wrap-ttl or VAULT_WRAP_TTL is a usage error', async () => {
      server.on('GET', 'secret/x', { body: envelope({ a: '1' }) });
      assert.equal((await run(['read', 'secret/x'])).code, 0);
      assert.equal(server.requests[0]?.headers['x-vault-wrap-ttl'], undefined);
      const bad = await run(['read', '-wrap-ttl=soon', 'secret/x']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /-wrap-ttl/);
      const badEnv = await run(['read', 'secret/x'], { VAULT_WRAP_TTL: 'soon' });
      assert.equal(badEnv.code, 1);
      assert.match(badEnv.stderr, /WRAP_TTL/);
      assert.equal(server.requests.length, 1);
    });

    void it('unwrap: current token, a token in the body, or the token as X-Vault-Token when none is set', async () => {
      const inner = envelope({ secret_id: 's-1', secret_id_accessor: 'sa-1' });
      server.on('PUT', 'sys/wrapping/unwrap', { body: inner });
      const self = await run(['unwrap']);
      assert.equal(self.code, 0, self.stderr);
      assert.match(self.stdout, /^secret_id\s+s-1$/m);
      assert.equal(server.requests[0]?.rawBody, '');
      assert.equal(server.requests[0]?.headers['x-vault-token'], 'root-tok');

      const body = await run(['unwrap', '-field=secret_id', 'hvs.wrap']);
      assert.equal(body.stdout, 's-1');
      assert.deepEqual(server.requests[1]?.body, { token: 'hvs.wrap' });
      assert.equal(server.requests[1]?.headers['x-vault-token'], 'root-tok');

      const header = await run(['unwrap', 'hvs.wrap'], { VAULT_TOKEN: '' });
      assert.equal(header.code, 0, header.stderr);
      assert.equal(server.requests[2]?.rawBody, '');
      assert.equal(server.requests[2]?.headers['x-vault-token'], 'hvs.wrap');

      assert.equal((await run(['unwrap', 'a', 'b'])).code, 1);
      server.on('PUT', 'sys/wrapping/unwrap', {
        status: 400,
        body: { errors: ['wrapping token is not valid or does not exist'] },
      });
      const used = await run(['unwrap', 'hvs.used']);
      assert.equal(used.code, 2);
      assert.match(used.stderr, /^Error unwrapping: .*not valid or does not exist/);
    });

    void it('unwrap: an empty wrapped answer and a wrapped list', async () => {
      server.on('PUT', 'sys/wrapping/unwrap', {});
      const none = await run(['unwrap', 'hvs.w']);
      assert.equal(none.code, 0, none.stderr);
      assert.equal(none.stdout, 'Successfully unwrapped. There was no data in the wrapped secret.\n');
      server.on('PUT', 'sys/wrapping/unwrap', { body: envelope({ keys: ['b', 'a/'] }) });
      const list = await run(['unwrap', 'hvs.w']);
      assert.equal(list.stdout, 'Keys\n----\na/\nb\n');
    });

    void it('login with -wrap-ttl unwraps the login and stores the token; with -no-store it prints the wrapping token', async () => {
      const loginAuth = envelope(null, {
        auth: {
          client_token: 'hvs.approle',
          accessor: 'acc',
          policies: ['default'],
          token_policies: ['default'],
          metadata: { role_name: 'x' },
          lease_duration: 60,
          renewable: true,
        },
      });
      server.on('PUT', 'auth/approle/login', { body: wrapped });
      server.on('PUT', 'sys/wrapping/unwrap', (req) =>
        req.headers['x-vault-token'] === 'hvs.wrap' && req.headers['x-vault-wrap-ttl'] === undefined
          ? { body: loginAuth }
          : { status: 400, body: { errors: ['bad unwrap request'] } },
      );
      const r = await run(['login', '-method=approle', '-wrap-ttl=1m', 'role_id=r', 'secret_id=s'], {
        VAULT_TOKEN: '',
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await readFile(tokenFile, 'utf8'), 'hvs.approle');
      assert.equal(only('PUT', 'auth/approle/login').headers['x-vault-wrap-ttl'], '1m0s');

      const n = await run(
        ['login', '-method=approle', '-no-store', '-wrap-ttl=1m', 'role_id=r', 'secret_id=s'],
        {
          VAULT_TOKEN: '',
        },
      );
      assert.equal(n.code, 0, n.stderr);
      assert.match(n.stdout, /^wrapping_token:\s+hvs\.wrap$/m);
    });
  });
});
