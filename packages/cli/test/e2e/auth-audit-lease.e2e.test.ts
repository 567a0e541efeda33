import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, runCoffer, ServerProcess, type ProcessResult } from '../helpers/coffer-process.js';

/**
 * End to end against a real `coffer server -dev`: audit devices, auth methods (approle and
 * userpass through `auth enable` + `write`/`read` + `login`), token roles, leases and response
 * wrapping, each command run as a child process the way an operator types it. Server-side
 * effects are checked over HTTP directly.
 */
void describe(
  'coffer audit, auth, lease and wrapping commands against a dev server (e2e)',
  { concurrency: 3 },
  () => {
    const rootToken = 'e2e-auth-root-token';
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
    const cli = (args: string[], extra: Record<string, string> = {}): Promise<ProcessResult> =>
      runCoffer(args, env(extra));
    const ok = (r: ProcessResult, what: string): ProcessResult => {
      assert.equal(r.code, 0, `${what} failed (${r.code}): ${r.stderr}`);
      return r;
    };
    /** True when `token` is accepted by the server (lookup-self answers 200). */
    const tokenWorks = async (token: string): Promise<boolean> => {
      const res = await fetch(`${server?.address ?? ''}/v1/auth/token/lookup-self`, {
        headers: { 'X-Vault-Token': token },
      });
      await res.arrayBuffer();
      return res.status === 200;
    };
    /** Polls until `check` holds; at most `timeoutMs`. */
    const eventually = async (
      what: string,
      check: () => Promise<boolean>,
      timeoutMs = 20_000,
    ): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (await check()) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.fail(`timed out waiting for: ${what}`);
    };

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'coffer-e2e-auth-'));
      server = await ServerProcess.start(
        ['-dev', '-dev-listen-address=127.0.0.1:0', `-dev-root-token-id=${rootToken}`],
        cleanEnv({ HOME: dir }),
      );
    });

    after(async () => {
      await server?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    void it('audit: enable a file device, requests are recorded (secrets HMAC-ed), list, disable', async () => {
      const log = join(dir, 'audit.log');
      const none = await cli(['audit', 'list']);
      assert.equal(none.code, 2, none.stderr);
      assert.equal(none.stdout, 'No audit devices are enabled.\n');

      const enabled = ok(
        await cli(['audit', 'enable', '-path=e2e-file', '-description=e2e log', 'file', `file_path=${log}`]),
        'audit enable',
      );
      assert.equal(enabled.stdout, 'Success! Enabled the file audit device at: e2e-file/\n');
      const list = ok(await cli(['audit', 'list']), 'audit list');
      assert.match(list.stdout, /^e2e-file\/\s+file\s+e2e log$/m);
      const detailed = ok(await cli(['audit', 'list', '-detailed']), 'audit list -detailed');
      assert.ok(detailed.stdout.includes(`file_path=${log}`), detailed.stdout);
      assert.match(detailed.stdout, /^e2e-file\/\s+file\s+e2e log\s+replicated\s+/m);
      const json = JSON.parse(
        ok(await cli(['audit', 'list', '-format=json']), 'audit list json').stdout,
      ) as Record<string, { type: string; options: Record<string, string> }>;
      assert.equal(json['e2e-file/']?.type, 'file');
      assert.equal(json['e2e-file/']?.options.file_path, log);

      const secretValue = 'audit-e2e-plaintext-7f3a';
      ok(await cli(['kv', 'put', 'secret/audit-check', `password=${secretValue}`]), 'kv put');
      const entries = async (): Promise<Array<{ type: string; request?: { path?: string } }>> =>
        (await readFile(log, 'utf8').catch(() => ''))
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as { type: string; request?: { path?: string } });
      await eventually('request and response entries for secret/data/audit-check', async () => {
        const mine = (await entries()).filter((e) => e.request?.path === 'secret/data/audit-check');
        return mine.some((e) => e.type === 'request') && mine.some((e) => e.type === 'response');
      });
      const text = await readFile(log, 'utf8');
      assert.ok(!text.includes(secretValue), 'the secret value is in the audit log in plaintext');
      assert.ok(!text.includes(rootToken), 'the root token is in the audit log in plaintext');

      const disabled = ok(await cli(['audit', 'disable', 'e2e-file']), 'audit disable');
      assert.equal(disabled.stdout, 'Success! Disabled audit device (if it was enabled) at: e2e-file/\n');
      ok(await cli(['kv', 'put', 'secret/audit-after', 'a=b']), 'kv put after disable');
      const after = await entries();
      assert.ok(!after.some((e) => e.request?.path === 'secret/data/audit-after'), 'recorded after disable');
      assert.equal((await cli(['audit', 'list'])).code, 2);
    });

    void it('auth enable approle, then role, role-id, secret-id and login through write/read; login -method=approle', async () => {
      const enabled = ok(await cli(['auth', 'enable', 'approle']), 'auth enable approle');
      assert.equal(enabled.stdout, 'Success! Enabled approle auth method at: approle/\n');
      const list = ok(await cli(['auth', 'list']), 'auth list');
      assert.match(list.stdout, /^approle\/\s+approle\s+auth_approle_\S+/m);
      assert.match(list.stdout, /^Path\s+Type\s+Accessor\s+Description\s+Version$/m);

      ok(
        await cli(['write', 'auth/approle/role/x', 'token_policies=e2e-ci', 'secret_id_ttl=10m']),
        'write role',
      );
      const read = ok(await cli(['read', 'auth/approle/role/x/role-id']), 'read role-id');
      assert.match(read.stdout, /^role_id\s+\S+$/m);
      const roleId = ok(
        await cli(['read', '-field=role_id', 'auth/approle/role/x/role-id']),
        'role_id field',
      ).stdout;
      assert.match(roleId, /^[0-9a-f-]{36}$/);
      const noData = await cli(['write', 'auth/approle/role/x/secret-id']);
      assert.equal(noData.code, 1, 'write without data and without -f must be refused');
      const secretId = ok(
        await cli(['write', '-f', '-field=secret_id', 'auth/approle/role/x/secret-id']),
        'write -f secret-id',
      ).stdout;
      assert.notEqual(secretId, '');

      const login = ok(
        await cli([
          'write',
          '-format=json',
          'auth/approle/login',
          `role_id=${roleId}`,
          `secret_id=${secretId}`,
        ]),
        'write login',
      );
      const auth = (JSON.parse(login.stdout) as { auth: { client_token: string; policies: string[] } }).auth;
      assert.ok(auth.policies.includes('e2e-ci'), auth.policies.join(','));
      assert.ok(await tokenWorks(auth.client_token));

      const secretId2 = ok(
        await cli(['write', '-f', '-field=secret_id', 'auth/approle/role/x/secret-id']),
        'second secret-id',
      ).stdout;
      const tokenFile = join(dir, 'approle-token');
      const viaLogin = ok(
        await cli(['login', '-method=approle', `role_id=${roleId}`, `secret_id=${secretId2}`], {
          VAULT_TOKEN: '',
          COFFER_TOKEN_FILE: tokenFile,
        }),
        'login -method=approle',
      );
      assert.match(viaLogin.stdout, /Success! You are now authenticated/);
      assert.match(viaLogin.stdout, /^token_meta_role_name\s+x$/m);
      const stored = await readFile(tokenFile, 'utf8');
      assert.ok(await tokenWorks(stored));
      const self = ok(
        await cli(['token', 'lookup', '-format=json'], { VAULT_TOKEN: '', COFFER_TOKEN_FILE: tokenFile }),
        'lookup with the stored token',
      );
      assert.ok(
        (JSON.parse(self.stdout) as { data: { policies: string[] } }).data.policies.includes('e2e-ci'),
      );
      const bad = await cli(['login', '-method=approle', `role_id=${roleId}`, 'secret_id=wrong'], {
        VAULT_TOKEN: '',
        COFFER_TOKEN_FILE: join(dir, 'approle-bad'),
      });
      assert.equal(bad.code, 2);
      assert.ok(!bad.stderr.includes('wrong'), bad.stderr);
    });

    void it('auth enable userpass at a custom path, tune, login -method=userpass, disable', async () => {
      const enabled = ok(
        await cli(['auth', 'enable', '-path=people', '-description=staff', 'userpass']),
        'enable',
      );
      assert.equal(enabled.stdout, 'Success! Enabled userpass auth method at: people/\n');
      ok(await cli(['auth', 'tune', '-default-lease-ttl=2h', 'people/']), 'auth tune');
      const detailed = ok(await cli(['auth', 'list', '-detailed']), 'auth list -detailed');
      assert.match(detailed.stdout, /^people\/\s+userpass\s+auth_userpass_\S+\s+7200\s+system\s+/m);

      ok(
        await cli(['write', 'auth/people/users/bob', 'password=bob-pw-e2e', 'token_policies=default']),
        'user',
      );
      const tokenFile = join(dir, 'userpass-token');
      const login = ok(
        await cli(['login', '-method=userpass', '-path=people', 'username=bob', 'password=bob-pw-e2e'], {
          VAULT_TOKEN: '',
          COFFER_TOKEN_FILE: tokenFile,
        }),
        'login -method=userpass',
      );
      assert.match(login.stdout, /^token_meta_username\s+bob$/m);
      assert.match(login.stdout, /^token_duration\s+2h$/m);
      const token = await readFile(tokenFile, 'utf8');
      assert.ok(await tokenWorks(token));
      const wrongPw = await cli(
        ['login', '-method=userpass', '-path=people', 'username=bob', 'password=nope'],
        {
          VAULT_TOKEN: '',
          COFFER_TOKEN_FILE: join(dir, 'userpass-bad'),
        },
      );
      assert.equal(wrongPw.code, 2);

      const disabled = ok(await cli(['auth', 'disable', 'people']), 'auth disable');
      assert.equal(disabled.stdout, 'Success! Disabled the auth method (if it existed) at: people/\n');
      assert.doesNotMatch(ok(await cli(['auth', 'list']), 'list after disable').stdout, /^people\//m);
    });

    void it('token create -role uses the role and its allowed policies', async () => {
      ok(await cli(['write', 'auth/token/roles/e2e-role', 'allowed_policies=e2e-role-pol']), 'write role');
      const created = ok(
        await cli(['token', 'create', '-role=e2e-role', '-policy=e2e-role-pol', '-format=json']),
        'token create -role',
      );
      const auth = (JSON.parse(created.stdout) as { auth: { client_token: string; policies: string[] } })
        .auth;
      assert.ok(auth.policies.includes('e2e-role-pol'), auth.policies.join(','));
      const lookup = JSON.parse(
        ok(await cli(['token', 'lookup', '-format=json', auth.client_token]), 'lookup').stdout,
      ) as { data: { role?: string; path: string } };
      assert.equal(lookup.data.path, 'auth/token/create/e2e-role');
      const denied = await cli(['token', 'create', '-role=e2e-role', '-policy=not-allowed']);
      assert.equal(denied.code, 2, denied.stdout);
      assert.match(denied.stderr, /^Error creating token: /);
    });

    // Needs the expiration manager's sys/leases/* endpoints (issue #10 server work).
    void it('lease lookup, renew, revoke (one, -prefix, queued, -force) on userpass token leases', async () => {
      ok(await cli(['auth', 'enable', '-path=up-lease', 'userpass']), 'enable userpass');
      ok(await cli(['write', 'auth/up-lease/users/leaser', 'password=lease-pw', 'token_ttl=1h']), 'user');
      const login = async (): Promise<string> =>
        ok(
          await cli(
            [
              'login',
              '-method=userpass',
              '-path=up-lease',
              '-token-only',
              'username=leaser',
              'password=lease-pw',
            ],
            {
              VAULT_TOKEN: '',
            },
          ),
          'login',
        ).stdout;
      const prefix = 'auth/up-lease/login/leaser/';
      const leaseIds = async (): Promise<string[]> => {
        const r = await cli(['list', '-format=json', `sys/leases/lookup/${prefix}`]);
        if (r.code !== 0) return [];
        return (JSON.parse(r.stdout) as string[]).map((k) => `${prefix}${k}`);
      };

      const first = await login();
      const [leaseId, ...others] = await leaseIds();
      assert.ok(leaseId !== undefined && others.length === 0, `expected one lease under ${prefix}`);
      const lookup = ok(await cli(['lease', 'lookup', '-format=json', leaseId]), 'lease lookup');
      const data = (JSON.parse(lookup.stdout) as { data: { id: string; ttl: number } }).data;
      assert.equal(data.id, leaseId);
      assert.ok(data.ttl > 0 && data.ttl <= 3600, `ttl ${data.ttl}`);
      const table = ok(await cli(['lease', 'lookup', leaseId]), 'lease lookup table');
      assert.match(table.stdout, /^expire_time\s+\S+/m);

      // Token leases are renewed through auth/token/renew, not sys/leases/renew (Vault).
      const renew = await cli(['lease', 'renew', '-increment=30m', leaseId]);
      assert.equal(renew.code, 2, renew.stdout);
      assert.ok(renew.stderr.startsWith(`Error renewing ${leaseId}: `), renew.stderr);

      const one = ok(await cli(['lease', 'revoke', '-sync', leaseId]), 'lease revoke -sync');
      assert.equal(one.stdout, `Success! Revoked lease: ${leaseId}\n`);
      assert.equal(await tokenWorks(first), false, 'token still works after its lease was revoked');

      const second = await login();
      const third = await login();
      const prefixed = ok(await cli(['lease', 'revoke', '-prefix', '-sync', prefix]), 'revoke -prefix -sync');
      assert.equal(prefixed.stdout, `Success! Revoked any leases with prefix: ${prefix}\n`);
      assert.equal(await tokenWorks(second), false);
      assert.equal(await tokenWorks(third), false);
      assert.deepEqual(await leaseIds(), []);

      const fourth = await login();
      const [queuedId] = await leaseIds();
      assert.ok(queuedId !== undefined);
      const queued = ok(await cli(['lease', 'revoke', queuedId]), 'lease revoke (queued)');
      assert.equal(queued.stdout, 'All revocation operations queued successfully!\n');
      await eventually('the queued revocation to take effect', async () => !(await tokenWorks(fourth)));

      const fifth = await login();
      const forced = ok(await cli(['lease', 'revoke', '-prefix', '-force', prefix]), 'revoke -force');
      assert.equal(forced.stdout, `Success! Force revoked any leases with prefix: ${prefix}\n`);
      assert.match(forced.stderr, /Force-removing leases/);
      assert.equal(await tokenWorks(fifth), false);
      assert.equal((await cli(['lease', 'revoke', '-force', prefix])).code, 1);
    });

    // Needs response wrapping on the server (X-Vault-Wrap-TTL, sys/wrapping/unwrap; issue #10 server work).
    void it('-wrap-ttl wraps a secret-id and a KV read; unwrap works once; login -wrap-ttl unwraps', async () => {
      ok(await cli(['auth', 'enable', '-path=ar-wrap', 'approle']), 'enable approle');
      ok(await cli(['write', 'auth/ar-wrap/role/w', 'token_policies=default']), 'role');
      const roleId = ok(
        await cli(['read', '-field=role_id', 'auth/ar-wrap/role/w/role-id']),
        'role-id',
      ).stdout;

      const wrapped = ok(
        await cli(['write', '-f', '-wrap-ttl=5m', 'auth/ar-wrap/role/w/secret-id']),
        'wrapped secret-id',
      );
      assert.match(wrapped.stdout, /^wrapping_token:\s+\S+$/m);
      assert.match(wrapped.stdout, /^wrapping_accessor:\s+\S+$/m);
      assert.match(wrapped.stdout, /^wrapping_token_ttl:\s+5m$/m);
      assert.match(wrapped.stdout, /^wrapping_token_creation_time:\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/m);
      assert.match(wrapped.stdout, /^wrapping_token_creation_path:\s+auth\/ar-wrap\/role\/w\/secret-id$/m);
      assert.doesNotMatch(wrapped.stdout, /^secret_id\s/m, 'the wrapped answer shows the secret itself');
      const wrappingToken = /^wrapping_token:\s+(\S+)$/m.exec(wrapped.stdout)?.[1] ?? '';

      const unwrapped = ok(await cli(['unwrap', '-field=secret_id', wrappingToken]), 'unwrap');
      assert.notEqual(unwrapped.stdout, '');
      const again = await cli(['unwrap', wrappingToken]);
      assert.equal(again.code, 2, 'a wrapping token must work once only');
      assert.match(again.stderr, /^Error unwrapping: /);
      ok(
        await cli(['write', 'auth/ar-wrap/login', `role_id=${roleId}`, `secret_id=${unwrapped.stdout}`]),
        'login with the unwrapped secret-id',
      );

      ok(await cli(['kv', 'put', 'secret/wrapped-kv', 'k=wrapped-value']), 'kv put');
      const wt = ok(
        await cli(['kv', 'get', '-wrap-ttl=1m', '-field=wrapping_token', 'secret/wrapped-kv']),
        'kv get -wrap-ttl',
      ).stdout;
      assert.notEqual(wt, '');
      // No argument: the current token (here the wrapping token itself) is unwrapped.
      const kv = ok(await cli(['unwrap', '-format=json'], { VAULT_TOKEN: wt }), 'unwrap with VAULT_TOKEN');
      const kvData = (JSON.parse(kv.stdout) as { data: { data: Record<string, string> } }).data;
      assert.equal(kvData.data.k, 'wrapped-value');

      const viaEnv = ok(
        await cli(['write', '-f', '-field=wrapping_token', 'auth/ar-wrap/role/w/secret-id'], {
          VAULT_WRAP_TTL: '90s',
        }),
        'VAULT_WRAP_TTL',
      ).stdout;
      const lookup = await fetch(`${server?.address ?? ''}/v1/sys/wrapping/lookup`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: viaEnv }),
      });
      assert.equal(lookup.status, 200);
      assert.equal(((await lookup.json()) as { data: { creation_ttl: number } }).data.creation_ttl, 90);

      const secretId = ok(
        await cli(['write', '-f', '-field=secret_id', 'auth/ar-wrap/role/w/secret-id']),
        'sid',
      ).stdout;
      const tokenFile = join(dir, 'wrapped-login-token');
      ok(
        await cli(
          [
            'login',
            '-method=approle',
            '-path=ar-wrap',
            '-wrap-ttl=1m',
            `role_id=${roleId}`,
            `secret_id=${secretId}`,
          ],
          {
            VAULT_TOKEN: '',
            COFFER_TOKEN_FILE: tokenFile,
          },
        ),
        'login -wrap-ttl',
      );
      assert.ok(await tokenWorks(await readFile(tokenFile, 'utf8')));
    });
  },
);
