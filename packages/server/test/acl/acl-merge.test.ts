import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACL, parsePolicy } from '../../src/acl/index.js';

function acl(...texts: string[]): ACL {
  return new ACL(texts.map((t, i) => parsePolicy(`p${i}`, t)));
}

void describe('ACL merging of policies', () => {
  void it('unions capabilities for the same path across policies', () => {
    const a = acl('path "s/x" { capabilities = ["read"] }', 'path "s/x" { capabilities = ["update"] }');
    assert.deepEqual(a.capabilities('s/x'), ['read', 'update']);
  });

  void it('unions repeated stanzas inside one policy', () => {
    assert.deepEqual(
      acl('path "s/*" { capabilities = ["read"] }\npath "s/*" { capabilities = ["list"] }').capabilities(
        's/y',
      ),
      ['list', 'read'],
    );
  });

  void it('lets deny win within the same path, in either order', () => {
    const read = 'path "s/x" { capabilities = ["read", "sudo"] }';
    const deny = 'path "s/x" { capabilities = ["deny"] }';
    for (const a of [acl(read, deny), acl(deny, read)]) {
      assert.deepEqual(a.capabilities('s/x'), ['deny']);
      const r = a.check({ operation: 'read', path: 's/x', rootProtected: true });
      assert.deepEqual([r.allowed, r.rootPrivs], [false, false]);
    }
  });

  void it('does not let deny on one path reach a different, more specific path', () => {
    const a = acl('path "s/*" { capabilities = ["deny"] }', 'path "s/x" { capabilities = ["read"] }');
    assert.equal(a.check({ operation: 'read', path: 's/x' }).allowed, true);
    assert.equal(a.check({ operation: 'read', path: 's/y' }).allowed, false);
  });

  void it('keeps exact, prefix and segment rules with similar text apart', () => {
    const a = acl(
      'path "s/x" { capabilities = ["read"] }',
      'path "s/x*" { capabilities = ["list"] }',
      'path "s/+" { capabilities = ["update"] }',
    );
    assert.deepEqual(a.capabilities('s/x'), ['read']);
    assert.deepEqual(a.capabilities('s/xy'), ['list']);
    assert.deepEqual(a.capabilities('s/y'), ['update']);
  });

  void it('merges allowed parameters: values appended, [] wins, a restricted rule restricts the merged path', () => {
    const a = acl(
      'path "s/x" { capabilities = ["update"] allowed_parameters = { "a" = ["1"], "b" = [] } }',
      'path "s/x" { capabilities = ["update"] allowed_parameters = { "a" = ["2"], "b" = ["z"], "c" = ["3"] } }',
    );
    const ok = (data: Record<string, unknown>): boolean =>
      a.check({ operation: 'update', path: 's/x', data }).allowed;
    assert.equal(ok({ a: '1' }), true);
    assert.equal(ok({ a: '2' }), true);
    assert.equal(ok({ a: '3' }), false);
    assert.equal(ok({ b: 'anything' }), true);
    assert.equal(ok({ c: '3' }), true);
    assert.equal(ok({ d: '1' }), false);
    // Vault's rule: one unrestricted and one restricted grant on the same path give a restricted path.
    const mixed = acl(
      'path "s/y" { capabilities = ["update"] }',
      'path "s/y" { capabilities = ["read"] allowed_parameters = { "a" = [] } }',
    );
    assert.equal(mixed.check({ operation: 'update', path: 's/y', data: { b: 1 } }).allowed, false);
  });

  void it('merges denied parameters and unions required parameters', () => {
    const a = acl(
      'path "s/x" { capabilities = ["update"] denied_parameters = { "a" = ["1"] } required_parameters = ["r1"] }',
      'path "s/x" { capabilities = ["update"] denied_parameters = { "a" = ["2"] } required_parameters = ["r2", "r1"] }',
    );
    const ok = (data: Record<string, unknown>): boolean =>
      a.check({ operation: 'update', path: 's/x', data }).allowed;
    assert.equal(ok({ r1: 1, r2: 1, a: '3' }), true);
    assert.equal(ok({ r1: 1, r2: 1, a: '1' }), false);
    assert.equal(ok({ r1: 1, r2: 1, a: '2' }), false);
    assert.equal(ok({ r1: 1, a: '3' }), false);
  });

  void it('takes the lower of merged wrapping TTLs', () => {
    const a = acl(
      'path "s/x" { capabilities = ["update"] min_wrapping_ttl = 10 max_wrapping_ttl = 300 }',
      'path "s/x" { capabilities = ["update"] min_wrapping_ttl = 5 max_wrapping_ttl = 100 }',
    );
    const ok = (wrapTtl?: number): boolean => a.check({ operation: 'update', path: 's/x', wrapTtl }).allowed;
    assert.equal(ok(5), true);
    assert.equal(ok(100), true);
    assert.equal(ok(101), false);
    assert.equal(ok(4), false);
    assert.equal(ok(undefined), false, 'wrapping is mandatory once a TTL bound is set');
  });

  void it('denies when merging makes max_wrapping_ttl lower than min_wrapping_ttl', () => {
    const a = acl(
      'path "s/x" { capabilities = ["update"] min_wrapping_ttl = 60 }',
      'path "s/x" { capabilities = ["update"] max_wrapping_ttl = 30 }',
    );
    for (const ttl of [10, 30, 45, 60, 90])
      assert.equal(a.check({ operation: 'update', path: 's/x', wrapTtl: ttl }).allowed, false, String(ttl));
  });
});
