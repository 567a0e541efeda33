import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InmemBackend, PrefixedView } from '@coffer/barrier';
import { parsePolicy } from '../../src/acl/index.js';
import { AclCache } from '../../src/core/acl-cache.js';
import { CofferError } from '../../src/errors/coffer-error.js';
import { PolicyStore } from '../../src/policy/policy-store.js';
import { decodePolicyBody } from '../../src/sys/sys-policy-paths.js';

function store(): { store: PolicyStore; backend: InmemBackend } {
  const backend = new InmemBackend();
  const s = new PolicyStore(new PrefixedView(backend, 'sys/policy/'), (name, raw) => {
    parsePolicy(name, raw);
  });
  return { store: s, backend };
}

const READ_SECRET = 'path "secret/*" { capabilities = ["read"] }';

void describe('PolicyStore', () => {
  void it('stores under the normalised name in the sys/policy/ view', async () => {
    const { store: s, backend } = store();
    await s.set('  MyPolicy ', READ_SECRET);
    assert.deepEqual(await s.get('mypolicy'), { name: 'mypolicy', raw: READ_SECRET });
    assert.deepEqual(await s.get('MYPOLICY'), { name: 'mypolicy', raw: READ_SECRET });
    assert.deepEqual(await backend.list('sys/policy/'), ['mypolicy']);
    assert.deepEqual(await s.list(), ['mypolicy', 'root']);
  });

  void it('protects root (not storable) and default (not deletable)', async () => {
    const { store: s } = store();
    await assert.rejects(
      s.set('root', READ_SECRET),
      (e: unknown) => e instanceof CofferError && e.code === 'BAD_REQUEST',
    );
    await assert.rejects(s.delete('root'), CofferError);
    await s.setInternal('default', READ_SECRET);
    await assert.rejects(s.delete('Default'), CofferError);
    await s.set('default', READ_SECRET);
    assert.deepEqual(await s.get('root'), { name: 'root', raw: '' });
  });

  void it('rejects invalid policies before storing them', async () => {
    const { store: s } = store();
    await assert.rejects(s.set('bad', 'path "x" { capabilities = ["fly"] }'));
    assert.equal(await s.get('bad'), undefined);
  });

  void it('deletes idempotently and notifies listeners on every change', async () => {
    const { store: s } = store();
    let changes = 0;
    s.onChange(() => (changes += 1));
    await s.set('p', READ_SECRET);
    await s.delete('p');
    await s.delete('p');
    assert.equal(await s.get('p'), undefined);
    assert.equal(changes, 3);
  });

  void it('accepts base64 bodies (Vault decodes them when they are valid base64)', () => {
    assert.equal(decodePolicyBody(Buffer.from(READ_SECRET).toString('base64')), READ_SECRET);
    assert.equal(decodePolicyBody(READ_SECRET), READ_SECRET);
  });
});

void describe('AclCache', () => {
  void it('builds ACLs from current policy contents and rebuilds after a change', async () => {
    const { store: s } = store();
    await s.set('p', READ_SECRET);
    const acls = new AclCache(s);
    const first = await acls.aclFor(['P', 'missing']);
    assert.equal(first.check({ operation: 'read', path: 'secret/x' }).allowed, true);
    assert.equal(await acls.aclFor(['missing', 'p']), first, 'cached per policy set');
    await s.set('p', 'path "other/*" { capabilities = ["read"] }');
    const second = await acls.aclFor(['p']);
    assert.notEqual(second, first);
    assert.equal(second.check({ operation: 'read', path: 'secret/x' }).allowed, false);
    assert.equal(second.check({ operation: 'read', path: 'other/x' }).allowed, true);
  });

  void it('gives root everything', async () => {
    const acls = new AclCache(store().store);
    const acl = await acls.aclFor(['root']);
    assert.equal(acl.check({ operation: 'delete', path: 'sys/seal', rootProtected: true }).allowed, true);
    assert.deepEqual(acl.capabilities('x'), ['root']);
  });
});
