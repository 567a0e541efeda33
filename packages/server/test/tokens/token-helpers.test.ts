import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CofferError } from '../../src/errors/coffer-error.js';
import { calculateTtl, type TtlInputs } from '../../src/tokens/calculate-ttl.js';
import { globMatch } from '../../src/tokens/glob-match.js';
import { humanDuration } from '../../src/tokens/human-duration.js';
import { randomBase62 } from '../../src/tokens/random-base62.js';
import { sanitizePolicies } from '../../src/tokens/sanitize-policies.js';

const base: TtlInputs = {
  defaultLeaseTtl: 3600,
  maxLeaseTtl: 7200,
  increment: 0,
  backendTtl: 0,
  period: 0,
  backendMaxTtl: 0,
  explicitMaxTtl: 0,
  startTime: 1000,
  now: 1000,
};

void describe('calculateTtl (Vault CalculateTTL)', () => {
  void it('picks increment, else backend TTL, else the default', () => {
    assert.equal(calculateTtl(base).ttl, 3600);
    assert.equal(calculateTtl({ ...base, backendTtl: 60 }).ttl, 60);
    assert.equal(calculateTtl({ ...base, backendTtl: 60, increment: 120 }).ttl, 120);
  });

  void it('caps at the smallest of system max, backend max and explicit max, from the start time', () => {
    const r = calculateTtl({ ...base, increment: 10_000 });
    assert.equal(r.ttl, 7200);
    assert.deepEqual(r.warnings, [
      'TTL of "2h46m40s" exceeded the effective max_ttl of "2h"; TTL value is capped accordingly',
    ]);
    assert.equal(calculateTtl({ ...base, increment: 10_000, backendMaxTtl: 100 }).ttl, 100);
    assert.equal(
      calculateTtl({ ...base, increment: 10_000, backendMaxTtl: 100, explicitMaxTtl: 50 }).ttl,
      50,
    );
    assert.equal(calculateTtl({ ...base, increment: 10_000, now: 1000 + 7000 }).ttl, 200);
    assert.throws(
      () => calculateTtl({ ...base, now: 1000 + 7200 }),
      (e) => e instanceof CofferError && e.message === 'past the max TTL, cannot renew',
    );
  });

  void it('periodic: period capped by the effective max, and only explicit max bounds the lifetime', () => {
    assert.equal(calculateTtl({ ...base, period: 600, now: 1_000_000 }).ttl, 600);
    const capped = calculateTtl({ ...base, period: 9000 });
    assert.equal(capped.ttl, 7200);
    assert.match(capped.warnings[0] ?? '', /^period of "2h30m" exceeded the effective max_ttl of "2h"/);
    assert.equal(calculateTtl({ ...base, period: 600, explicitMaxTtl: 1000, now: 1500 }).ttl, 500);
  });
});

void describe('token store helpers', () => {
  void it('sanitizePolicies normalises like Vault policyutil', () => {
    assert.deepEqual(sanitizePolicies(['B', ' a ', 'b', ''], false), ['a', 'b']);
    assert.deepEqual(sanitizePolicies(['b'], true), ['b', 'default']);
    assert.deepEqual(sanitizePolicies([], true), ['default']);
    assert.deepEqual(sanitizePolicies(['x', 'Root', 'y'], true), ['root']);
  });

  void it('globMatch supports * anywhere', () => {
    assert.ok(globMatch('team-*', 'team-a'));
    assert.ok(globMatch('*-admin', 'ops-admin'));
    assert.ok(globMatch('a*b*c', 'aXXbYYc'));
    assert.ok(globMatch('*', 'anything'));
    assert.ok(!globMatch('team-*', 'teams'));
    assert.ok(!globMatch('a*b*c', 'acb'));
    assert.ok(globMatch('exact', 'exact'));
    assert.ok(!globMatch('exact', 'exactly'));
  });

  void it('humanDuration drops zero units as Vault prints them', () => {
    assert.equal(humanDuration(0), '0s');
    assert.equal(humanDuration(3600), '1h');
    assert.equal(humanDuration(5400), '1h30m');
    assert.equal(humanDuration(3630), '1h30s');
    assert.equal(humanDuration(90), '1m30s');
    assert.equal(humanDuration(768 * 3600), '768h');
  });

  void it('randomBase62 yields the requested length from the base62 alphabet, without repeats', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const s = randomBase62(24);
      assert.match(s, /^[A-Za-z0-9]{24}$/);
      seen.add(s);
    }
    assert.equal(seen.size, 200);
    const all = randomBase62(20_000);
    assert.equal(new Set(all).size, 62, 'every symbol shows up');
  });
});
