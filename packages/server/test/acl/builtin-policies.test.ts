import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACL,
  DEFAULT_POLICY_NAME,
  defaultPolicy,
  parsePolicy,
  responseWrappingPolicy,
  ROOT_POLICY,
  ROOT_POLICY_NAME,
} from '../../src/acl/index.js';

void describe('built-in policies', () => {
  void it('ships the default policy as Vault does, path by path', () => {
    const policy = defaultPolicy();
    assert.equal(policy.name, DEFAULT_POLICY_NAME);
    assert.equal(policy.templated, true);
    assert.deepEqual(
      policy.paths.map((p) => [p.path, p.capabilities.join(',')]),
      [
        ['auth/token/lookup-self', 'read'],
        ['auth/token/renew-self', 'update'],
        ['auth/token/revoke-self', 'update'],
        ['sys/capabilities-self', 'update'],
        ['identity/entity/id/{{identity.entity.id}}', 'read'],
        ['identity/entity/name/{{identity.entity.name}}', 'read'],
        ['sys/internal/ui/resultant-acl', 'read'],
        ['sys/renew', 'update'],
        ['sys/leases/renew', 'update'],
        ['sys/leases/lookup', 'update'],
        ['cubbyhole/*', 'create,read,update,delete,list'],
        ['sys/wrapping/wrap', 'update'],
        ['sys/wrapping/lookup', 'update'],
        ['sys/wrapping/unwrap', 'update'],
        ['sys/tools/hash', 'update'],
        ['sys/tools/hash/*', 'update'],
        ['sys/control-group/request', 'update'],
        ['identity/oidc/provider/+/authorize', 'read,update'],
      ],
    );
  });

  void it('lets a default-policy token do what Vault allows and nothing else', () => {
    const a = new ACL([defaultPolicy()]);
    const ok = (operation: 'read' | 'update' | 'create' | 'list' | 'delete', path: string): boolean =>
      a.check({ operation, path }).allowed;
    assert.equal(ok('read', 'auth/token/lookup-self'), true);
    assert.equal(ok('update', 'auth/token/renew-self'), true);
    assert.equal(ok('update', 'sys/capabilities-self'), true);
    assert.equal(ok('create', 'cubbyhole/my/secret'), true);
    assert.equal(ok('list', 'cubbyhole/'), true);
    assert.equal(ok('update', 'sys/tools/hash/sha2-256'), true);
    assert.equal(ok('read', 'identity/oidc/provider/default/authorize'), true);
    assert.equal(ok('read', 'secret/data/foo'), false);
    assert.equal(ok('update', 'auth/token/create'), false);
    assert.equal(ok('read', 'sys/policies/acl/default'), false);
    assert.deepEqual(a.capabilities('sys/mounts'), ['deny']);
  });

  void it('fills the default policy entity paths from the token identity only', () => {
    const withEntity = new ACL([defaultPolicy()], { entity: { id: 'e-123', name: 'alice' } });
    assert.equal(withEntity.check({ operation: 'read', path: 'identity/entity/id/e-123' }).allowed, true);
    assert.equal(withEntity.check({ operation: 'read', path: 'identity/entity/name/alice' }).allowed, true);
    assert.equal(withEntity.check({ operation: 'read', path: 'identity/entity/id/e-999' }).allowed, false);
    const anonymous = new ACL([defaultPolicy()]);
    assert.equal(
      anonymous.check({ operation: 'read', path: 'identity/entity/id/{{identity.entity.id}}' }).allowed,
      false,
    );
  });

  void it('has a response-wrapping policy limited to its cubbyhole response and unwrap', () => {
    const a = new ACL([responseWrappingPolicy()]);
    assert.deepEqual(a.capabilities('cubbyhole/response'), ['create', 'read']);
    assert.deepEqual(a.capabilities('sys/wrapping/unwrap'), ['update']);
    assert.deepEqual(a.capabilities('cubbyhole/other'), ['deny']);
  });

  void it('has a rule-less root policy that makes an ACL root', () => {
    assert.equal(ROOT_POLICY.name, ROOT_POLICY_NAME);
    assert.deepEqual(ROOT_POLICY.paths, []);
    assert.equal(new ACL([ROOT_POLICY]).isRoot, true);
    assert.equal(new ACL([parsePolicy('admin', 'path "*" { capabilities = ["sudo"] }')]).isRoot, false);
  });
});
