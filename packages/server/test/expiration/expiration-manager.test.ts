import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { PrefixedView, type StorageView } from '@coffer/barrier';
import { CofferError } from '../../src/errors/coffer-error.js';
import type { LeaseRecord } from '../../src/expiration/index.js';
import { ExpirationHarness, HOUR, sleep, until } from './expiration-harness.js';

let h: ExpirationHarness;
afterEach(() => h.close());

async function rawRecord(leaseId: string): Promise<LeaseRecord | undefined> {
  const bytes = await h.expireView.get(`id/${leaseId}`);
  return bytes === undefined ? undefined : (JSON.parse(Buffer.from(bytes).toString('utf8')) as LeaseRecord);
}

void describe('ExpirationManager: registration and lookup', () => {
  void it('forms Vault lease IDs and reports lease times', async () => {
    h = new ExpirationHarness();
    const m = h.manager();
    const { auth: root } = await h.root();
    const t = await h.token(m, root, 600);
    assert.match(t.leaseId, /^auth\/token\/create\/h[0-9a-f]{64}$/);
    const s = await h.secret(m, 'ro', 120, t.entry);
    assert.match(s, /^db\/creds\/ro\/[A-Za-z0-9]{24}$/);

    const look = await m.lookup(t.leaseId);
    assert.ok(look !== undefined);
    assert.deepEqual(Object.keys(look), [
      'expire_time',
      'id',
      'issue_time',
      'last_renewal',
      'renewable',
      'ttl',
    ]);
    assert.equal(look.id, t.leaseId);
    assert.equal(look.renewable, true);
    assert.equal(look.last_renewal, null);
    assert.ok(look.ttl >= 598 && look.ttl <= 600, String(look.ttl));
    assert.equal((await m.lookup(s))?.ttl, 120);
    assert.deepEqual(await m.list('db/creds'), ['ro/']);
    assert.equal(m.count, 2);
    // Root tokens (no TTL) get no lease.
    assert.equal(
      await m.registerToken({ accessor: root.entry.accessor, token_type: 'service' }, 'a'),
      undefined,
    );
    // The record never holds the token itself.
    const raw = JSON.stringify(await rawRecord(t.leaseId));
    assert.ok(!raw.includes(t.token));
  });

  void it('secret TTLs default to and are capped by the mount limits', async () => {
    h = new ExpirationHarness();
    h.defaultLeaseTtl = 30;
    h.maxLeaseTtl = 60;
    const m = h.manager();
    const zero = await h.secret(m, 'a', 0);
    assert.equal((await m.lookup(zero))?.ttl, 30);
    const big = await h.secret(m, 'b', 3600);
    assert.equal((await m.lookup(big))?.ttl, 60);
  });
});

void describe('ExpirationManager: expiry', () => {
  void it('revokes in expiry order with one timer, within [TTL, TTL + 1 s]', async () => {
    h = new ExpirationHarness();
    const m = h.manager();
    const start = Date.now();
    const c = await h.secret(m, 'c', 3);
    const a = await h.secret(m, 'a', 1);
    const b = await h.secret(m, 'b', 2);
    const times = new Map<string, number>();
    h.engine.afterRevoke = (lease) => times.set(lease.leaseId, Date.now() - start);
    await until('all three revoked', 6000, async () => h.engine.revoked.length === 3);
    assert.deepEqual(h.engine.revoked, [a, b, c]);
    for (const [id, ttl] of [
      [a, 1],
      [b, 2],
      [c, 3],
    ] as const) {
      const at = times.get(id) ?? -1;
      assert.ok(at >= ttl * 1000 - 5 && at <= ttl * 1000 + 1000, `${id} revoked at ${at} ms`);
      assert.equal(await m.lookup(id), undefined);
    }
    assert.equal(m.count, 0);
  });

  void it('a token lease follows auth/token/renew: rescheduled, not revoked, at the old expiry', async () => {
    h = new ExpirationHarness();
    const m = h.manager();
    const { auth: root } = await h.root();
    const t = await h.token(m, root, 2);
    await sleep(800);
    await h.tokens.renew(t.entry, 4); // now expires ~4.8 s after creation
    await sleep(2000); // past the original 2 s
    assert.ok((await h.tokens.lookup(t.token)) !== undefined, 'renewed token revoked at its old expiry');
    assert.ok((await m.lookup(t.leaseId)) !== undefined);
    const record = await rawRecord(t.leaseId);
    assert.ok(record !== undefined && record.lastRenewalMs > 0, 'lease record follows the renewal');
    await until(
      'renewed token revoked',
      4000,
      async () => (await h.tokens.leaseFacts(await id(t.entry))) === undefined,
    );
    assert.equal(await m.lookup(t.leaseId), undefined);
    assert.equal(m.count, 0);
  });

  void it('retries a failing revocation with backoff, then marks the lease irrevocable', async () => {
    h = new ExpirationHarness();
    const m = h.manager({ retryBaseMs: 30, maxRevokeAttempts: 4 });
    h.engine.failRevoke = 'backend unreachable';
    const s = await h.secret(m, 'x', 1);
    await until('irrevocable', 5000, async () => (await rawRecord(s))?.irrevocable === true);
    const record = await rawRecord(s);
    assert.equal(record?.revokeAttempts, 4);
    assert.match(record?.lastError ?? '', /backend unreachable/);
    const listed = await m.irrevocable(10);
    assert.equal(listed.total, 1);
    assert.equal(listed.leases[0]?.lease_id, s);
    assert.equal(listed.leases[0]?.mount_id, 'database_1234');
    assert.deepEqual(await m.irrevocableCounts(), { lease_count: 1, counts: { database_1234: 1 } });
    assert.equal(m.count, 1, 'irrevocable leases still count');
    // No further attempts once irrevocable.
    await sleep(300);
    assert.equal((await rawRecord(s))?.revokeAttempts, 4);
    // A sync revoke still fails (500) and keeps it; revoke-force removes it.
    await assert.rejects(m.revoke(s), (e: unknown) => e instanceof CofferError && e.code === 'INTERNAL');
    await m.revokePrefix('db/creds/', { force: true });
    assert.equal(await rawRecord(s), undefined);
    assert.equal((await m.irrevocable(10)).total, 0);
  });

  void it('completes a revocation interrupted between the revoke and the record delete (crash)', async () => {
    h = new ExpirationHarness();
    // Node 1 "dies" right after the engine revoked: its storage writes stop reaching storage.
    let dead = false;
    const view = h.expireView;
    const dying: StorageView = {
      prefix: view.prefix,
      view: (prefix) => view.view(prefix),
      get: (key) => view.get(key),
      list: (prefix) => view.list(prefix),
      put: async (key, value) => {
        if (dead) throw new Error('process gone');
        await view.put(key, value);
      },
      delete: async (key) => {
        if (dead) throw new Error('process gone');
        await view.delete(key);
      },
    };
    const m1 = h.manager({ storage: dying });
    const s = await h.secret(m1, 'crash', 1);
    h.engine.afterRevoke = () => {
      dead = true;
      m1.stop();
    };
    await until('engine revoked once', 4000, async () => h.engine.revoked.length === 1);
    await sleep(50);
    assert.ok((await rawRecord(s)) !== undefined, 'the record survived the crash');

    // Token lease: crash while its token was being revoked (the token is marked, not deleted).
    const { auth: root } = await h.root();
    const m0 = h.manager({}, false);
    const t = await h.token(m0, root, 1);
    const fail = h.tokens.onRevoke(async () => {
      throw new Error('crash mid token revocation');
    });
    await assert.rejects(h.tokens.revokeTree(t.entry));
    fail();
    m0.stop();
    assert.equal((await h.tokens.leaseFacts(await id(t.entry)))?.revoking, true);

    // The next active node finishes both: the engine sees the (idempotent) revoke again.
    h.engine.afterRevoke = undefined;
    const m2 = h.manager();
    await m2.whenRestored();
    await until(
      'lease records gone',
      4000,
      async () => (await rawRecord(s)) === undefined && (await rawRecord(t.leaseId)) === undefined,
    );
    assert.deepEqual(h.engine.revoked, [s, s]);
    assert.equal(await h.tokens.leaseFacts(await id(t.entry)), undefined, 'token revocation finished');
    assert.equal(m2.count, 0);
  });
});

void describe('ExpirationManager: token revocation, renew, revoke', () => {
  void it('revoking a token revokes its children, their leases and the secrets they created', async () => {
    h = new ExpirationHarness();
    const m = h.manager();
    const { auth: root } = await h.root();
    const parent = await h.token(m, root, HOUR);
    const child = await h.token(m, parent.auth, HOUR);
    const s1 = await h.secret(m, 'p', HOUR, parent.entry);
    const s2 = await h.secret(m, 'c', HOUR, child.entry);
    const other = await h.secret(m, 'o', HOUR, root.entry);
    assert.equal(m.count, 5);
    await h.tokens.revokeTree(parent.entry);
    assert.equal(await m.lookup(parent.leaseId), undefined);
    assert.equal(await m.lookup(child.leaseId), undefined);
    await until('secret leases revoked', 3000, async () => h.engine.revoked.length === 2);
    assert.deepEqual([...h.engine.revoked].sort(), [s1, s2].sort());
    assert.equal(await m.lookup(s1), undefined);
    assert.ok((await m.lookup(other)) !== undefined);
    await until('token lease records deleted', 3000, async () => m.count === 1);
    assert.deepEqual(await m.list('auth/token/create/'), []);
    assert.deepEqual(await h.expireView.list('token/'), [`${await id(root.entry)}/`]);
  });

  void it('renews secrets through the engine (from now, capped by the max TTL) and refuses token leases', async () => {
    h = new ExpirationHarness();
    h.maxLeaseTtl = 100;
    const m = h.manager();
    const { auth: root } = await h.root();
    const t = await h.token(m, root, 60);
    await assert.rejects(m.renew(t.leaseId, 10), /tokens cannot be renewed through this endpoint/);
    const s = await h.secret(m, 'r', 10);
    const renewed = await m.renew(s, 50);
    assert.equal(renewed.leaseDuration, 50);
    assert.deepEqual(h.engine.renewed, [s]);
    const capped = await m.renew(s, 500);
    assert.ok(capped.leaseDuration <= 100 && capped.leaseDuration >= 99, String(capped.leaseDuration));
    assert.ok(capped.warnings.some((w) => w.includes('capped')));
    assert.ok((await m.lookup(s))?.last_renewal !== null);
    await assert.rejects(m.renew('db/creds/none/x', 1), /lease not found/);
  });

  void it('revoke: sync, async (queued), unknown IDs, prefixes', async () => {
    h = new ExpirationHarness();
    const m = h.manager();
    const a = await h.secret(m, 'a', HOUR);
    const b = await h.secret(m, 'b', HOUR);
    const c = await h.secret(m, 'sub/c', HOUR);
    await m.revoke(a);
    assert.deepEqual(h.engine.revoked, [a]);
    await m.revoke(a); // unknown: no-op
    await assert.rejects(m.revoke('db/creds/zzz/1', { sync: false }), /lease not found/);
    await m.revoke(b, { sync: false });
    await until('queued revoke done', 2000, async () => h.engine.revoked.length === 2);
    await m.revokePrefix('db/creds/sub');
    assert.deepEqual(h.engine.revoked, [a, b, c]);
    assert.equal(m.count, 0);
  });

  void it('tidy drops token leases whose token is gone and queues orphaned secrets', async () => {
    h = new ExpirationHarness();
    const m = h.manager();
    const { auth: root } = await h.root();
    const t = await h.token(m, root, HOUR);
    const s = await h.secret(m, 's', HOUR, t.entry);
    // The token vanishes behind the manager's back (no hook).
    await new PrefixedView(h.backend, 'sys/token/').delete(`id/${await id(t.entry)}`);
    h.tokens.clearCache();
    await m.tidy();
    assert.equal(await m.lookup(t.leaseId), undefined);
    await until('orphaned secret revoked', 2000, async () => h.engine.revoked.includes(s));
  });
});

void describe('ExpirationManager: restore', () => {
  void it('restores 10^5 leases into one queue and expires the due ones', async () => {
    h = new ExpirationHarness();
    const n = 100_000;
    const now = Date.now();
    const encoder = new TextEncoder();
    const writes: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const leaseId = `db/creds/r${i % 100}/l${String(i).padStart(6, '0')}`;
      const record: LeaseRecord = {
        v: 1,
        leaseId,
        path: `db/creds/r${i % 100}`,
        kind: 'secret',
        tokenId: '',
        accessor: '',
        mountAccessor: 'database_1234',
        issueTimeMs: now,
        // Ten are already due; the rest in an hour or more.
        expireTimeMs: i < 10 ? now - 1000 : now + HOUR * 1000 + i,
        lastRenewalMs: 0,
        renewable: true,
        ttl: HOUR,
        maxTtl: 0,
        internalData: {},
        revokeAttempts: 0,
        irrevocable: false,
        lastError: '',
      };
      writes.push(h.expireView.put(`id/${leaseId}`, encoder.encode(JSON.stringify(record))));
    }
    await Promise.all(writes);
    const started = process.hrtime.bigint();
    const m = h.manager();
    await m.whenRestored();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`restored ${n} leases in ${ms.toFixed(0)} ms`);
    assert.ok(m.count >= n - 10, String(m.count));
    assert.ok(ms < 60_000, `restore took ${ms} ms`);
    await until('the ten due leases revoked', 5000, async () => h.engine.revoked.length === 10);
    assert.equal(m.count, n - 10);
  });
});

async function id(entry: Parameters<ExpirationHarness['tokens']['saltedIdOf']>[0]): Promise<string> {
  const salted = await h.tokens.saltedIdOf(entry);
  if (salted === undefined) throw new Error('no salted id');
  return salted;
}
