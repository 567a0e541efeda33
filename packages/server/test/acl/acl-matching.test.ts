import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACL, parsePolicy, ROOT_POLICY } from '../../src/acl/index.js';
import { CofferError } from '../../src/errors/coffer-error.js';
import type { Operation } from '../../src/logical/operation.js';

/** An ACL from policy texts (one policy each). */
function acl(...texts: string[]): ACL {
  return new ACL(texts.map((t, i) => parsePolicy(`p${i}`, t)));
}

/** A one-policy ACL granting `caps` on each pattern. */
function rules(spec: Record<string, string[]>): ACL {
  return acl(
    Object.entries(spec)
      .map(([path, caps]) => `path ${JSON.stringify(path)} { capabilities = ${JSON.stringify(caps)} }`)
      .join('\n'),
  );
}

const allowed = (a: ACL, operation: Operation, path: string): boolean => a.check({ operation, path }).allowed;
const winner = (a: ACL, path: string, operation: Operation = 'read'): string | undefined =>
  a.check({ operation, path }).matchedPath;

void describe('ACL matching', () => {
  void it('denies by default', () => {
    const empty = new ACL([]);
    assert.deepEqual(empty.check({ operation: 'read', path: 'secret/foo' }), {
      allowed: false,
      isRoot: false,
      rootPrivs: false,
      capabilities: ['deny'],
      grantingPolicies: [],
      matchedPath: undefined,
    });
    assert.deepEqual(empty.capabilities('secret/foo'), ['deny']);
    assert.equal(allowed(rules({ 'secret/foo': ['read'] }), 'read', 'secret/bar'), false);
  });

  void it('maps each operation to its capability', () => {
    const ops: Operation[] = ['create', 'read', 'update', 'patch', 'delete', 'list'];
    for (const cap of ops) {
      const a = rules({ 'x/y': [cap] });
      for (const op of ops) assert.equal(allowed(a, op, 'x/y'), op === cap, `${cap} grants ${op}?`);
    }
  });

  void it('matches exact paths exactly', () => {
    const a = rules({ 'secret/foo': ['read'] });
    assert.equal(allowed(a, 'read', 'secret/foo'), true);
    assert.equal(allowed(a, 'read', '/secret/foo'), true, 'a leading slash is ignored');
    for (const p of ['secret/foo/', 'secret/fo', 'secret/foo/bar', 'secret/foobar', 'Secret/foo'])
      assert.equal(allowed(a, 'read', p), false, p);
  });

  void it('treats a trailing * as a prefix match, not a segment match', () => {
    const a = rules({ 'secret/zip-*': ['read'], '*': ['list'] });
    assert.equal(winner(a, 'secret/zip-zap'), 'secret/zip-*');
    assert.equal(winner(a, 'secret/zip-zap/zong'), 'secret/zip-*');
    assert.equal(winner(a, 'secret/zip-'), 'secret/zip-*');
    assert.equal(winner(a, 'secret/zip'), '*');
    assert.equal(winner(a, 'anything/at/all'), '*');
  });

  void it('treats * elsewhere than the end literally', () => {
    const a = rules({ 'secret/*/foo': ['read'] });
    assert.equal(allowed(a, 'read', 'secret/*/foo'), true);
    assert.equal(allowed(a, 'read', 'secret/x/foo'), false);
  });

  void it('matches + against exactly one segment (possibly empty)', () => {
    const a = rules({ 'secret/+/teamb': ['read'] });
    assert.equal(allowed(a, 'read', 'secret/foo/teamb'), true);
    assert.equal(allowed(a, 'read', 'secret//teamb'), true);
    for (const p of ['secret/teamb', 'secret/a/b/teamb', 'secret/foo/teamb/x', 'secret/foo/teambx'])
      assert.equal(allowed(a, 'read', p), false, p);
    const top = rules({ '+': ['read'], '+/x': ['list'] });
    assert.equal(winner(top, 'anything'), '+');
    assert.equal(winner(top, 'a/x', 'list'), '+/x');
    assert.equal(allowed(top, 'read', 'a/b'), false);
  });

  void it('combines + with a trailing *', () => {
    const a = rules({ 'secret/+/app-*': ['read'], 'kv/+/*': ['read'] });
    assert.equal(allowed(a, 'read', 'secret/team/app-1'), true);
    assert.equal(allowed(a, 'read', 'secret/team/app-1/deep/er'), true);
    assert.equal(allowed(a, 'read', 'secret/team/ap'), false);
    assert.equal(allowed(a, 'read', 'kv/a/'), true);
    assert.equal(allowed(a, 'read', 'kv/a/b/c'), true);
    assert.equal(allowed(a, 'read', 'kv/a'), false, 'kv/+/* needs the slash after the + segment');
  });

  void describe('priority between overlapping rules (only the winner applies)', () => {
    void it('an exact rule beats every wildcard rule', () => {
      const a = rules({ 'secret/*': ['create'], 'secret/foo': ['read'], 'secret/+': ['update'] });
      assert.deepEqual(a.capabilities('secret/foo'), ['read']);
      assert.equal(allowed(a, 'create', 'secret/foo'), false, 'secret/* does not add to the exact rule');
      assert.deepEqual(a.capabilities('secret/bar'), ['update']);
    });

    void it('a later first wildcard wins: secret/foo/* beats secret/+/bar', () => {
      const a = rules({ 'secret/+/bar': ['read'], 'secret/foo/*': ['list'] });
      assert.equal(winner(a, 'secret/foo/bar'), 'secret/foo/*');
      assert.equal(winner(a, 'secret/baz/bar'), 'secret/+/bar');
    });

    void it('a later first wildcard wins: foo/a* beats foo/+, foo/bar/+/baz beats foo/+/+/baz', () => {
      assert.equal(winner(rules({ 'foo/+': ['read'], 'foo/a*': ['read'] }), 'foo/ab'), 'foo/a*');
      assert.equal(
        winner(rules({ 'foo/+/+/baz': ['read'], 'foo/bar/+/baz': ['read'] }), 'foo/bar/x/baz'),
        'foo/bar/+/baz',
      );
    });

    void it('at the same position, not ending in * wins: secret/+/bar beats secret/*, foo/+ beats foo/*', () => {
      assert.equal(
        winner(rules({ 'secret/*': ['read'], 'secret/+/bar': ['list'] }), 'secret/foo/bar'),
        'secret/+/bar',
      );
      assert.equal(winner(rules({ 'foo/*': ['read'], 'foo/+': ['read'] }), 'foo/x'), 'foo/+');
      assert.equal(winner(rules({ 'foo/+/ba*': ['read'], 'foo/+/bar': ['read'] }), 'foo/x/bar'), 'foo/+/bar');
    });

    void it('then fewer + segments win', () => {
      assert.equal(winner(rules({ 'a/+/+/c': ['read'], 'a/+/b/c': ['read'] }), 'a/x/b/c'), 'a/+/b/c');
      assert.equal(winner(rules({ 'a/+/+/*': ['read'], 'a/+/b/*': ['read'] }), 'a/x/b/c'), 'a/+/b/*');
    });

    void it('then the longer rule wins', () => {
      assert.equal(
        winner(rules({ 'foo/+/bar/b*': ['read'], 'foo/+/bar/ba*': ['read'] }), 'foo/x/bar/baz'),
        'foo/+/bar/ba*',
      );
      assert.equal(
        winner(rules({ 'secret/*': ['read'], 'secret/foo/*': ['read'] }), 'secret/foo/x'),
        'secret/foo/*',
      );
    });

    void it('then the lexicographically greater rule wins', () => {
      assert.equal(
        winner(rules({ 'foo/+/+/baz': ['read'], 'foo/+/bar/+': ['read'] }), 'foo/a/bar/baz'),
        'foo/+/bar/+',
      );
    });

    void it('a more specific rule that grants nothing still shadows a broader one', () => {
      const a = rules({ 'secret/*': ['read'], 'secret/private/*': [] });
      assert.equal(allowed(a, 'read', 'secret/public'), true);
      assert.equal(allowed(a, 'read', 'secret/private/key'), false);
    });
  });

  void describe('list on folders', () => {
    void it('LIST foo/ is allowed by list on foo/, foo or foo/*', () => {
      for (const pattern of ['secret/metadata/', 'secret/metadata', 'secret/metadata/*', 'secret/+/']) {
        assert.equal(allowed(rules({ [pattern]: ['list'] }), 'list', 'secret/metadata/'), true, pattern);
      }
    });

    void it('READ does not get the trailing-slash fallback', () => {
      assert.equal(allowed(rules({ 'secret/metadata': ['read'] }), 'read', 'secret/metadata/'), false);
    });

    void it('LIST checks the path without its slash before the path with it (Vault order)', () => {
      const a = rules({ 'secret/meta*': ['read'], 'secret/metadata/*': ['list'] });
      assert.equal(winner(a, 'secret/metadata/', 'list'), 'secret/meta*');
      assert.equal(allowed(a, 'list', 'secret/metadata/'), false);
    });

    void it('needs the list capability, not read', () => {
      assert.equal(allowed(rules({ 'secret/metadata/*': ['read'] }), 'list', 'secret/metadata/'), false);
    });
  });

  void describe('sudo on root-protected paths', () => {
    void it('requires sudo in addition to the operation capability', () => {
      const withSudo = rules({ 'sys/audit/*': ['update', 'sudo'] });
      const without = rules({ 'sys/audit/*': ['update'] });
      assert.deepEqual(
        [withSudo.check({ operation: 'update', path: 'sys/audit/file', rootProtected: true })].map((r) => [
          r.allowed,
          r.rootPrivs,
        ]),
        [[true, true]],
      );
      const denied = without.check({ operation: 'update', path: 'sys/audit/file', rootProtected: true });
      assert.deepEqual([denied.allowed, denied.rootPrivs], [false, false]);
      assert.equal(
        allowed(without, 'update', 'sys/audit/file'),
        true,
        'fine when the path is not root-protected',
      );
      assert.equal(
        rules({ 'sys/audit/*': ['sudo'] }).check({
          operation: 'update',
          path: 'sys/audit/x',
          rootProtected: true,
        }).allowed,
        false,
      );
    });
  });

  void describe('root', () => {
    void it('allows everything and reports root', () => {
      const root = new ACL([ROOT_POLICY]);
      assert.equal(root.isRoot, true);
      assert.deepEqual(root.check({ operation: 'delete', path: 'sys/raw/x', rootProtected: true }), {
        allowed: true,
        isRoot: true,
        rootPrivs: true,
        capabilities: ['root'],
        grantingPolicies: ['root'],
        matchedPath: undefined,
      });
      assert.deepEqual(root.capabilities('anything'), ['root']);
    });

    void it('cannot be combined with other policies (as in Vault)', () => {
      assert.throws(() => new ACL([ROOT_POLICY, parsePolicy('x', '')]), CofferError);
    });
  });

  void describe('capabilities(path)', () => {
    void it('lists the winning rule capabilities sorted, or deny', () => {
      const a = rules({
        'secret/*': ['update', 'create', 'read', 'sudo', 'patch', 'list', 'delete', 'subscribe'],
        'secret/x': [],
      });
      assert.deepEqual(a.capabilities('secret/y'), [
        'create',
        'delete',
        'list',
        'patch',
        'read',
        'subscribe',
        'sudo',
        'update',
      ]);
      assert.deepEqual(a.capabilities('secret/x'), ['deny']);
      assert.deepEqual(rules({ 'a/*': ['read', 'deny'] }).capabilities('a/b'), ['deny']);
    });

    void it('uses list semantics (foo/ also matches the rule foo)', () => {
      assert.deepEqual(rules({ 'secret/metadata': ['list'] }).capabilities('secret/metadata/'), ['list']);
    });
  });

  void it('reports the policies granting the operation', () => {
    const a = acl(
      'path "s/x" { capabilities = ["read"] }',
      'path "s/x" { capabilities = ["read", "list"] }',
      'path "s/*" { capabilities = ["read"] }',
    );
    assert.deepEqual(a.check({ operation: 'read', path: 's/x' }).grantingPolicies, ['p0', 'p1']);
    assert.deepEqual(a.check({ operation: 'list', path: 's/x' }).grantingPolicies, ['p1']);
    assert.deepEqual(a.check({ operation: 'update', path: 's/x' }).grantingPolicies, []);
  });
});
