/**
 * ACL differential fuzz (fault-matrix §5c "Policy matching fuzz", GHSA-xp3c-3jw3-4vcr,
 * CVE-2026-3605): seeded random policies against src/acl's ACL and against the independent
 * reference in acl-reference.ts, then a few hundred cases end to end through a real server
 * (policy written over the API, token created, path called). The seed is printed on failure;
 * `ACL_FUZZ_SEED=<n>` reruns one seed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACL, parsePolicy } from '../../packages/server/src/acl/index.js';
import { removeDir } from '../../packages/server/test/e2e/harness.js';
import {
  mergedCapabilities,
  referenceAllowed,
  winningRule,
  type RefOperation,
  type RefRule,
} from './acl-reference.js';
import { engineSpecs } from './route-inventory.js';
import { startSecurityServer, type SecurityServer } from './security-server.js';

/** mulberry32: small, seedable, independent of the code under test. */
function rng(seed: number): {
  int(n: number): number;
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
} {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (n) => Math.floor(next() * n),
    chance: (p) => next() < p,
    pick: (xs) => xs[Math.floor(next() * xs.length)] as (typeof xs)[number],
  };
}

type Rng = ReturnType<typeof rng>;

const WORDS = ['a', 'b', 'ab', 'ba', 'abc', 'A', 'é', 'e\u0301', 'ü', 'x y', '%2e', 'a.b', '-', '_'];
const PATH_EXTRA = ['', '.', '..', '+', '*', 'ａ', 'a%2Fb', '%'];
const CAPS = ['create', 'read', 'update', 'delete', 'list', 'patch', 'sudo'];
const OPS: readonly RefOperation[] = ['read', 'list', 'create', 'update', 'delete', 'patch'];

function randomPattern(r: Rng, roots: readonly string[]): string {
  const segs = Array.from({ length: r.int(4) + 1 }, () => (r.chance(0.3) ? '+' : r.pick(WORDS)));
  let p = (roots.length > 0 && r.chance(0.6) ? r.pick(roots) : '') + segs.join('/');
  switch (r.int(5)) {
    case 0:
      p += '/*';
      break;
    case 1:
      if (!p.endsWith('+')) p = p.slice(0, p.length - r.int(2)) + '*';
      break;
    case 2:
      p += '/';
      break;
    default:
      break;
  }
  return p === '' ? '*' : p;
}

function randomCaps(r: Rng): string[] {
  const caps = CAPS.filter(() => r.chance(0.35));
  if (r.chance(0.1)) caps.push('deny');
  return [...new Set(caps)];
}

function randomSegments(r: Rng): string[] {
  return Array.from({ length: r.int(5) + 1 }, () => (r.chance(0.15) ? r.pick(PATH_EXTRA) : r.pick(WORDS)));
}

function hcl(rules: readonly RefRule[]): string {
  return rules
    .map((x) => `path ${JSON.stringify(x.path)} { capabilities = ${JSON.stringify(x.capabilities)} }`)
    .join('\n');
}

/** Splits rules into 1–3 policies (same path may appear in several: merged by union, deny wins). */
function randomPolicies(r: Rng, rules: readonly RefRule[]): RefRule[][] {
  const n = r.int(3) + 1;
  const out: RefRule[][] = Array.from({ length: n }, () => []);
  for (const rule of rules) out[r.int(n)]?.push(rule);
  return out.filter((p) => p.length > 0);
}

function randomRules(r: Rng, roots: readonly string[]): RefRule[] {
  const patterns = Array.from({ length: r.int(8) + 1 }, () => randomPattern(r, roots));
  // Overlap: the same path string again with other capabilities.
  if (r.chance(0.4)) patterns.push(r.pick(patterns));
  return patterns.map((path) => ({ path, capabilities: randomCaps(r) }));
}

const SEEDS = Number(process.env['ACL_FUZZ_SEEDS'] ?? '1500');
const ONLY = process.env['ACL_FUZZ_SEED'];

void describe('ACL differential fuzz (in process)', () => {
  void it('the reference agrees with the documented priority examples', () => {
    const rules = (paths: string[]): RefRule[] => paths.map((path) => ({ path, capabilities: ['read'] }));
    assert.equal(
      winningRule(rules(['secret/+/bar', 'secret/foo/*']), 'secret/foo/bar', false),
      'secret/foo/*',
    );
    assert.equal(winningRule(rules(['secret/*', 'secret/+/bar']), 'secret/foo/bar', false), 'secret/+/bar');
    assert.equal(
      winningRule(rules(['foo/+/bar/b*', 'foo/+/bar/ba*']), 'foo/x/bar/baz', false),
      'foo/+/bar/ba*',
    );
    assert.equal(winningRule(rules(['foo/+', 'foo/*']), 'foo/x', false), 'foo/+');
    assert.equal(
      winningRule(rules(['foo/bar/+/baz', 'foo/+/+/baz']), 'foo/bar/x/baz', false),
      'foo/bar/+/baz',
    );
    assert.equal(winningRule(rules(['secret/zip-*']), 'secret/zip-zap/zong', false), 'secret/zip-*');
    assert.equal(winningRule(rules(['secret/foo']), 'secret/foo/', true), 'secret/foo');
    assert.equal(winningRule(rules(['secret/foo']), 'secret/foo/', false), undefined);
    // deny on the same path string in another policy wins over everything.
    assert.deepEqual(
      mergedCapabilities(
        [
          { path: 'a/*', capabilities: ['read', 'sudo'] },
          { path: 'a/*', capabilities: ['deny'] },
        ],
        'a/*',
      ),
      ['deny'],
    );
  });

  void it(`agrees with the reference on allowed/denied and capabilities (${SEEDS} seeds × 25 paths × 6 ops)`, () => {
    let cases = 0;
    let allowed = 0;
    const seeds = ONLY === undefined ? Array.from({ length: SEEDS }, (_, i) => i + 1) : [Number(ONLY)];
    for (const seed of seeds) {
      const r = rng(seed);
      const rules = randomRules(r, []);
      const policies = randomPolicies(r, rules).map((p, i) => parsePolicy(`p${seed}-${i}`, hcl(p)));
      const acl = new ACL(policies);
      for (let i = 0; i < 25; i++) {
        const segs = randomSegments(r);
        // Sometimes a path built from a rule, so long rules get hit too.
        const base = r.chance(0.3)
          ? r
              .pick(rules)
              .path.replace(/\*$/, r.pick(['', 'x', '/y']))
              .replace(/(^|\/)\+(?=\/|$)/g, (_m, lead: string) => lead + r.pick(WORDS))
          : segs.join('/');
        for (const op of OPS) {
          const list = op === 'list';
          const path = list && !base.endsWith('/') ? `${base}/` : base;
          const rootProtected = r.chance(0.2);
          const expected = referenceAllowed(rules, path, op, rootProtected);
          const actual = acl.check({ operation: op, path, rootProtected }).allowed;
          cases++;
          if (expected) allowed++;
          assert.equal(
            actual,
            expected,
            `ACL_FUZZ_SEED=${seed}: ${op.toUpperCase()} ${JSON.stringify(path)} sudo-needed=${rootProtected} rules ${JSON.stringify(rules)} (reference winner ${JSON.stringify(winningRule(rules, path, list))})`,
          );
        }
        assert.deepEqual(
          [...acl.capabilities(base)].sort(),
          mergedCapabilities(rules, winningRule(rules, base, true)),
          `ACL_FUZZ_SEED=${seed}: capabilities of ${JSON.stringify(base)}; rules ${JSON.stringify(rules)}`,
        );
      }
    }
    console.log(`acl fuzz: ${cases} cases, ${allowed} allowed`);
    if (ONLY === undefined) {
      assert.ok(cases >= 100_000 || SEEDS < 1500, `${cases} cases`);
      assert.ok(allowed > cases / 50, `enough allowed cases (${allowed})`);
    }
  });
});

// ---- end to end --------------------------------------------------------------------------------

let ctx: SecurityServer | undefined;

/** Go's path.Clean on `/v1/<p>` (trailing slash kept), to predict the server's 301 redirect. */
function isClean(p: string): boolean {
  const segs = p.split('/');
  const inner = p.endsWith('/') ? segs.slice(0, -1) : segs;
  return inner.every((s) => s !== '' && s !== '.' && s !== '..');
}

function rootProtectedOf(specs: Awaited<ReturnType<typeof engineSpecs>>, path: string): boolean {
  for (const { mount, paths } of specs) {
    if (!path.startsWith(mount)) continue;
    const rel = path.slice(mount.length);
    const spec = paths.find((s) => new RegExp(`^(?:${s.pattern})$`).test(rel));
    return spec?.rootProtected === true;
  }
  return false;
}

before(async () => {
  ctx = await startSecurityServer();
});
after(async () => {
  if (ctx !== undefined) {
    await ctx.server.stop();
    await removeDir(ctx.server.dir);
  }
});

void describe('ACL differential fuzz (end to end, real server)', () => {
  void it('a few hundred random policy/token/path cases give the reference decision over HTTP', async () => {
    assert.ok(ctx !== undefined);
    const { server, rootToken } = ctx;
    const specs = await engineSpecs();
    const roots = [
      'kv1/',
      'kv2/data/',
      'kv2/metadata/',
      'nosuch/',
      'sys/audit',
      'sys/policy/',
      'auth/token/',
    ];
    const cases = Number(process.env['ACL_E2E_CASES'] ?? '300');
    let allowed = 0;
    let redirects = 0;
    const started = Date.now();
    for (let seed = 1; seed <= cases && Date.now() - started < 240_000; seed++) {
      const r = rng(10_000 + seed);
      const rules = randomRules(r, roots);
      const names: string[] = [];
      for (const [i, p] of randomPolicies(r, rules).entries()) {
        const name = `fuzz-${seed}-${i}`;
        const w = await server.request('PUT', `sys/policies/acl/${name}`, {
          token: rootToken,
          body: { policy: hcl(p) },
        });
        assert.equal(w.status, 204, `seed ${seed}: policy write ${w.text}`);
        names.push(name);
      }
      const created = await server.request('POST', 'auth/token/create', {
        token: rootToken,
        body: { policies: names, no_default_policy: true, ttl: '10m' },
      });
      assert.equal(created.status, 200, created.text);
      const token = String((created.body?.['auth'] as Record<string, unknown>)['client_token']);

      const method = r.pick(['GET', 'LIST', 'DELETE'] as const);
      const op: RefOperation = method === 'GET' ? 'read' : method === 'LIST' ? 'list' : 'delete';
      const fromRule = r
        .pick(rules)
        .path.replace(/\*$/, r.pick(['', 'x', '/y', '/']))
        .replace(/(^|\/)\+(?=\/|$)/g, (_m, lead: string) => lead + r.pick(WORDS));
      const segs = r.chance(0.7)
        ? fromRule.split('/')
        : [
            ...r
              .pick(roots)
              .split('/')
              .filter((s) => s !== ''),
            ...randomSegments(r),
          ];
      if (r.chance(0.2)) segs.push('');
      // Segments are percent-encoded on the wire, except dots sometimes sent as %2e.
      const wire = segs.map((s) => (s === '.' && r.chance(0.5) ? '%2e' : encodeURIComponent(s))).join('/');
      const decoded = segs.join('/');
      const res = await server.request(method, wire, { token });

      const why = `ACL_FUZZ_SEED=${10_000 + seed} (e2e): ${method} /v1/${wire} rules ${JSON.stringify(rules)}`;
      assert.ok(res.status < 500, `${why}: ${res.status} ${res.text}`);
      if (!isClean(decoded)) {
        // `.`/`..`/empty segments never reach the ACL: Go-style clean-path redirect.
        assert.equal(res.status, 301, `${why}: ${res.text}`);
        redirects++;
        continue;
      }
      if (decoded.endsWith('.')) {
        assert.equal(res.status, 404, why);
        continue;
      }
      const path = op === 'list' && !decoded.endsWith('/') ? `${decoded}/` : decoded;
      const expected = referenceAllowed(rules, path, op, rootProtectedOf(specs, path));
      if (expected) allowed++;
      assert.equal(res.status !== 403, expected, `${why}: got ${res.status} ${res.text}`);
    }
    console.log(`acl e2e: ${cases} cases, ${allowed} allowed, ${redirects} clean-path redirects`);
    assert.ok(allowed >= 10, `enough allowed e2e cases (${allowed})`);
  });
});
