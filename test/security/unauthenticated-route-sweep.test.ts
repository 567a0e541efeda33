/**
 * Unauthenticated route sweep (fault-matrix §5b CVE-2020-25594, §5c "Unauthenticated endpoint
 * inventory"): every route the server has — sys and every mounted engine's path specs, taken from
 * src and expanded into concrete paths, plus the top-level HTTP routes — is called with every
 * method without a token and with an invalid token. Only the documented unauthenticated paths may
 * answer anything but 403; nothing may 5xx or return secret data. Then the same sweep against the
 * sealed server: everything but the lifecycle paths answers 503.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  removeDir,
  startServer,
  type HttpResult,
  type ServerProcess,
} from '../../packages/server/test/e2e/harness.js';
import { routeInventory } from './route-inventory.js';
import { leaked, startSecurityServer, type SecurityServer } from './security-server.js';

/**
 * Paths (after `/v1/`) that Vault serves without a token, each with its Vault source. The sweep
 * fails if a path outside this list answers anything but a refusal.
 */
const UNAUTHENTICATED: readonly { readonly re: RegExp; readonly source: string }[] = [
  { re: /^sys\/init$/, source: 'vault/logical_system.go PathsSpecial.Unauthenticated "init"' },
  { re: /^sys\/seal-status$/, source: 'vault/logical_system.go PathsSpecial.Unauthenticated "seal-status"' },
  { re: /^sys\/unseal$/, source: 'vault/logical_system.go PathsSpecial.Unauthenticated "unseal"' },
  { re: /^sys\/leader$/, source: 'vault/logical_system.go PathsSpecial.Unauthenticated "leader"' },
  { re: /^sys\/health$/, source: 'vault/logical_system.go PathsSpecial.Unauthenticated "health"' },
  {
    re: /^sys\/internal\/ui\/mounts(\/.*)?$/,
    source:
      'vault/logical_system.go PathsSpecial.Unauthenticated "internal/ui/mounts", "internal/ui/mounts/*"',
  },
  {
    re: /^sys\/storage\/raft\/bootstrap\/(challenge|answer)$/,
    source: 'vault/logical_system.go PathsSpecial.Unauthenticated "storage/raft/bootstrap/challenge|answer"',
  },
  {
    re: /^sys\/storage\/raft\/join$/,
    source: 'http/handler.go: sys/storage/raft/join handled without a token',
  },
  { re: /^sys\/wrapping\/(lookup|pubkey)$/, source: 'vault/logical_system.go PathsSpecial.Unauthenticated' },
  {
    re: /^auth\/userpass\/login\/.+$/,
    source: 'builtin/credential/userpass backend PathsSpecial.Unauthenticated "login/*"',
  },
  {
    re: /^auth\/approle\/login$/,
    source: 'builtin/credential/approle backend PathsSpecial.Unauthenticated "login"',
  },
];

/**
 * Paths refused with 400 (not 403) without a valid token, as Vault does: unwrap/rewrap
 * authenticate with the wrapping token itself (X-Vault-Token or the body's `token`), and an
 * invalid wrapping token is a 400 (vault/request_handling.go, http/sys_wrapping). Still no data.
 */
const REFUSED_WITH_400 = /^sys\/wrapping\/(unwrap|rewrap)$/;

/** Paths served while sealed (Vault's sealed handlers: init, seal-status, unseal, health, leader, raft join). */
const SEALED_LIFECYCLE = /^sys\/(init|seal-status|unseal|health|leader|storage\/raft\/join)$/;

const METHODS = ['GET', 'LIST', 'PUT', 'POST', 'PATCH', 'DELETE'] as const;

/** Extra API paths beyond the path specs: real secret locations, unknown mounts, and Vault paths Coffer lacks. */
const EXTRA_PATHS = [
  'kv1/app/config',
  'kv2/data/app/config',
  'kv2/metadata/app/config',
  'cubbyhole/app',
  'auth/userpass/users/alice',
  'auth/approle/role/app/role-id',
  'auth/approle/role/app/secret-id',
  'auth/token/lookup-self',
  'auth/token/accessors/',
  'nosuchmount/x',
  'nosuchmount',
  'sys/nosuchpath',
  'sys/raw/core/keyring',
  'sys/leases/lookup',
  'sys/wrapping/lookup',
  'sys/wrapping/unwrap',
  'sys/generate-root/attempt',
  'sys/rekey/init',
  'sys/storage/raft/snapshot',
  'sys/storage/raft/snapshot-force',
  'identity/entity/id/x',
  'sys/metrics',
];

/** Top-level URLs (not under `/v1/<path>`). */
const TOP_LEVEL = [
  '/',
  '/ui',
  '/ui/',
  '/robots.txt',
  '/v1',
  '/v1/',
  '/v2/sys/health',
  '/sys/health',
  '/v1//sys/mounts',
];

let ctx: SecurityServer;
let paths: string[] = [];

function send(
  server: ServerProcess,
  method: string,
  path: string,
  token: string | undefined,
): Promise<HttpResult> {
  const body = method === 'PUT' || method === 'POST' || method === 'PATCH' ? {} : undefined;
  return server.request(method, path, {
    ...(body === undefined ? {} : { body }),
    ...(token === undefined ? {} : { token }),
    ...(method === 'PATCH' ? { headers: { 'Content-Type': 'application/merge-patch+json' } } : {}),
  });
}

function isAllowlisted(path: string): boolean {
  const p = path.replace(/\/$/, '');
  return UNAUTHENTICATED.some((u) => u.re.test(p));
}

/** Sweeps every path × method × credential; returns the list of violations. */
async function sweep(
  server: ServerProcess,
  credentials: readonly (string | undefined)[],
  expect: (path: string, method: string, res: HttpResult) => string | undefined,
): Promise<{ violations: string[]; calls: number; statuses: Map<number, number> }> {
  const violations: string[] = [];
  const statuses = new Map<number, number>();
  let calls = 0;
  for (const path of paths) {
    for (const method of METHODS) {
      for (const token of credentials) {
        const res = await send(server, method, path, token);
        calls++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const who = token === undefined ? 'no token' : 'with token';
        const secrets = leaked(res.text + JSON.stringify(res.headers), ctx.secrets);
        if (secrets.length > 0)
          violations.push(`${method} ${path} (${who}): leaked ${secrets.length} secret(s)`);
        if (res.status >= 500 && res.status !== 503)
          violations.push(`${method} ${path} (${who}): ${res.status} ${res.text}`);
        const problem = expect(path, method, res);
        if (problem !== undefined) violations.push(`${method} ${path} (${who}): ${problem}`);
      }
    }
  }
  return { violations, calls, statuses };
}

before(async () => {
  ctx = await startSecurityServer();
  const inventory = await routeInventory();
  paths = [...new Set([...inventory.map((r) => r.path), ...EXTRA_PATHS])];
  // Every unauthenticated spec path must be on the allowlist (a new one needs a Vault source).
  for (const r of inventory) {
    if (r.unauthenticated)
      assert.ok(isAllowlisted(r.path), `unauthenticated spec path not allowlisted: ${r.path}`);
  }
});

after(async () => {
  if (ctx !== undefined) {
    await ctx.server.stop();
    await removeDir(ctx.server.dir);
  }
});

void describe('unauthenticated route sweep (real server)', () => {
  void it('unsealed: every non-allowlisted route × method refuses a missing or invalid token with 403, no data', async () => {
    const invalid = 'hvs.' + 'A'.repeat(24);
    const { violations, calls, statuses } = await sweep(ctx.server, [undefined, invalid], (path, _m, res) => {
      if (isAllowlisted(path)) return undefined;
      if (
        REFUSED_WITH_400.test(path) &&
        res.status === 400 &&
        Object.keys(res.body ?? {}).join() === 'errors'
      )
        return undefined;
      if (res.status !== 403) return `expected 403, got ${res.status} ${res.text.slice(0, 200)}`;
      const keys = Object.keys(res.body ?? {});
      if (keys.join() !== 'errors') return `refusal body has ${keys.join()}`;
      return undefined;
    });
    console.log(
      `unsealed sweep: ${paths.length} paths, ${calls} calls, statuses ${JSON.stringify([...statuses])}`,
    );
    assert.ok(calls > 2000, `swept ${calls}`);
    assert.deepEqual(violations, []);
  });

  void it('a missing mount is indistinguishable from an existing one without a token (CVE-2020-25594 regression)', async () => {
    for (const token of [undefined, 'hvs.invalid-token-shape']) {
      for (const method of METHODS) {
        const existing = await send(ctx.server, method, 'kv1/app/config', token);
        const missing = await send(ctx.server, method, 'nosuchmount/app/config', token);
        assert.equal(missing.status, existing.status, `${method} ${token ?? 'no token'}`);
        assert.deepEqual(missing.body, existing.body, `${method} ${token ?? 'no token'}`);
      }
    }
    // A valid token without access learns nothing either; root sees the 404.
    const denied = await send(ctx.server, 'GET', 'nosuchmount/x', ctx.userToken);
    assert.equal(denied.status, 403, denied.text);
    const root = await send(ctx.server, 'GET', 'nosuchmount/x', ctx.rootToken);
    assert.equal(root.status, 404, root.text);
  });

  void it('sys/internal/ui/mounts lists no mount to a caller without a token', async () => {
    const res = await ctx.server.request('GET', 'sys/internal/ui/mounts');
    assert.equal(res.status, 200, res.text);
    for (const m of ['kv1/', 'kv2/', 'userpass/', 'approle/', 'cubbyhole/'])
      assert.ok(!res.text.includes(m), m);
  });

  void it('top-level routes outside /v1/<path> answer 404/redirects, never 5xx or data', async () => {
    for (const url of TOP_LEVEL) {
      for (const method of METHODS) {
        const res = await send(ctx.server, method, url, undefined);
        assert.ok(res.status < 500, `${method} ${url}: ${res.status}`);
        assert.ok(
          [301, 307, 400, 403, 404, 405].includes(res.status),
          `${method} ${url}: ${res.status} ${res.text}`,
        );
        assert.deepEqual(leaked(res.text, ctx.secrets), []);
      }
    }
  });

  void it('sealed: every non-lifecycle route × method answers 503 with no data, whatever the token', async () => {
    await ctx.server.stop();
    const restarted = await startServer({ dir: ctx.server.dir });
    ctx = { ...ctx, server: restarted };
    const status = await restarted.request('GET', 'sys/seal-status');
    assert.equal(status.body?.['sealed'], true);
    const { violations, calls } = await sweep(restarted, [undefined, ctx.rootToken], (path, method, res) => {
      const p = path.replace(/\/$/, '');
      if (res.body?.['data'] !== undefined) return 'data in a sealed answer';
      // Lifecycle paths answer (or 503 where Vault does: leader, LIST forms); the 5xx check is above.
      if (SEALED_LIFECYCLE.test(p)) return undefined;
      // sys/metrics checks the token before the core (403); Vault answers 503. Still a refusal.
      if (p === 'sys/metrics' && method === 'GET' && res.status === 403) return undefined;
      if (res.status !== 503) return `expected 503, got ${res.status} ${res.text.slice(0, 200)}`;
      return undefined;
    });
    console.log(`sealed sweep: ${calls} calls`);
    assert.deepEqual(violations, []);
  });
});
