import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACL, parsePolicy, ROOT_POLICY } from '../../src/acl/index.js';

const acl = (text: string): ACL => new ACL([parsePolicy('p', text)]);

void describe('ACL.hasMountAccess (sys/internal/ui/mounts visibility)', () => {
  void it('is true with any capability on the mount path or any rule below it', () => {
    assert.equal(acl('path "secret/*" { capabilities = ["read"] }').hasMountAccess('secret/'), true);
    assert.equal(acl('path "secret/data/app" { capabilities = ["read"] }').hasMountAccess('secret/'), true);
    assert.equal(acl('path "secret/data/*" { capabilities = ["list"] }').hasMountAccess('secret/'), true);
    assert.equal(acl('path "secret/+/app" { capabilities = ["read"] }').hasMountAccess('secret/'), true);
    assert.equal(acl('path "+/data/app" { capabilities = ["read"] }').hasMountAccess('secret/'), true);
    assert.equal(new ACL([ROOT_POLICY]).hasMountAccess('anything/'), true);
  });

  void it('is false without rules under the mount, or with deny-only rules', () => {
    assert.equal(acl('path "other/*" { capabilities = ["read"] }').hasMountAccess('secret/'), false);
    assert.equal(acl('path "secret/data/app" { capabilities = ["deny"] }').hasMountAccess('secret/'), false);
    assert.equal(acl('path "*" { capabilities = ["deny"] }').hasMountAccess('secret/'), false);
    assert.equal(acl('path "secret/x" { capabilities = ["subscribe"] }').hasMountAccess('secret/'), false);
    assert.equal(acl('path "other/+/app" { capabilities = ["read"] }').hasMountAccess('secret/'), false);
  });
});
