import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACL, parsePolicy, type AclEntity } from '../../src/acl/index.js';

const entity: AclEntity = {
  id: 'ent-1',
  name: 'alice',
  metadata: { team: 'blue' },
  aliases: [
    { mountAccessor: 'auth_userpass_1', id: 'alias-1', name: 'alice-up', metadata: { region: 'eu' } },
  ],
  groups: [{ id: 'grp-1', name: 'ops', metadata: { tier: 'gold' } }],
};

function allowedFor(template: string, path: string, who: AclEntity | null = entity): boolean {
  const policy = parsePolicy('t', `path ${JSON.stringify(template)} { capabilities = ["read"] }`);
  return new ACL([policy], who === null ? {} : { entity: who }).check({ operation: 'read', path }).allowed;
}

void describe('ACL path templating', () => {
  void it('fills entity, alias and group values', () => {
    assert.equal(allowedFor('secret/{{identity.entity.id}}/*', 'secret/ent-1/x'), true);
    assert.equal(allowedFor('secret/{{ identity.entity.name }}', 'secret/alice'), true);
    assert.equal(allowedFor('secret/{{identity.entity.metadata.team}}/*', 'secret/blue/x'), true);
    assert.equal(
      allowedFor('secret/{{identity.entity.aliases.auth_userpass_1.name}}', 'secret/alice-up'),
      true,
    );
    assert.equal(
      allowedFor('secret/{{identity.entity.aliases.auth_userpass_1.metadata.region}}', 'secret/eu'),
      true,
    );
    assert.equal(allowedFor('secret/{{identity.groups.names.ops.id}}', 'secret/grp-1'), true);
    assert.equal(allowedFor('secret/{{identity.groups.ids.grp-1.name}}', 'secret/ops'), true);
    assert.equal(allowedFor('secret/{{identity.groups.ids.grp-1.metadata.tier}}', 'secret/gold'), true);
  });

  void it('leaves out a path whose template cannot be filled', () => {
    assert.equal(allowedFor('secret/{{identity.entity.metadata.missing}}', 'secret/'), false);
    assert.equal(allowedFor('secret/{{identity.entity.aliases.other.name}}', 'secret/alice-up'), false);
    assert.equal(allowedFor('secret/{{identity.entity.id}}', 'secret/ent-1', null), false);
  });

  void it('never lets an identity value act as a wildcard', () => {
    const sneaky: AclEntity = { id: 'x', name: '*', metadata: { team: '+' } };
    assert.equal(allowedFor('secret/{{identity.entity.name}}', 'secret/*', sneaky), false);
    assert.equal(allowedFor('secret/{{identity.entity.name}}', 'secret/anything', sneaky), false);
    assert.equal(allowedFor('secret/{{identity.entity.metadata.team}}/x', 'secret/other/x', sneaky), false);
  });

  void it('classifies the filled path (a value can complete a glob rule)', () => {
    assert.equal(allowedFor('secret/{{identity.entity.name}}/*', 'secret/alice/deep/x'), true);
    assert.equal(allowedFor('secret/+/{{identity.entity.name}}', 'secret/any/alice'), true);
  });
});
