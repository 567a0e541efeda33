import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PrefixedView } from '@coffer/barrier';
import { CofferError } from '../../src/errors/coffer-error.js';
import { ErrorCode } from '../../src/errors/error-code.js';
import type { TokenEntry } from '../../src/logical/token-entry.js';
import { TokenStore } from '../../src/tokens/token-store.js';
import { DEFAULT_TTL, HOUR, T0, TokenHarness, authOf } from './token-harness.js';

function badRequest(message: string | RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof CofferError, `expected CofferError, got ${String(err)}`);
    assert.equal(err.code, ErrorCode.BadRequest);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  };
}

void describe('TokenStore root tokens', () => {
  void it('creates a root token with Vault root-token properties', async () => {
    const h = new TokenHarness();
    const { clientToken, entry } = await h.store.createRootToken();
    assert.match(clientToken, /^hvs\.[A-Za-z0-9]{24}$/);
    assert.match(entry.accessor, /^[A-Za-z0-9]{24}$/);
    assert.deepEqual(entry.policies, ['root']);
    assert.equal(entry.path, 'auth/token/root');
    assert.equal(entry.displayName, 'root');
    assert.equal(entry.ttl, 0);
    assert.equal(entry.expireTimeMs, 0);
    assert.equal(entry.orphan, true);
    assert.equal(entry.parentAccessor, '');
    assert.equal(entry.renewable, false);
    assert.equal(entry.creationTime, T0 / 1000);
    assert.equal(entry.type, 'service');
    assert.match(entry.cubbyholeId, /^[0-9a-f]{64}$/);
    assert.ok(Object.isFrozen(entry));
    const found = await h.store.lookup(clientToken);
    assert.equal(found?.accessor, entry.accessor);
  });

  void it('accepts a fixed root token ID (dev mode) and rejects duplicates and dots', async () => {
    const h = new TokenHarness();
    const { clientToken } = await h.store.createRootToken({ id: 'devroot' });
    assert.equal(clientToken, 'devroot');
    assert.deepEqual((await h.store.lookup('devroot'))?.policies, ['root']);
    await assert.rejects(
      h.store.createRootToken({ id: 'devroot' }),
      badRequest('cannot create a token with a duplicate ID'),
    );
    await assert.rejects(
      h.store.createRootToken({ id: 'hvs.abc' }),
      badRequest("custom token ID cannot have a '.' in the value"),
    );
  });

  void it('returns undefined for unknown, empty and absurdly long tokens', async () => {
    const h = new TokenHarness();
    await h.store.createRootToken();
    assert.equal(await h.store.lookup('hvs.nope'), undefined);
    assert.equal(await h.store.lookup(''), undefined);
    assert.equal(await h.store.lookup('x'.repeat(5000)), undefined);
  });

  void it('gives distinct tokens distinct accessors and cubbyholes', async () => {
    const h = new TokenHarness();
    const a = await h.store.createRootToken();
    const b = await h.store.createRootToken();
    assert.notEqual(a.clientToken, b.clientToken);
    assert.notEqual(a.entry.accessor, b.entry.accessor);
    assert.notEqual(a.entry.cubbyholeId, b.entry.cubbyholeId);
  });
});

void describe('TokenStore salted storage', () => {
  void it('never stores a token ID, in keys or values, and stores no accessor in a key', async () => {
    const h = new TokenHarness();
    const root = await h.root('CustomRootTokenXyz42');
    const child = await h.store.create(root, { policies: ['web'], meta: { user: 'alice' } });
    const grandchild = await h.store.create(authOf(child.clientToken, child.entry), {});
    const custom = await h.store.create(root, { id: 'MyCustomChildToken99', policies: ['db'] });
    await h.store.createRootToken();
    await h.store.writeRole({ ...(await import('../../src/tokens/token-role.js')).defaultTokenRole('r1') });

    const rows = await h.dump();
    assert.ok(rows.length > 8);
    const secrets = [root.clientToken, child.clientToken, grandchild.clientToken, custom.clientToken];
    for (const secret of secrets) {
      const body = secret.startsWith('hvs.') ? secret.slice(4) : secret;
      for (const { key, value } of rows) {
        assert.ok(!key.includes(body), `token appears in key ${key}`);
        assert.ok(!value.includes(body), `token appears in value of ${key}`);
      }
    }
    for (const accessor of [root.entry.accessor, child.entry.accessor, custom.entry.accessor]) {
      for (const { key } of rows) assert.ok(!key.includes(accessor), `accessor appears in key ${key}`);
    }
    // Everything lives under the view the core hands over.
    for (const { key } of rows) assert.ok(key.startsWith('sys/token/'), key);
    assert.ok(rows.some((r) => r.key === 'sys/token/salt'));
  });

  void it('creates the salt once and keeps working across a restart on the same storage', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const child = await h.store.create(root, { policies: ['web'] });
    const salt1 = await h.backend.get('sys/token/salt');
    const reopened = new TokenStore(new PrefixedView(h.backend, 'sys/token/'), {
      defaultLeaseTtl: DEFAULT_TTL,
      maxLeaseTtl: DEFAULT_TTL,
      now: () => h.clock,
    });
    const found = await reopened.lookup(child.clientToken);
    assert.equal(found?.accessor, child.entry.accessor);
    assert.deepEqual(found?.policies, ['default', 'web']);
    assert.deepEqual(await h.backend.get('sys/token/salt'), salt1);
    // The reopened store can revoke it (hash recovered through the accessor index).
    await reopened.revokeTree(child.entry);
    assert.equal(await reopened.lookup(child.clientToken), undefined);
  });

  void it('derives the cubbyhole ID one-way from the salted hash', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const rows = await h.dump();
    const idKey = rows.find((r) => r.key.startsWith('sys/token/id/'))?.key ?? '';
    const hash = idKey.slice('sys/token/id/'.length);
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.notEqual(root.entry.cubbyholeId, hash);
    assert.ok(!root.entry.cubbyholeId.includes(root.clientToken.slice(4)));
  });
});

void describe('TokenStore revocation', () => {
  async function family(h: TokenHarness) {
    const root = await h.root();
    const child = await h.store.create(root, { policies: ['web'] });
    const childAuth = authOf(child.clientToken, child.entry);
    const grandchild = await h.store.create(childAuth, {});
    const greatGrandchild = await h.store.create(authOf(grandchild.clientToken, grandchild.entry), {});
    const orphan = await h.store.create(root, { noParent: true, policies: ['web'] });
    const sibling = await h.store.create(root, { policies: ['db'] });
    return { root, child, grandchild, greatGrandchild, orphan, sibling };
  }

  void it('revokeTree kills children and grandchildren; orphans, siblings and the parent survive', async () => {
    const h = new TokenHarness();
    const f = await family(h);
    assert.equal(f.child.entry.parentAccessor, f.root.entry.accessor);
    assert.equal(f.child.entry.orphan, false);
    assert.equal(f.orphan.entry.orphan, true);
    const revoked: TokenEntry[] = [];
    h.store.onRevoke(async (e) => {
      revoked.push(e);
    });

    await h.store.revokeTree(f.child.entry);

    for (const t of [f.child, f.grandchild, f.greatGrandchild])
      assert.equal(await h.store.lookup(t.clientToken), undefined);
    for (const t of [f.root, f.orphan, f.sibling])
      assert.notEqual(await h.store.lookup(t.clientToken), undefined);
    // Children before parents, each exactly once, with their cubbyhole IDs.
    assert.deepEqual(
      revoked.map((e) => e.accessor),
      [f.greatGrandchild.entry.accessor, f.grandchild.entry.accessor, f.child.entry.accessor],
    );
    assert.deepEqual(
      revoked.map((e) => e.cubbyholeId),
      [f.greatGrandchild.entry.cubbyholeId, f.grandchild.entry.cubbyholeId, f.child.entry.cubbyholeId],
    );
    // Nothing left in storage for the revoked tokens: only root, orphan, sibling (+ their indexes).
    const ids = (await h.dump()).filter((r) => r.key.startsWith('sys/token/id/'));
    assert.equal(ids.length, 3);
    const parents = (await h.dump()).filter((r) => r.key.startsWith('sys/token/parent/'));
    assert.equal(parents.length, 1, 'only root → sibling remains');
    assert.ok(!(await h.store.listAccessors()).includes(f.child.entry.accessor));
  });

  void it('revoking the root of a tree makes the whole subtree fail lookup', async () => {
    const h = new TokenHarness();
    const f = await family(h);
    await h.store.revokeTree(f.root.entry);
    for (const t of [f.root, f.child, f.grandchild, f.greatGrandchild, f.sibling]) {
      assert.equal(await h.store.lookup(t.clientToken), undefined);
    }
    assert.notEqual(await h.store.lookup(f.orphan.clientToken), undefined);
  });

  void it('revokeOrphan revokes one token and turns its children into orphans', async () => {
    const h = new TokenHarness();
    const f = await family(h);
    const revoked: string[] = [];
    h.store.onRevoke(async (e) => {
      revoked.push(e.accessor);
    });
    await h.store.revokeOrphan(f.child.entry);
    assert.deepEqual(revoked, [f.child.entry.accessor]);
    assert.equal(await h.store.lookup(f.child.clientToken), undefined);
    const gc = await h.store.lookup(f.grandchild.clientToken);
    assert.equal(gc?.orphan, true);
    assert.equal(gc?.parentAccessor, '');
    // The grandchild keeps its own children and no longer dies with the old family.
    await h.store.revokeTree(f.root.entry);
    assert.notEqual(await h.store.lookup(f.grandchild.clientToken), undefined);
    assert.notEqual(await h.store.lookup(f.greatGrandchild.clientToken), undefined);
    const parentKeys = (await h.dump()).filter((r) => r.key.startsWith('sys/token/parent/'));
    assert.equal(parentKeys.length, 1, 'only grandchild → great-grandchild remains');
  });

  void it('revokes by accessor and reports unknown accessors', async () => {
    const h = new TokenHarness();
    const f = await family(h);
    assert.ok((await h.store.listAccessors()).includes(f.child.entry.accessor));
    assert.equal((await h.store.lookupByAccessor(f.child.entry.accessor))?.path, 'auth/token/create');
    assert.equal(await h.store.revokeByAccessor(f.child.entry.accessor), true);
    assert.equal(await h.store.lookup(f.grandchild.clientToken), undefined);
    assert.equal(await h.store.revokeByAccessor(f.child.entry.accessor), false);
    assert.equal(await h.store.revokeByAccessor('nope'), false);
    assert.equal(await h.store.lookupByAccessor(f.child.entry.accessor), undefined);
  });

  void it('a failing revoke hook leaves the token dead; a retry and tidy finish the job', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const child = await h.store.create(root, { policies: ['web'] });
    let fail = true;
    const seen: string[] = [];
    h.store.onRevoke(async (e) => {
      seen.push(e.accessor);
      if (fail) throw new Error('cubbyhole unavailable');
    });
    await assert.rejects(h.store.revokeTree(child.entry), /cubbyhole unavailable/);
    assert.equal(await h.store.lookup(child.clientToken), undefined, 'dead even though revocation failed');
    assert.ok(
      (await h.dump()).some(
        (r) => r.key.startsWith('sys/token/id/') && r.value.includes('"revoking":"tree"'),
      ),
    );
    fail = false;
    const report = await h.store.tidy();
    assert.equal(report.finishedRevocations, 1);
    assert.deepEqual(seen, [child.entry.accessor, child.entry.accessor]);
    assert.equal((await h.dump()).filter((r) => r.key.startsWith('sys/token/id/')).length, 1);
  });

  void it('unsubscribed hooks are not called; concurrent revocations of one token run the hook once', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const child = await h.store.create(root, {});
    let a = 0;
    let b = 0;
    const off = h.store.onRevoke(async () => {
      a++;
    });
    h.store.onRevoke(async () => {
      b++;
      await new Promise((r) => setImmediate(r));
    });
    off();
    await Promise.all([h.store.revokeOrphan(child.entry), h.store.revokeOrphan(child.entry)]);
    assert.equal(a, 0);
    assert.equal(b, 1);
  });
});

void describe('TokenStore expiry', () => {
  void it('stops a token working at its TTL, before any cleanup', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const t = await h.store.create(root, { ttl: 60, policies: ['web'] });
    assert.equal(t.entry.ttl, 60);
    assert.equal(t.entry.expireTimeMs, T0 + 60_000);
    h.advance(59);
    assert.notEqual(await h.store.lookup(t.clientToken), undefined);
    h.advance(1);
    assert.equal(await h.store.lookup(t.clientToken), undefined);
    assert.equal(await h.store.lookupByAccessor(t.entry.accessor), undefined);
    assert.equal(await h.store.use(t.entry), undefined);
    await assert.rejects(h.store.renew(t.entry, 60), badRequest('token not found'));
  });

  void it('children die when their parent expires even if their own TTL is longer', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const parent = await h.store.create(root, { ttl: 60 });
    const child = await h.store.create(authOf(parent.clientToken, parent.entry), { ttl: 3600 });
    const orphan = await h.store.create(authOf(parent.clientToken, parent.entry, { sudo: true }), {
      ttl: 3600,
      noParent: true,
    });
    h.advance(61);
    assert.equal(await h.store.lookup(child.clientToken), undefined);
    assert.notEqual(await h.store.lookup(orphan.clientToken), undefined);
  });

  void it('revokeExpired reclaims expired tokens through the hooks', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const short = await h.store.create(root, { ttl: 60 });
    const child = await h.store.create(authOf(short.clientToken, short.entry), { ttl: 3600 });
    const long = await h.store.create(root, { ttl: 3600 });
    const revoked: string[] = [];
    h.store.onRevoke(async (e) => {
      revoked.push(e.accessor);
    });
    h.advance(120);
    assert.equal(await h.store.revokeExpired(), 1);
    assert.deepEqual(revoked.sort(), [short.entry.accessor, child.entry.accessor].sort());
    assert.notEqual(await h.store.lookup(long.clientToken), undefined);
    assert.equal((await h.dump()).filter((r) => r.key.startsWith('sys/token/id/')).length, 2);
  });
});

void describe('TokenStore num_uses', () => {
  void it('decrements, flags the last use, then the token stops working and finishUse revokes it', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const t = await h.store.create(root, { numUses: 2 });
    assert.equal(t.entry.numUses, 2);
    const revoked: string[] = [];
    h.store.onRevoke(async (e) => {
      revoked.push(e.accessor);
    });

    const first = await h.store.use(t.entry);
    assert.equal(first?.lastUse, false);
    assert.equal(first?.entry.numUses, 1);
    assert.equal((await h.store.lookup(t.clientToken))?.numUses, 1);

    const second = await h.store.use(t.entry);
    assert.equal(second?.lastUse, true);
    assert.equal(second?.entry.numUses, -1);
    assert.equal(await h.store.lookup(t.clientToken), undefined, 'spent: no further request may use it');
    // ...but the request in flight can still describe itself (lookup-self on the last use).
    assert.equal((await h.store.inspect(t.clientToken))?.entry.numUses, -1);
    assert.equal(await h.store.use(t.entry), undefined);

    assert.ok(second !== undefined);
    await h.store.finishUse(second);
    assert.deepEqual(revoked, [t.entry.accessor]);
    assert.equal(await h.store.inspect(t.clientToken), undefined);
  });

  void it('unlimited tokens are not written on use', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const before = await h.dump();
    const use = await h.store.use(root.entry);
    assert.equal(use?.lastUse, false);
    assert.equal(use?.entry, root.entry);
    assert.deepEqual(await h.dump(), before);
  });

  void it('two concurrent requests cannot both spend the last use', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const t = await h.store.create(root, { numUses: 1 });
    const results = await Promise.all([h.store.use(t.entry), h.store.use(t.entry), h.store.use(t.entry)]);
    assert.equal(results.filter((r) => r !== undefined).length, 1);
  });

  void it('tidy revokes tokens whose last use never finished (crash), but not in-flight ones', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const t = await h.store.create(root, { numUses: 1 });
    const use = await h.store.use(t.entry);
    assert.equal(use?.lastUse, true);
    assert.equal((await h.store.tidy()).revokedExhausted, 0, 'in flight in this process');
    // A new process over the same storage (the old one crashed mid-request).
    const reopened = new TokenStore(new PrefixedView(h.backend, 'sys/token/'), {
      defaultLeaseTtl: DEFAULT_TTL,
      maxLeaseTtl: DEFAULT_TTL,
      now: () => h.clock,
    });
    assert.equal((await reopened.tidy()).revokedExhausted, 1);
    assert.equal((await h.dump()).filter((r) => r.key.startsWith('sys/token/id/')).length, 1);
  });
});

void describe('TokenStore create rules', () => {
  void it('defaults to the parent policies; adds default only when the parent has it', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const rootChild = await h.store.create(root, {});
    assert.deepEqual(rootChild.entry.policies, ['root'], 'child of root with no policies is root');
    const web = await h.store.create(root, { policies: ['web'] });
    assert.deepEqual(web.entry.policies, ['default', 'web']);
    const inherit = await h.store.create(authOf(web.clientToken, web.entry), {});
    assert.deepEqual(inherit.entry.policies, ['default', 'web']);
    const noDefault = await h.store.create(root, { policies: ['web'], noDefaultPolicy: true });
    assert.deepEqual(noDefault.entry.policies, ['web']);
    const fromNoDefault = await h.store.create(authOf(noDefault.clientToken, noDefault.entry), {
      policies: ['web'],
    });
    assert.deepEqual(fromNoDefault.entry.policies, ['web']);
  });

  void it('sanitizes policy names: trims, lower-cases, sorts, de-duplicates', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const t = await h.store.create(root, { policies: [' Web', 'db', 'web', ''] });
    assert.deepEqual(t.entry.policies, ['db', 'default', 'web']);
  });

  void it('rejects policies outside the parent unless the caller has sudo', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const web = await h.store.create(root, { policies: ['web', 'ops'] });
    const webAuth = authOf(web.clientToken, web.entry);
    await assert.rejects(
      h.store.create(webAuth, { policies: ['db'] }),
      badRequest('child policies must be subset of parent'),
    );
    await assert.rejects(
      h.store.create(webAuth, { policies: ['web', 'db'] }),
      badRequest('child policies must be subset of parent'),
    );
    const subset = await h.store.create(webAuth, { policies: ['WEB'] });
    assert.deepEqual(subset.entry.policies, ['default', 'web']);
    const explicitDefault = await h.store.create(webAuth, { policies: ['default'] });
    assert.deepEqual(explicitDefault.entry.policies, ['default']);
    const sudo = await h.store.create(authOf(web.clientToken, web.entry, { sudo: true }), {
      policies: ['db'],
    });
    assert.deepEqual(sudo.entry.policies, ['db', 'default']);
  });

  void it('only a root parent may create root tokens, even with sudo', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const web = await h.store.create(root, { policies: ['web'] });
    await assert.rejects(
      h.store.create(authOf(web.clientToken, web.entry, { sudo: true }), { policies: ['root'] }),
      badRequest('root tokens may not be created without parent token being root'),
    );
    const r = await h.store.create(root, { policies: ['root', 'web'] });
    assert.deepEqual(r.entry.policies, ['root']);
    assert.equal(r.entry.ttl, 0);
    assert.equal(r.entry.renewable, false);
  });

  void it('refuses policies reserved for the core', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    await assert.rejects(
      h.store.create(root, { policies: ['response-wrapping'] }),
      badRequest('cannot assign policy "response-wrapping"'),
    );
  });

  void it('id, no_parent and period need root or sudo', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const web = await h.store.create(root, { policies: ['web'] });
    const plain = authOf(web.clientToken, web.entry);
    const sudo = authOf(web.clientToken, web.entry, { sudo: true });
    await assert.rejects(
      h.store.create(plain, { id: 'mine' }),
      badRequest('root or sudo privileges required to specify token id'),
    );
    await assert.rejects(
      h.store.create(plain, { noParent: true }),
      badRequest('root or sudo privileges required to create orphan token'),
    );
    await assert.rejects(
      h.store.create(plain, { period: 60 }),
      badRequest('root or sudo privileges required to create periodic token'),
    );
    const custom = await h.store.create(sudo, { id: 'mine' });
    assert.equal(custom.clientToken, 'mine');
    const orphan = await h.store.create(sudo, { noParent: true });
    assert.equal(orphan.entry.orphan, true);
    const periodic = await h.store.create(sudo, { period: 60 });
    assert.equal(periodic.entry.period, 60);
    assert.equal(periodic.entry.ttl, 60);
    // create-orphan is ACL'd on its own path: no sudo needed.
    const viaOrphanPath = await h.store.create(plain, { orphan: true });
    assert.equal(viaOrphanPath.entry.orphan, true);
    assert.equal(viaOrphanPath.entry.path, 'auth/token/create-orphan');
    await assert.rejects(
      h.store.create(sudo, { id: 'a.b' }),
      badRequest("custom token ID cannot have a '.' in the value"),
    );
    await assert.rejects(
      h.store.create(sudo, { id: 'mine' }),
      badRequest('cannot create a token with a duplicate ID'),
    );
  });

  void it('applies the default TTL, caps requested TTLs at max_lease_ttl and explicit_max_ttl', async () => {
    const h = new TokenHarness({ defaultLeaseTtl: HOUR, maxLeaseTtl: 10 * HOUR });
    const root = await h.root();
    const def = await h.store.create(root, { policies: ['web'] });
    assert.equal(def.entry.ttl, HOUR);
    assert.equal(def.entry.renewable, true);
    const big = await h.store.create(root, { policies: ['web'], ttl: 20 * HOUR });
    assert.equal(big.entry.ttl, 10 * HOUR);
    assert.deepEqual(big.warnings, [
      'TTL of "20h" exceeded the effective max_ttl of "10h"; TTL value is capped accordingly',
    ]);
    const emt = await h.store.create(root, { policies: ['web'], ttl: 2 * HOUR, explicitMaxTtl: 90 * 60 });
    assert.equal(emt.entry.ttl, 90 * 60);
    assert.equal(emt.entry.explicitMaxTtl, 90 * 60);
    const rootEmt = await h.store.create(root, { explicitMaxTtl: 600 });
    assert.deepEqual(rootEmt.entry.policies, ['root']);
    assert.equal(rootEmt.entry.ttl, 600, 'root tokens are still bound by explicit_max_ttl');
    const nonRenewable = await h.store.create(root, { policies: ['web'], renewable: false });
    assert.equal(nonRenewable.entry.renewable, false);
  });

  void it('an expiring root token cannot create a non-expiring one', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const expiringRoot = await h.store.create(root, { ttl: HOUR });
    assert.deepEqual(expiringRoot.entry.policies, ['root']);
    await assert.rejects(
      h.store.create(authOf(expiringRoot.clientToken, expiringRoot.entry), {}),
      badRequest('expiring root tokens cannot create non-expiring root tokens'),
    );
  });

  void it('rejects bad numbers and batch tokens', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    await assert.rejects(
      h.store.create(root, { numUses: -1 }),
      badRequest('number of uses cannot be negative'),
    );
    await assert.rejects(h.store.create(root, { ttl: -5 }), badRequest('ttl must be positive'));
    await assert.rejects(
      h.store.create(root, { explicitMaxTtl: -5 }),
      badRequest('explicit_max_ttl must be positive'),
    );
    await assert.rejects(h.store.create(root, { period: -5 }), badRequest('period must be positive'));
    await assert.rejects(
      h.store.create(root, { type: 'batch' }),
      badRequest(/batch tokens are not supported/),
    );
    await assert.rejects(h.store.create(root, { type: 'weird' }), badRequest("invalid 'token_type' value"));
    await assert.rejects(
      h.store.create(root, { entityAlias: 'x' }),
      badRequest("'entity_alias' is only allowed in combination with token role"),
    );
  });

  void it('a use-limited parent cannot create children; a revoked parent is not found', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const limited = await h.store.create(root, { numUses: 5 });
    await assert.rejects(
      h.store.create(authOf(limited.clientToken, limited.entry), {}),
      badRequest('restricted use token cannot generate child tokens'),
    );
    const gone = await h.store.create(root, {});
    await h.store.revokeTree(gone.entry);
    await assert.rejects(
      h.store.create(authOf(gone.clientToken, gone.entry), {}),
      badRequest('parent token lookup failed: no parent found'),
    );
  });

  void it('sanitizes display names, keeps meta, warns about missing policies, inherits entity', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const t = await h.store.create(root, {
      displayName: 'my app/v2!',
      meta: { team: 'blue' },
      policies: ['web', 'ghost'],
    });
    assert.equal(t.entry.displayName, 'token-my-app-v2');
    assert.deepEqual(t.entry.meta, { team: 'blue' });
    assert.deepEqual(t.warnings, ['Policy "ghost" does not exist']);
    const plain = await h.store.create(root, { policies: ['web'] });
    assert.equal(plain.entry.displayName, 'token');
    assert.deepEqual(plain.warnings, []);
  });
});

void describe('TokenStore renew', () => {
  void it('renews by increment from now, defaulting to the last TTL', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const t = await h.store.create(root, { ttl: HOUR });
    h.advance(1800);
    const r1 = await h.store.renew(t.entry, 0);
    assert.equal(r1.leaseDuration, HOUR);
    assert.equal(r1.entry.expireTimeMs, h.clock + HOUR * 1000);
    assert.equal(r1.entry.ttl, HOUR, 'creation TTL is unchanged');
    h.advance(1800);
    const r2 = await h.store.renew(t.entry, 2 * HOUR);
    assert.equal(r2.leaseDuration, 2 * HOUR);
    // The cache follows the renewal: the token now outlives its original expiry.
    h.advance(HOUR + 60);
    assert.notEqual(await h.store.lookup(t.clientToken), undefined);
    assert.ok((await h.store.inspect(t.clientToken))?.lastRenewalMs !== 0);
  });

  void it('caps renewals at explicit_max_ttl and at max_lease_ttl measured from issue', async () => {
    const h = new TokenHarness({ defaultLeaseTtl: HOUR, maxLeaseTtl: 4 * HOUR });
    const root = await h.root();
    const emt = await h.store.create(root, { ttl: HOUR, explicitMaxTtl: 90 * 60 });
    h.advance(1800);
    const r = await h.store.renew(emt.entry, 2 * HOUR);
    assert.equal(r.leaseDuration, 3600, '90m from issue minus 30m elapsed');
    assert.deepEqual(r.warnings, [
      'TTL of "2h" exceeded the effective max_ttl of "1h"; TTL value is capped accordingly',
    ]);

    const t = await h.store.create(root, { ttl: 3.5 * HOUR });
    h.advance(3 * HOUR);
    const capped = await h.store.renew(t.entry, 5 * HOUR);
    assert.equal(capped.leaseDuration, HOUR, '4h max from issue minus 3h elapsed');
  });

  void it('renews periodic tokens to their period, bounded only by explicit_max_ttl', async () => {
    const h = new TokenHarness({ defaultLeaseTtl: HOUR, maxLeaseTtl: 2 * HOUR });
    const root = await h.root();
    const p = await h.store.create(root, { period: 600 });
    h.advance(500);
    assert.equal((await h.store.renew(p.entry, 5000)).leaseDuration, 600, 'increment ignored');
    // Periodic tokens outlive max_lease_ttl by renewing.
    for (let i = 0; i < 20; i++) {
      h.advance(500);
      assert.equal((await h.store.renew(p.entry, 0)).leaseDuration, 600);
    }
    const bounded = await h.store.create(root, { period: 600, explicitMaxTtl: 900 });
    h.advance(500);
    assert.equal((await h.store.renew(bounded.entry, 0)).leaseDuration, 400);
  });

  void it('refuses non-renewable, non-expiring and lease-less tokens', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const nr = await h.store.create(root, { policies: ['web'], renewable: false });
    await assert.rejects(h.store.renew(nr.entry, 60), badRequest('lease is not renewable'));
    const rootChild = await h.store.create(root, {});
    await assert.rejects(h.store.renew(rootChild.entry, 60), badRequest('lease is not renewable'));
    await assert.rejects(h.store.renew(root.entry, 60), badRequest('invalid lease ID'));
  });
});

void describe('TokenStore login tokens and tidy', () => {
  void it('issues orphan login tokens with default policy and capped TTLs', async () => {
    const h = new TokenHarness({ defaultLeaseTtl: HOUR, maxLeaseTtl: 10 * HOUR });
    const t = await h.store.issue({
      policies: ['web'],
      path: 'auth/userpass/login/bob',
      displayName: 'userpass-bob',
      meta: { username: 'bob' },
      ttl: 2 * HOUR,
      maxTtl: 3 * HOUR,
    });
    assert.deepEqual(t.entry.policies, ['default', 'web']);
    assert.equal(t.entry.orphan, true);
    assert.equal(t.entry.ttl, 2 * HOUR);
    h.advance(HOUR);
    assert.equal(
      (await h.store.renew(t.entry, 5 * HOUR)).leaseDuration,
      2 * HOUR,
      'token_max_ttl from issue',
    );
  });

  void it('tidy removes dangling accessor and parent index entries and orphans children of lost parents', async () => {
    const h = new TokenHarness();
    const root = await h.root();
    const parent = await h.store.create(root, {});
    const child = await h.store.create(authOf(parent.clientToken, parent.entry), {});
    // Simulate a crash that lost the parent's primary entry, and a dangling accessor entry.
    const parentIdKey = (await h.dump()).find(
      (r) => r.key.startsWith('sys/token/id/') && r.value.includes(`"accessor":"${parent.entry.accessor}"`),
    );
    assert.ok(parentIdKey !== undefined);
    await h.backend.delete(parentIdKey.key);
    await h.backend.put(
      'sys/token/accessor/deadbeef',
      new TextEncoder().encode('{"accessor":"x","tokenHash":"00"}'),
    );
    await h.backend.put('sys/token/parent/ffff/eeee', new Uint8Array());
    h.store.clearCache();

    const report = await h.store.tidy();
    assert.equal(report.orphanedChildren, 1);
    assert.equal(report.deletedParentIndexes, 3, 'root→lost parent, lost parent→child, the fake one');
    assert.equal(report.deletedAccessors, 2, 'the fake one and the lost parent');
    assert.equal(report.errors, 0);
    const c = await h.store.lookup(child.clientToken);
    assert.equal(c?.orphan, true);
    assert.equal((await h.dump()).filter((r) => r.key.startsWith('sys/token/parent/')).length, 0);
    assert.equal(h.store.tidyRunning, false);
  });
});
