import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACL, parsePolicy } from '../../src/acl/index.js';
import { SeededRandom } from '../hcl/seeded-random.js';

/**
 * An independent, deliberately naive model of Vault's documented path matching: every pattern
 * becomes a regular expression (`+` = one segment, trailing `*` = any suffix), exact patterns win
 * outright, and among matching wildcard patterns the documented priority order picks one:
 * later first `+`/`*` wins; then not ending in `*`; then fewer `+` segments; then longer; then
 * lexicographically greater. LIST also accepts the exact rule without the trailing slash and
 * tries the path without its slash first. Leading slashes of the request path are ignored.
 */
function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isWildcard(pattern: string): boolean {
  return pattern.endsWith('*') || pattern.split('/').includes('+');
}

function matches(pattern: string, path: string): boolean {
  const prefix = pattern.endsWith('*');
  const body = prefix ? pattern.slice(0, -1) : pattern;
  const source = body
    .split('/')
    .map((seg) => (seg === '+' ? '[^/]*' : escapeRegExp(seg)))
    .join('/');
  return new RegExp(`^${source}${prefix ? '' : '$'}`).test(path);
}

function priorityKey(pattern: string): [number, number, number, number, string] {
  const body = pattern.endsWith('*') ? pattern.slice(0, -1) : pattern;
  const firstPlus = pattern.split('/').includes('+') ? pattern.indexOf('+') : Infinity;
  const firstStar = pattern.endsWith('*') ? pattern.length - 1 : Infinity;
  const plusSegments = pattern.split('/').filter((s) => s === '+').length;
  return [Math.min(firstPlus, firstStar), pattern.endsWith('*') ? 0 : 1, -plusSegments, body.length, body];
}

function higher(a: string, b: string): boolean {
  const ka = priorityKey(a);
  const kb = priorityKey(b);
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i]) return (ka[i] ?? 0) > (kb[i] ?? 0);
  }
  return false;
}

function bestWildcard(patterns: readonly string[], path: string): string | undefined {
  let best: string | undefined;
  for (const p of patterns) {
    if (isWildcard(p) && matches(p, path) && (best === undefined || higher(p, best))) best = p;
  }
  return best;
}

function referenceWinner(patterns: readonly string[], rawPath: string, list: boolean): string | undefined {
  const path = rawPath.replace(/^\/+/, ''); // request paths never start with '/'
  const exact = (p: string): string | undefined => patterns.find((x) => !isWildcard(x) && x === p);
  const direct = exact(path);
  if (direct !== undefined) return direct;
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  if (list) {
    const exactTrimmed = exact(trimmed);
    if (exactTrimmed !== undefined) return exactTrimmed;
    if (path.endsWith('/')) {
      const viaTrimmed = bestWildcard(patterns, trimmed);
      if (viaTrimmed !== undefined) return viaTrimmed;
    }
  }
  return bestWildcard(patterns, path);
}

const WORDS = ['a', 'b', 'ab', 'ba', 'abc'];

function randomPattern(rnd: SeededRandom): string {
  const segments = Array.from({ length: rnd.int(4) + 1 }, () => (rnd.chance(0.3) ? '+' : rnd.pick(WORDS)));
  const last = segments[segments.length - 1] ?? '';
  switch (rnd.int(4)) {
    case 0:
      return segments.join('/') + '/*';
    case 1:
      if (last === '+') return segments.join('/');
      segments[segments.length - 1] = last.slice(0, rnd.int(last.length + 1)) + '*';
      return segments.join('/');
    default:
      return segments.join('/');
  }
}

function randomPath(rnd: SeededRandom): string {
  const segments = Array.from({ length: rnd.int(5) + 1 }, () => (rnd.chance(0.05) ? '' : rnd.pick(WORDS)));
  return segments.join('/') + (rnd.chance(0.3) ? '/' : '');
}

void describe('ACL priority (seeded differential fuzz against a reference matcher)', () => {
  void it('the reference model agrees with the documented examples', () => {
    assert.equal(referenceWinner(['secret/+/bar', 'secret/foo/*'], 'secret/foo/bar', false), 'secret/foo/*');
    assert.equal(referenceWinner(['secret/*', 'secret/+/bar'], 'secret/foo/bar', false), 'secret/+/bar');
    assert.equal(referenceWinner(['foo/+/bar/b*', 'foo/+/bar/ba*'], 'foo/x/bar/baz', false), 'foo/+/bar/ba*');
  });

  void it('picks the same winning rule as the reference for 600 random rule sets × 20 paths × read/list', () => {
    let decided = 0;
    for (let seed = 1; seed <= 600; seed++) {
      const rnd = new SeededRandom(seed);
      const patterns = [...new Set(Array.from({ length: rnd.int(8) + 1 }, () => randomPattern(rnd)))];
      const caps = ['read', 'list', 'update', 'create'];
      const policy = parsePolicy(
        `seed-${seed}`,
        patterns
          .map(
            (p) =>
              `path ${JSON.stringify(p)} { capabilities = ${JSON.stringify(caps.slice(0, rnd.int(4) + 1))} }`,
          )
          .join('\n'),
      );
      const acl = new ACL([policy]);
      for (let i = 0; i < 20; i++) {
        const path = randomPath(rnd);
        for (const list of [false, true]) {
          const expected = referenceWinner(patterns, path, list);
          const actual = acl.check({ operation: list ? 'list' : 'read', path }).matchedPath;
          assert.equal(
            actual,
            expected,
            `seed ${seed}: rules ${JSON.stringify(patterns)}, ${list ? 'LIST' : 'READ'} ${path}`,
          );
          if (expected !== undefined) decided++;
        }
        const rule = policy.paths.find((r) => r.path === referenceWinner(patterns, path, true));
        assert.deepEqual(
          acl.capabilities(path),
          rule === undefined || rule.capabilities.length === 0 ? ['deny'] : [...rule.capabilities].sort(),
        );
      }
    }
    assert.ok(decided > 5000, `enough paths matched some rule (${decided})`);
  });
});
